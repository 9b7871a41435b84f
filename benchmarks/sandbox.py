"""What the sandbox costs: a trivial code submission in bubblewrap against a plain subprocess.

Both run the same harness on the same staged files, interleaved in one process, so machine load
hits them alike. The floor is the plain subprocess; the goal is under 150 ms extra per run
(container-based graders spend a second or more).

    python benchmarks/sandbox.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.runner import sandbox
from tiltyard.runner.budget import Budget
from tiltyard.runner.process import run_contained

GOAL_EXTRA_MS = 150
# No scikit-learn: importing it would add the same second to both sides and hide the difference.
TRIVIAL_SUBMISSION = """
import numpy as np
class Constant:
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self
    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 0.5)
def build_model():
    return Constant()
"""


def small_table() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    return features.iloc[:150], pd.Series(features["a"].iloc[:150] > 0), features.iloc[150:]


def time_sandboxed(code: Path, table, budget: Budget) -> float:
    started = time.perf_counter()
    result = sandbox.run_code_submission(code, *table, task_type="binary", needs_proba=True, budget=budget)
    elapsed = time.perf_counter() - started
    assert result.ok, result.message
    return elapsed


def time_plain_subprocess(code: Path, table, budget: Budget) -> float:
    """The same harness and staging as the sandbox, started as an ordinary child with no limits."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tiltyard-run-") as root:
        stage = sandbox._stage(Path(root), code, *table)
        config = sandbox._harness_config(
            budget, True, run_as_uid=None, train=str(stage.inputs / "train.parquet"),
            target=str(stage.inputs / "target.parquet"), test=str(stage.inputs / "test.parquet"),
            submission=str(stage.submission), visible_roots=["/"])
        config["limits"] = {}
        finished = run_contained(
            lambda fd: [sys.executable, "-I", "-B", str(stage.harness), json.dumps({**config, "result_fd": fd})],
            env=sandbox._child_env(budget, home=str(stage.scratch)), cwd=stage.scratch,
            wall_seconds=budget.wall_seconds, result_limit=1 << 30, tail_bytes=4096)
    elapsed = time.perf_counter() - started
    assert b'"status": "ok"' in finished.result, finished.stderr.text()
    return elapsed


def measure_overhead(runs: int) -> dict[str, float]:
    problem = sandbox.bubblewrap_problem()
    if problem is not None:
        raise SystemExit(f"bubblewrap cannot run here: {problem}")
    table, budget = small_table(), Budget(wall_seconds=60, threads=1)
    with tempfile.TemporaryDirectory() as folder:
        code = Path(folder) / "solution.py"
        code.write_text(TRIVIAL_SUBMISSION)
        time_sandboxed(code, table, budget)  # warm the page cache for both
        plain, sandboxed = [], []
        for index in range(runs):
            # Alternate which goes first so drift in machine load does not favour one side.
            pair = [(plain, time_plain_subprocess), (sandboxed, time_sandboxed)]
            for times, timed in (pair if index % 2 == 0 else pair[::-1]):
                times.append(timed(code, table, budget))
    return {"plain_ms": 1000 * statistics.median(plain), "sandbox_ms": 1000 * statistics.median(sandboxed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each kind (medians are reported)")
    arguments = parser.parse_args()
    figures = measure_overhead(arguments.runs)
    extra = figures["sandbox_ms"] - figures["plain_ms"]
    print(f"trivial submission, median of {arguments.runs} runs each (same harness, same files):")
    print(f"  plain subprocess (floor)   {figures['plain_ms']:7.1f} ms")
    print(f"  bubblewrap sandbox         {figures['sandbox_ms']:7.1f} ms")
    print(f"  sandbox / plain            {figures['sandbox_ms'] / figures['plain_ms']:7.2f}x")
    print(f"  extra per run              {extra:7.1f} ms   (goal < {GOAL_EXTRA_MS} ms: "
          f"{'met' if extra < GOAL_EXTRA_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
