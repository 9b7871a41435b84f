"""The grading worker processes `tiltyard serve` starts beside the web server.

Each is a separate OS process running the queue's ``run_worker`` (which runs its jobs in its
own process pool), so a slow or crashing grade never holds up a page. They die with the server
(PR_SET_PDEATHSIG): a server killed with SIGKILL leaves no grader behind, and the jobs they held
go back to the queue when their leases run out.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import subprocess
import sys

log = logging.getLogger("tiltyard.server.grading")
PR_SET_PDEATHSIG = 1
STOP_WAIT_SECONDS = 30.0
WORKER_CODE = ("import sys; from tiltyard.server.grading_processes import work; "
               "work(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))")


def _die_with_the_server(server_pid: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != server_pid:  # the server died before the signal was asked for
        os._exit(1)


def work(concurrency: int, lease_seconds: float, niceness: int = 0) -> None:
    """The body of one worker process: grade until told to stop (SIGTERM). A positive
    ``niceness`` (inherited by its pool processes and sandboxes) lets pages go first when
    grading keeps every core busy."""
    os.nice(niceness)
    # In the worker process only: the server process never loads the executors.
    from tiltyard.runner.worker import run_worker
    from tiltyard.server.grading import when_job_settles

    run_worker(concurrency=concurrency, lease_seconds=lease_seconds, poll_seconds=0.2,
               name=f"arena-{os.getpid()}", on_settled=when_job_settles, warm=True)


class GradingProcesses:
    """Starts ``count`` worker processes, each grading ``concurrency`` jobs at once."""

    def __init__(self, count: int, concurrency: int, lease_seconds: float, niceness: int = 0):
        self.niceness = niceness
        self.count = count
        self.concurrency = concurrency
        self.lease_seconds = lease_seconds
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen(
                [sys.executable, "-c", WORKER_CODE, str(self.concurrency), str(self.lease_seconds),
                 str(self.niceness)],
                preexec_fn=functools.partial(_die_with_the_server, os.getpid())))

    def stop(self) -> None:
        """SIGTERM: each worker finishes the jobs it holds, then exits; killed if it lingers."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                log.warning("grading worker %s did not stop in %.0f s; killing it", process.pid,
                            STOP_WAIT_SECONDS)
                process.kill()
                process.wait()
        self.processes.clear()
