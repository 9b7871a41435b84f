"""What a grid cell costs beyond the fit itself, and what a 2-node Ray cluster gives.

1. Per-cell overhead: one cell (a random forest on an outer split of a built-in challenge, sized
   to take several seconds) run the grid's way — enqueued, claimed by a worker, run in a pool
   process, fitted in the sandbox, validated and scored through the grader's path — against the
   floor, a bare fit-and-score of the same estimator on the same rows in this process. Goal:
   <= 1.2x on cells of >= 5 s. Interleaved, so machine load hits both alike.
2. Throughput: the same cells on the local pool (2 at a time) and on a local Ray cluster of two
   nodes started here (`ray start --head` and `ray start --address`, 1 CPU each), each in a home
   of its own so nothing is cached; cells per minute, and Ray's ratio to the pool.

    python benchmarks/grid.py [--challenge credit-risk-v1] [--trees 300] [--repeats 3] [--ray]

The machine is shared: figures vary with its load; the ratios are measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

GOAL_RATIO = 1.2


def _spec(folder: Path, challenge: str, trees: int, models: int) -> Path:
    entries = "\n".join(f'forest{i} = {{ factory = "sklearn.ensemble:RandomForestClassifier", '
                        f'params = {{ n_estimators = {trees + i}, n_jobs = 1 }} }}' for i in range(models))
    path = folder / "bench.toml"
    path.write_text(textwrap.dedent(f"""
        name = "bench"
        [challenges]
        ids = ["{challenge}"]
        [budget]
        wall_seconds = 600
        cpu_seconds = 600
        memory_mb = 2048
        threads = 1
        [axes.model]
        """) + entries + "\n")
    return path


def _use_home(home: Path) -> None:
    from tiltyard.config import get_settings

    os.environ["TILTYARD_HOME"] = str(home)
    get_settings.cache_clear()


def _bare(payload: dict) -> float:
    """Fit and score the cell's estimator on its split, in this process (the floor)."""
    from tiltyard.challenges.registry import get_bundle
    from tiltyard.grid.cell import build_estimator, outer_split
    from tiltyard.kinds.table.handle import Challenge

    started = time.perf_counter()
    challenge = Challenge(get_bundle(payload["challenge"]))
    train, test = outer_split(challenge.y_train, payload["split"], challenge.task.type)
    model = build_estimator(payload, challenge, challenge.train.iloc[train])
    model.fit(challenge.X_train.iloc[train], challenge.y_train.iloc[train])
    model.predict_proba(challenge.X_train.iloc[test]) if challenge.metric.needs_proba else \
        model.predict(challenge.X_train.iloc[test])
    return time.perf_counter() - started


def _as_a_cell(cell) -> float:
    from tiltyard.grid.plan import CELL_JOB
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker

    with tempfile.TemporaryDirectory(prefix="grid-bench-") as home:
        _use_home(Path(home))
        started = time.perf_counter()
        queue.enqueue(CELL_JOB, {**cell.payload, "predictions_dir": str(Path(home) / "predictions")}, key=cell.key)
        summary = run_worker(until_idle=True, keys=[cell.key], concurrency=1)
        elapsed = time.perf_counter() - started
        job = queue.jobs_by_key([cell.key])[cell.key]
        if summary.done != 1 or job.result["outcome"] != "ok":
            sys.exit(f"the cell did not run: {job.error or job.result}")
    return elapsed


def _in_sandbox_only(cell) -> float:
    from tiltyard.grid.cell import run_cell_job

    started = time.perf_counter()
    result = run_cell_job({**cell.payload, "predictions_dir": ""})
    if result["outcome"] != "ok":
        sys.exit(f"the cell did not run: {result['message']}")
    return time.perf_counter() - started


def overhead(args) -> dict:
    from tiltyard.grid.plan import plan
    from tiltyard.grid.spec import load_spec

    with tempfile.TemporaryDirectory(prefix="grid-bench-spec-") as folder:
        the_plan = plan(load_spec(_spec(Path(folder), args.challenge, args.trees, 1)))
    cell = the_plan.grid_cells[0]
    bare, sandboxed, queued = [], [], []
    for _ in range(args.repeats):
        bare.append(_bare(cell.payload))
        sandboxed.append(_in_sandbox_only(cell))
        queued.append(_as_a_cell(cell))
    floor = statistics.median(bare)
    return {"challenge": args.challenge, "trees": args.trees, "runs": args.repeats, "goal": GOAL_RATIO,
            "bare_fit_and_score_s": round(floor, 2),
            "sandbox_and_grading_s": round(statistics.median(sandboxed), 2),
            "ratio_sandbox_and_grading": round(statistics.median(sandboxed) / floor, 3),
            # One cell alone through the queue: the worker's pool is started for it, which a grid
            # of many cells pays once.
            "queue_sandbox_and_grading_s": round(statistics.median(queued), 2),
            "ratio_queue_sandbox_and_grading": round(statistics.median(queued) / floor, 3)}


def throughput(args) -> dict:
    from tiltyard.grid.plan import plan
    from tiltyard.grid.run import run_plan
    from tiltyard.grid.spec import load_spec

    figures = {}
    with tempfile.TemporaryDirectory(prefix="grid-bench-spec-") as folder:
        spec = load_spec(_spec(Path(folder), args.challenge, max(args.trees // 6, 20), args.models))
        for executor in ("local", "ray"):
            with tempfile.TemporaryDirectory(prefix="grid-bench-") as home:
                _use_home(Path(home))
                the_plan = plan(spec, predictions_dir=str(Path(home) / "predictions"))
                if executor == "ray":
                    with _two_nodes() as address:
                        started = time.perf_counter()
                        summary = run_plan(the_plan, executor="ray", address=address)
                        elapsed = time.perf_counter() - started
                else:
                    started = time.perf_counter()
                    summary = run_plan(the_plan, concurrency=2)
                    elapsed = time.perf_counter() - started
                figures[executor] = {"cells": summary.ran, "seconds": round(elapsed, 1),
                                     "cells_per_minute": round(60 * summary.ran / elapsed, 2)}
    figures["ray_over_local"] = round(figures["ray"]["cells_per_minute"] / figures["local"]["cells_per_minute"], 3)
    return figures


class _two_nodes:
    """A two-node local Ray cluster for the length of a with block (stopped by process group)."""

    def __enter__(self) -> str:
        import socket
        import subprocess

        import ray

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.temp = Path(tempfile.mkdtemp(prefix="ray-bench-", dir="/tmp"))
        # A cluster of this benchmark only, on this machine: no token between its nodes and the driver.
        os.environ["RAY_AUTH_MODE"] = "disabled"
        ray_cli = str(Path(sys.executable).with_name("ray"))
        common = ["--block", "--num-cpus", "1", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
        self.nodes = [subprocess.Popen([ray_cli, "start", "--head", "--port", str(port), "--include-dashboard=false",
                                        "--temp-dir", str(self.temp), *common], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT, start_new_session=True)]
        address = f"127.0.0.1:{port}"
        for _ in range(60):
            time.sleep(1)
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
            except Exception:  # noqa: BLE001 - not up yet
                continue
            alive = len([n for n in ray.nodes() if n["Alive"]])
            ray.shutdown()
            if alive == 1 and len(self.nodes) == 1:
                self.nodes.append(subprocess.Popen([ray_cli, "start", "--address", address, *common],
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                                   start_new_session=True))
            if alive == 2:
                return address
        self.__exit__()
        sys.exit("the two-node Ray cluster did not start")

    def __exit__(self, *_exc) -> None:
        import shutil
        import signal
        import subprocess

        for node in reversed(self.nodes):
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(node.pid, sig)
                    node.wait(timeout=20)
                    break
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    continue
        shutil.rmtree(self.temp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--challenge", default="credit-risk-v1")
    parser.add_argument("--trees", type=int, default=300, help="forest size of the overhead cell")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", type=int, default=4, help="grid entries in the throughput run")
    parser.add_argument("--ray", action="store_true", help="also measure a 2-node Ray cluster against the pool")
    args = parser.parse_args()
    from tiltyard.config import get_settings

    # Every home this benchmark makes shares the one catalog (nothing is rebuilt).
    os.environ["TILTYARD_CATALOG_DIR"] = str(get_settings().catalog_dir)
    figures = {"overhead": overhead(args)}
    print(json.dumps(figures, indent=2), flush=True)
    if args.ray:
        figures["throughput"] = throughput(args)
        print(json.dumps(figures["throughput"], indent=2))
    print("(the machine is shared with other work: absolute times vary; ratios are from the same run)")


if __name__ == "__main__":
    main()
