"""What the sandbox costs, and how fast the queue drains.

1. A trivial code submission in bubblewrap against a plain subprocess running the same harness on
   the same staged files, interleaved in one process so machine load hits both alike. The floor is
   the plain subprocess; the goal is under 150 ms extra per run (container graders spend a second
   or more).
2. A queue of small sandboxed jobs (the same trivial submission) drained by a worker with the local
   process pool and with a local Ray, two at a time. The floor is the jobs' own sandbox time
   divided by the two slots; the rest is the queue's and the executor's overhead.

    python benchmarks/sandbox.py [--runs 15] [--jobs 200] [--executors local,ray]
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
from tiltyard.runner.limits import SandboxLimits
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


def time_sandboxed(code: Path, table, budget: SandboxLimits) -> float:
    started = time.perf_counter()
    result = sandbox.run_code_submission(code, *table, task_type="binary", needs_proba=True, budget=budget)
    elapsed = time.perf_counter() - started
    assert result.ok, result.message
    return elapsed


def time_plain_subprocess(code: Path, table, budget: SandboxLimits) -> float:
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
    table, budget = small_table(), SandboxLimits(wall_seconds=60, threads=1)
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


def measure_queue(executor: str, jobs: int, concurrency: int) -> dict[str, float]:
    """Drain ``jobs`` sandboxed jobs from a fresh store; returns elapsed and summed sandbox seconds."""
    import os

    from tiltyard.config import get_settings
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        os.environ["TILTYARD_HOME"] = str(folder / "home")
        get_settings.cache_clear()
        train, target, test = small_table()
        train.assign(target=target).to_parquet(folder / "train.parquet")
        test.to_parquet(folder / "test.parquet")
        (folder / "solution.py").write_text(TRIVIAL_SUBMISSION)
        payload = {"code_path": str(folder / "solution.py"), "train": str(folder / "train.parquet"),
                   "target": "target", "test": str(folder / "test.parquet"), "task_type": "binary",
                   "needs_proba": True, "budget": {"wall_seconds": 60, "threads": 1}}
        ids = [queue.enqueue("run_code", {**payload, "index": index}) for index in range(jobs)]
        started = time.perf_counter()
        summary = run_worker(executor=executor, concurrency=concurrency, until_idle=True)
        elapsed = time.perf_counter() - started
        assert summary.done == jobs, summary
        sandbox_s = sum(queue.get_job(job_id).result["run"]["wall_s"] for job_id in ids)
    return {"elapsed_s": elapsed, "sandbox_s": sandbox_s}


def print_queue(executor: str, jobs: int, concurrency: int, figures: dict[str, float]) -> None:
    floor = figures["sandbox_s"] / concurrency
    overhead_ms = 1000 * (figures["elapsed_s"] - floor) * concurrency / jobs
    print(f"  {executor:<6} {jobs} jobs in {figures['elapsed_s']:6.1f} s = {jobs / figures['elapsed_s']:5.2f} jobs/s; "
          f"floor (sandbox time / {concurrency} slots) {floor:6.1f} s; ratio {figures['elapsed_s'] / floor:4.2f}x; "
          f"overhead {overhead_ms:5.0f} ms per job (includes starting the executor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each kind (medians are reported)")
    parser.add_argument("--jobs", type=int, default=200, help="jobs in the queue throughput part (0 skips it)")
    parser.add_argument("--executors", default="local,ray", help="comma-separated: local, ray")
    arguments = parser.parse_args()
    figures = measure_overhead(arguments.runs)
    extra = figures["sandbox_ms"] - figures["plain_ms"]
    print(f"trivial submission, median of {arguments.runs} runs each (same harness, same files):")
    print(f"  plain subprocess (floor)   {figures['plain_ms']:7.1f} ms")
    print(f"  bubblewrap sandbox         {figures['sandbox_ms']:7.1f} ms")
    print(f"  sandbox / plain            {figures['sandbox_ms'] / figures['plain_ms']:7.2f}x")
    print(f"  extra per run              {extra:7.1f} ms   (goal < {GOAL_EXTRA_MS} ms: "
          f"{'met' if extra < GOAL_EXTRA_MS else 'NOT met'})")
    if arguments.jobs:
        print(f"queue of {arguments.jobs} trivial sandboxed jobs, 2 at a time:")
        for executor in arguments.executors.split(","):
            if executor == "ray":
                try:
                    import ray  # noqa: F401
                except ImportError:
                    print("  ray    skipped: Ray is not installed (pip install 'tiltyard[ray]')")
                    continue
            print_queue(executor, arguments.jobs, 2, measure_queue(executor, arguments.jobs, 2))


if __name__ == "__main__":
    main()
