"""Where jobs run: a local process pool (the default) or a Ray cluster (``pip install tiltyard[ray]``).

Both hand back ``concurrent.futures.Future`` objects, so the worker loop does not care which.
Neither retries on its own: retrying is the queue's job, which remembers attempts durably.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from tiltyard.errors import TiltyardError
from tiltyard.runner.tasks import execute_job, warm_up_process

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
EXECUTORS = ("local", "ray")


class ExecutorUnavailable(TiltyardError):
    code = "executor_unavailable"


class Executor(Protocol):
    capacity: int

    def submit(self, kind: str, payload: dict[str, Any]) -> Future: ...

    def restart(self, broken: Future) -> None: ...

    def shutdown(self) -> None: ...


def _log_failed_warm_up(future: Future) -> None:
    if not future.cancelled() and future.exception() is not None:  # the first job will say more
        log.warning("a pool process could not import what jobs need: %r", future.exception())


def _die_with_the_worker(worker_pid: int) -> None:
    # A pool process must not outlive a worker that is killed: its sandboxes die with it.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    # A worker killed while this process was still starting sent no signal; the process would
    # wait forever on a call queue whose writing end it holds itself.
    if os.getppid() != worker_pid:
        os._exit(1)


class LocalExecutor:
    """A pool of processes on this machine; a crash in a job kills a pool process, not the worker.
    With ``warm``, every pool process starts at once and imports what jobs need
    (``tasks.warm_up_process``) before the first job comes."""

    def __init__(self, capacity: int, *, warm: bool = False):
        self.capacity = capacity
        self.warm = warm
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # "spawn": the worker may hold database connections and threads that must not be forked.
        pool = ProcessPoolExecutor(max_workers=self.capacity, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_die_with_the_worker, initargs=(os.getpid(),))
        if self.warm:  # one call per process: the pool starts another process while all are busy
            for _ in range(self.capacity):
                pool.submit(warm_up_process).add_done_callback(_log_failed_warm_up)
        return pool

    def submit(self, kind: str, payload: dict[str, Any]) -> Future:
        future = self._pool.submit(execute_job, kind, payload)
        future.pool = self._pool
        return future

    def restart(self, broken: Future) -> None:
        """Replace a pool broken by a process that died (its jobs fail and go back to the queue);
        once only, however many of its futures report it."""
        if getattr(broken, "pool", None) is self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Jobs as Ray tasks: on a cluster at ``address``, or on a local Ray started here."""

    def __init__(self, capacity: int | None, address: str | None = None):
        try:
            import ray
        except ImportError as error:
            raise ExecutorUnavailable("The ray executor needs Ray, which is not installed",
                                      expected="the ray package", got=str(error),
                                      hint="pip install 'tiltyard[ray]', or use --executor local") from error
        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            # Ray's workers on a node started with `ray start` do not share this process's
            # environment: the settings (home, database, sandbox mode) travel with the jobs.
            settings = {name: value for name, value in os.environ.items() if name.startswith("TILTYARD_")}
            ray.init(address=address, num_cpus=None if address else capacity, include_dashboard=False,
                     log_to_driver=False, configure_logging=False, runtime_env={"env_vars": settings})
        self.capacity = capacity or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._remote = ray.remote(max_retries=0)(execute_job)

    def submit(self, kind: str, payload: dict[str, Any]) -> Future:
        """A payload's ``resources`` ({"num_cpus": 2, "memory": bytes}) packs the job onto a
        node with room for it; the sandbox still enforces the real limits."""
        resources = payload.get("resources") or {}
        remote = self._remote.options(**resources) if resources else self._remote
        return remote.remote(kind, payload).future()

    def restart(self, broken: Future) -> None:
        """Ray replaces dead worker processes itself."""

    def shutdown(self) -> None:
        if self._started_here:
            self._ray.shutdown()


def make_executor(name: str, *, capacity: int | None, address: str | None = None,
                  warm: bool = False) -> Executor:
    """``warm``: start the local pool's processes ready for their first job (Ray keeps its
    worker processes between tasks on its own)."""
    if name == "local":
        if address:
            raise ExecutorUnavailable("The local executor takes no address", expected="no --address with "
                                      "--executor local", got=address, hint="use --executor ray --address ...")
        return LocalExecutor(capacity or 2, warm=warm)
    if name == "ray":
        return RayExecutor(capacity, address)
    raise ExecutorUnavailable("Unknown executor", expected=" or ".join(EXECUTORS), got=repr(name),
                              hint="use --executor local (a process pool) or --executor ray")
