"""Coach time per built-in challenge for a sound reference solution, against its floor:
fitting that solution once with 5-fold cross-validation (what the coach cannot avoid).

    python benchmarks/coach.py [--flight-rows N] [--repeat R]

Prints seconds for both and their ratio (goal: coach ≤ 2× the floor), and which stages of
the coach took the time. Both sides run on the same rows with the same folds and one
BLAS/OpenMP thread, so the ratio measures the coach, not the machine's load.
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
from tiltyard.coach.crossval import splitter  # noqa: E402
from tiltyard.coach.runner import coach_model  # noqa: E402

GOAL = 2.0


def floor_seconds(case, model) -> float:
    started = time.perf_counter()
    cross_validate(model, case.X_train, case.y_train, cv=splitter(case, 5, 0))
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
    print(f"{'challenge':22} {'reference':16} {'rows':>7} {'5-fold CV s':>11} {'coach s':>8} "
          f"{'ratio':>6}  slowest coach stages")
    worst = 0.0
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
        ratio = coach / floor
        worst = max(worst, ratio)
        stages = sorted(report.timings.items(), key=lambda kv: -kv[1])[:3]
        print(f"{challenge_id:22} {build.__name__:16} {len(case.X_train):>7} {floor:>11.2f} "
              f"{coach:>8.2f} {ratio:>5.2f}×  " + ", ".join(f"{k} {v:.2f}s" for k, v in stages))
    print(f"worst ratio {worst:.2f}× (goal ≤ {GOAL:.0f}×): {'met' if worst <= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
