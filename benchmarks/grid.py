"""What a grid cell costs beyond the fit itself, and what a 2-node Ray cluster gives.

1. Per-cell overhead: a few cells (random forests on an outer split of a built-in challenge,
   sized to take several seconds) run the grid's way — fitted in the sandbox, validated and
   scored through the grader's path; then also enqueued in a fresh home and claimed by one
   worker's pool process — against the floor, a bare fit-and-score of the same estimators on
   the same rows in this process. Goal: <= 1.2x on cells of >= 5 s.
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


def _through_the_queue(cells) -> float:
    """The cells enqueued in a fresh home and run by one worker, one at a time (a grid's path:
    the store, the pool and its process are paid once for all the cells)."""
    from tiltyard.grid.plan import CELL_JOB
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker

    with tempfile.TemporaryDirectory(prefix="grid-bench-") as home:
        _use_home(Path(home))
        started = time.perf_counter()
        for cell in cells:
            queue.enqueue(CELL_JOB, {**cell.payload, "predictions_dir": str(Path(home) / "predictions")},
                          key=cell.key)
        summary = run_worker(until_idle=True, keys=[cell.key for cell in cells], concurrency=1)
        elapsed = time.perf_counter() - started
        jobs = queue.jobs_by_key([cell.key for cell in cells])
        if summary.done != len(cells) or any(job.result["outcome"] != "ok" for job in jobs.values()):
            sys.exit(f"not every cell ran: {[job.error or job.result['message'] for job in jobs.values()]}")
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
        the_plan = plan(load_spec(_spec(Path(folder), args.challenge, args.trees, args.repeats)))
    cells = the_plan.grid_cells  # forests of trees, trees + 1, ...: alike in cost, one cell each
    bare = [_bare(cell.payload) for cell in cells]
    sandboxed = [_in_sandbox_only(cell) for cell in cells]
    queued = _through_the_queue(cells)
    floor = sum(bare)
    return {"challenge": args.challenge, "trees": args.trees, "cells": len(cells), "goal": GOAL_RATIO,
            "bare_fit_and_score_s_per_cell": round(floor / len(cells), 2),
            "sandbox_and_grading_s_per_cell": round(sum(sandboxed) / len(cells), 2),
            "ratio_sandbox_and_grading": round(sum(sandboxed) / floor, 3),
            "queue_sandbox_and_grading_s_per_cell": round(queued / len(cells), 2),
            "ratio_queue_sandbox_and_grading": round(queued / floor, 3)}


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
        common = ["--block", "--num-cpus", "1", "--disable-usage-stats"]
        self.nodes = [subprocess.Popen([ray_cli, "start", "--head", "--port", str(port), "--include-dashboard=false",
                                        "--temp-dir", str(self.temp), *common], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.STDOUT, start_new_session=True)]
        address = f"{ray.util.get_node_ip_address()}:{port}"
        for _ in range(90):
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
    parser.add_argument("--repeats", type=int, default=3, help="cells in the overhead run")
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
