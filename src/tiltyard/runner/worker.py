"""``tiltyard worker``: take jobs from the queue, run them on an executor, record their results.

The worker keeps its jobs' leases alive while they run. If it dies, the leases run out and other
workers take the jobs again; a job that finishes twice still has one result (see queue.complete).
SIGTERM or Ctrl-C stops it taking new jobs; the jobs it holds finish first.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from tiltyard.runner import queue
from tiltyard.runner.executors import Executor, make_executor
from tiltyard.runner.jobs import JobStatus
from tiltyard.runner.queue import ClaimedJob
from tiltyard.runner.tasks import RETRYABLE_ERRORS


@dataclass
class WorkerSummary:
    done: int = 0
    failed: int = 0
    retried: int = 0
    duplicates: int = 0  # finished after another worker had already recorded a result


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(*, executor: str = "local", concurrency: int | None = None, address: str | None = None,
               name: str | None = None, lease_seconds: float = 30.0, poll_seconds: float = 0.5,
               until_idle: bool = False, max_jobs: int | None = None, keys: Collection[str] | None = None,
               on_settled: Callable[[ClaimedJob, str], None] | None = None,
               warm: bool = False) -> WorkerSummary:
    """Run jobs until stopped (or, with ``until_idle``, until the queue is empty).

    ``concurrency`` is how many jobs run at once (default: 2 locally, the cluster's CPUs on Ray).
    ``on_settled(job, status)`` is called as each job ends, for progress display. With ``keys``
    only the jobs of those keys are taken. ``warm`` readies the pool's processes before the
    first job (a long-running worker; see ``executors.LocalExecutor``).
    """
    name = name or default_worker_name()
    pool = make_executor(executor, capacity=concurrency, address=address, warm=warm)
    stop = threading.Event()
    restore = _stop_on_signals(stop)
    summary = WorkerSummary()
    running: dict[Future, ClaimedJob] = {}
    claimed = 0
    last_heartbeat = time.monotonic()
    try:
        while True:
            while len(running) < pool.capacity and not stop.is_set() and (max_jobs is None or claimed < max_jobs):
                job = queue.claim(name, lease_seconds=lease_seconds, keys=keys)
                if job is None:
                    break
                claimed += 1
                running[pool.submit(job.kind, job.payload)] = job
            if not running:
                if until_idle or stop.is_set() or (max_jobs is not None and claimed >= max_jobs):
                    break
                stop.wait(poll_seconds)
                continue
            finished, _ = wait(running, timeout=min(poll_seconds, lease_seconds / 3), return_when=FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                status = _settle(job, future, name, pool, summary)
                if on_settled is not None:
                    on_settled(job, status)
            if time.monotonic() - last_heartbeat >= lease_seconds / 3:
                for job in running.values():
                    queue.heartbeat(job.id, name, lease_seconds=lease_seconds)
                last_heartbeat = time.monotonic()
    finally:
        restore()
        pool.shutdown()
    return summary


def _settle(job: ClaimedJob, future: Future, worker: str, pool: Executor, summary: WorkerSummary) -> str:
    try:
        result = future.result()
    except BrokenProcessPool:
        pool.restart(future)
        return _fail(job, worker, "the process running it died (killed or out of memory)", True, summary)
    except RETRYABLE_ERRORS as error:
        return _fail(job, worker, f"{type(error).__name__}: {error}", True, summary)
    except Exception as error:  # the job itself is broken (bad payload, unknown kind): no retry
        return _fail(job, worker, f"{type(error).__name__}: {error}", False, summary)
    if queue.complete(job.id, result):
        summary.done += 1
        return JobStatus.DONE
    summary.duplicates += 1
    return "duplicate"


def _fail(job: ClaimedJob, worker: str, error: str, retry: bool, summary: WorkerSummary) -> str:
    status = queue.fail(job.id, worker, error, retry=retry)
    if status is JobStatus.QUEUED:
        summary.retried += 1
    elif status is JobStatus.FAILED:
        summary.failed += 1
    return str(status or "lost")


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
