"""The durable queue and the worker: jobs survive dead workers and are graded once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tiltyard.config import get_settings
from tiltyard.runner import queue
from tiltyard.runner.jobs import JobStatus
from tiltyard.runner.worker import run_worker

from . import job_kinds
from .conftest import needs_bubblewrap

KINDS = job_kinds.__name__
# The folder that makes ``KINDS`` importable in a worker started as a separate program.
IMPORT_ROOT = str(Path(job_kinds.__file__).parents[len(KINDS.split(".")) - 1])


@pytest.fixture
def queue_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TILTYARD_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


def test_asking_twice_for_the_same_work_is_one_job(queue_home):
    first = queue.enqueue("echo", {"n": 1})
    assert queue.enqueue("echo", {"n": 1}) == first
    assert queue.enqueue("echo", {"n": 2}) != first
    assert queue.enqueue("echo", {"n": 1}, key="by-hand") != first
    assert queue.status_counts() == {"queued": 3, "running": 0, "done": 0, "failed": 0}


def test_a_job_completed_twice_keeps_its_first_result(queue_home):
    job_id = queue.enqueue("echo", {"n": 1})
    slow = queue.claim("slow-worker", lease_seconds=0.05)
    time.sleep(0.1)  # the slow worker's lease runs out...
    fast = queue.claim("fast-worker", lease_seconds=30)  # ...and another worker takes the job over
    assert slow.id == fast.id == job_id and fast.attempt == 2
    assert queue.complete(job_id, {"graded_by": "fast"}) is True
    assert queue.complete(job_id, {"graded_by": "slow"}) is False
    assert queue.heartbeat(job_id, "slow-worker", lease_seconds=30) is False
    job = queue.get_job(job_id)
    assert job.status == JobStatus.DONE and job.result == {"graded_by": "fast"}


def test_a_job_whose_worker_keeps_dying_fails_after_its_attempts(queue_home):
    job_id = queue.enqueue("echo", {"n": 1}, max_attempts=2)
    for _ in range(2):
        assert queue.claim("doomed", lease_seconds=0.01) is not None
        time.sleep(0.02)
    assert queue.claim("next", lease_seconds=30) is None
    job = queue.get_job(job_id)
    assert job.status == JobStatus.FAILED and "stopped responding" in job.error


def test_a_dead_workers_job_is_retried_by_another(queue_home, tmp_path):
    marker = tmp_path / "first-attempt.pid"
    job_id = queue.enqueue(f"{KINDS}:stall_first_attempt", {"marker": str(marker), "seconds": 60})
    env = {**os.environ, "PYTHONPATH": IMPORT_ROOT}
    worker = subprocess.Popen([sys.executable, "-c", "from tiltyard.runner.worker import run_worker; "
                               "run_worker(concurrency=1, lease_seconds=1, poll_seconds=0.1)"], env=env)
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queue.get_job(job_id).status == JobStatus.RUNNING
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    stalled_process = int(marker.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{stalled_process}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{stalled_process}").exists(), "the dead worker's pool process lived on"

    time.sleep(1.1)  # the dead worker's lease runs out
    summary = run_worker(concurrency=1, lease_seconds=5, until_idle=True)
    job = queue.get_job(job_id)
    assert summary.done == 1
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert job.result["finished_by"] != stalled_process


def test_a_crashed_pool_process_sends_its_job_back_to_the_queue(queue_home, tmp_path):
    job_id = queue.enqueue(f"{KINDS}:crash_first_attempt", {"marker": str(tmp_path / "crashed")})
    broken_id = queue.enqueue(f"{KINDS}:broken", {"n": 1})
    summary = run_worker(concurrency=1, until_idle=True)
    assert (summary.done, summary.retried, summary.failed) == (1, 1, 1)
    job = queue.get_job(job_id)
    assert job.status == JobStatus.DONE and job.attempts == 2 and job.result == {"survived": True}
    broken = queue.get_job(broken_id)
    assert broken.status == JobStatus.FAILED and broken.attempts == 1
    assert "ValueError: this job's payload is wrong" in broken.error


def _code_job(folder: Path, name: str, source: str, **budget) -> dict:
    frame = pd.DataFrame({"x": range(40), "y": [0, 1] * 20})
    frame.to_parquet(folder / "train.parquet")
    frame[["x"]].to_parquet(folder / "test.parquet")
    code = folder / f"{name}.py"
    code.write_text(source)
    return {"code_path": str(code), "train": str(folder / "train.parquet"), "target": "y",
            "test": str(folder / "test.parquet"), "task_type": "binary", "needs_proba": False,
            "budget": {"wall_seconds": 20, "memory_mb": 600, "processes": 24, **budget}}


CONSTANT = """
import numpy as np
class Constant:
    def fit(self, X, y):
        return self
    def predict(self, X):
        return np.ones(len(X), dtype=int)
"""
CODE_JOBS = {
    "fine": CONSTANT + "def build_model():\n    return Constant()\n",
    "fork_bomb": "import os\ndef build_model():\n    while True:\n        os.fork()\n",
    "sleeper": "import time\ndef build_model():\n    time.sleep(600)\n",
}


def _run_code_jobs(tmp_path: Path, **worker_options) -> dict[str, object]:
    jobs = {name: queue.enqueue("run_code", _code_job(tmp_path, name, source,
                                                      wall_seconds=3 if name == "sleeper" else 20))
            for name, source in CODE_JOBS.items()}
    summary = run_worker(until_idle=True, **worker_options)
    assert summary.done == len(CODE_JOBS) and summary.failed == summary.retried == 0
    return {name: queue.get_job(job_id) for name, job_id in jobs.items()}


@needs_bubblewrap
@pytest.mark.parametrize("warm", [False, True])
def test_a_warm_worker_s_pool_has_imported_what_grading_needs_before_its_first_job(queue_home, warm):
    job_id = queue.enqueue(f"{KINDS}:loaded_grading_modules", {})
    run_worker(concurrency=1, until_idle=True, warm=warm)
    job = queue.get_job(job_id)
    assert job.result["loaded"] == (list(job_kinds.GRADING_MODULES) if warm else [])


def test_after_the_warm_up_a_table_grade_imports_nothing_more(catalog):
    """The kinds' ``grading_modules`` cover what their first grade imports: a module missing
    from the list would be imported by the first learner's grade, at its cost."""
    bundle = catalog["titanic-v1"]
    predictions = bundle.root / bundle.manifest.baselines[0].predictions
    script = f"""
import sys
from pathlib import Path
from tiltyard.runner.tasks import warm_up_process
from tiltyard.challenges.registry import get_bundle
from tiltyard.evaluate import evaluate
warm_up_process()
bundle = get_bundle("titanic-v1")
before = set(sys.modules)
evaluate(bundle, Path({str(predictions)!r}), max_bytes=1 << 30)
print(sorted(m for m in set(sys.modules) - before if m.startswith(("tiltyard", "sklearn", "scipy"))))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_code_jobs_run_in_the_sandbox_through_the_local_pool(queue_home, tmp_path):
    jobs = _run_code_jobs(tmp_path, executor="local", concurrency=2)
    outcomes = {name: job.result["run"]["outcome"] for name, job in jobs.items()}
    assert outcomes == {"fine": "ok", "fork_bomb": "exception", "sleeper": "timeout"}
    assert jobs["fine"].result["predictions"] == [1] * 40
    assert jobs["fine"].result["run"]["sandbox"] == "bubblewrap"
    assert queue.status_counts()["done"] == 3


@pytest.mark.slow  # a Ray cluster
@needs_bubblewrap
def test_code_jobs_run_on_a_local_ray_with_two_cpus(queue_home, tmp_path):
    pytest.importorskip("ray")
    jobs = _run_code_jobs(tmp_path, executor="ray", concurrency=2)
    outcomes = {name: job.result["run"]["outcome"] for name, job in jobs.items()}
    assert outcomes == {"fine": "ok", "fork_bomb": "exception", "sleeper": "timeout"}
