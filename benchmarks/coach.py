"""Coach time per built-in challenge for a sound reference solution, against its floor:
fitting that solution once with 5-fold cross-validation (what the coach cannot avoid).

    python benchmarks/coach.py [--flight-rows N] [--repeat R]

Prints seconds for both, their ratio (goal: coach ≤ 2× the floor) and the coach's extra
seconds over the floor, and which stages of the coach took the time. Both sides run on the
same rows with the same folds (time-ordered on a time-split challenge, as the coach cuts them)
and one BLAS/OpenMP thread, so the ratio measures the coach, not the machine's load.

On a tiny table the floor is a few hundredths of a second and the coach's fixed cost (the
adversarial-validation classifier, the leakage scores, predicting the test rows: about 0.05 s)
dominates the ratio, so a row also passes when the extra is under FIXED_COST_SECONDS, and
says so. The learning curve is drawn only when a bias/variance finding fires, so it shows in
the timings only where one does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sklearn.model_selection import cross_validate
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "coach"))

from solutions import REFERENCES  # noqa: E402

import tiltyard  # noqa: E402
from tiltyard.coach.challenge import case_from_challenge  # noqa: E402
from tiltyard.coach.crossval import fold_indices  # noqa: E402
from tiltyard.coach.runner import coach_model  # noqa: E402

GOAL = 2.0
FIXED_COST_SECONDS = 0.25  # extra seconds no learner notices, whatever the ratio says


def floor_seconds(case, model) -> float:
    started = time.perf_counter()
    cross_validate(model, case.X_train, case.y_train, cv=fold_indices(case, 5, 0))
    return time.perf_counter() - started


def coach_seconds(case, model):
    started = time.perf_counter()
    report = coach_model(case, model, progress=False, folder=None, budget_seconds=None)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flight-rows", type=int, default=None,
                        help="coach flights on a sample of this many rows (default: all)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="best of this many runs per side, alternating sides (the machine may be busy)")
    args = parser.parse_args()
    print(f"{'challenge':22} {'reference':16} {'rows':>7} {'folds':>8} {'5-fold CV s':>11} {'coach s':>8} "
          f"{'ratio':>6} {'extra s':>8}  {'goal':17} slowest coach stages")
    verdicts = []
    for challenge_id, builders in REFERENCES.items():
        challenge = tiltyard.load(challenge_id)
        rows = args.flight_rows if challenge_id.startswith("flight") else None
        case = case_from_challenge(challenge, history=[], max_rows=rows)
        build = builders[0]
        floors, runs = [], []
        with threadpool_limits(limits=1):
            for _ in range(args.repeat):
                floors.append(floor_seconds(case, build()))
                runs.append(coach_seconds(case, build()))
        floor = min(floors)
        coach, report = min(runs, key=lambda run: run[0])
        ratio, extra = coach / floor, coach - floor
        verdict = "met" if ratio <= GOAL else "met (fixed cost)" if extra <= FIXED_COST_SECONDS else "NOT met"
        verdicts.append(verdict)
        stages = sorted(report.timings.items(), key=lambda kv: -kv[1])[:3]
        fired = [f.id for f in report.findings if f.id in ("overfitting", "underfitting")]
        print(f"{challenge_id:22} {build.__name__:16} {len(case.X_train):>7} "
              f"{'time' if case.time_ordered else 'shuffled':>8} {floor:>11.2f} {coach:>8.2f} "
              f"{ratio:>5.2f}× {extra:>+8.2f}  {verdict:17} " + ", ".join(f"{k} {v:.2f}s" for k, v in stages)
              + (f"  [learning curve drawn for {', '.join(fired)}]" if fired else ""))
    met = all(v != "NOT met" for v in verdicts)
    print(f"goal: coach ≤ {GOAL:.0f}× one 5-fold cross-validation, or at most {FIXED_COST_SECONDS} s "
          f"more on tables where that fit takes hundredths of a second: {'met' if met else 'NOT met'} "
          f"({verdicts.count('met')} by ratio, {verdicts.count('met (fixed cost)')} by fixed cost, "
          f"{verdicts.count('NOT met')} missed)")

if __name__ == "__main__":
    main()
