"""Run one contained process: a wall-time limit enforced from outside, capped output, measured usage.

Knows nothing about Python or submissions: it starts a command in its own session, drains its
stdout, stderr and a result pipe without ever holding more than a bounded amount, kills the whole
session when time runs out, and reports what the process tree used.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tiltyard.runner.cgroups import TreeGroup

READ_CHUNK = 1 << 16
# After the main process exits, how long descendants that still hold its pipes may keep them.
LINGER_GRACE_SECONDS = 0.5
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# A tree that forks while it is being killed needs a few sweeps.
KILL_ROUNDS = 5
KILL_WAIT_SECONDS = 5.0
# Peak memory is read from /proc (VmHWM) while the tree runs: ru_maxrss from wait4 would carry
# the worker's own high-water mark, which Linux hands down through fork and exec.
SAMPLE_SECONDS = 0.05
# sh -c JOIN_AND_EXEC sh PROCS... -- COMMAND...: write its pid into each group's cgroup.procs, then exec.
JOIN_AND_EXEC = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'


@dataclass
class TailBuffer:
    """Keeps the last ``limit`` bytes of a stream and counts all of them."""

    limit: int
    total: int = 0
    data: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data += chunk
        if len(self.data) > 2 * self.limit:
            del self.data[: -self.limit]

    def text(self) -> str:
        return bytes(self.data[-self.limit:]).decode("utf-8", errors="replace")


@dataclass
class FinishedProcess:
    wait_status: int
    # "wall_time", "result_too_large", "memory" or "cpu_time" (a whole-tree budget of its group),
    # or None when it ended by itself
    killed_for: str | None
    wall_s: float
    cpu_s: float
    peak_memory_mb: float
    stdout: TailBuffer
    stderr: TailBuffer
    result: bytes

    @property
    def exit_code(self) -> int | None:
        return os.WEXITSTATUS(self.wait_status) if os.WIFEXITED(self.wait_status) else None

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.wait_status) if os.WIFSIGNALED(self.wait_status) else None


class Companion(Protocol):
    """What runs beside a contained process (:class:`tiltyard.runner.interactive.Conversation`)."""

    child_fds: tuple[int, ...]

    def spawning(self) -> AbstractContextManager: ...  # around the spawn: what the child inherits

    def start(self) -> None: ...

    def stop_reason(self) -> str | None: ...


@dataclass
class _TreeUsage:
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0


def run_contained(build_argv: Callable[[int], list[str]], *, env: Mapping[str, str], cwd: Path,
                  wall_seconds: float, result_limit: int, tail_bytes: int,
                  popen_options: Mapping | None = None, group: TreeGroup | None = None,
                  companion: Companion | None = None) -> FinishedProcess:
    """Run ``build_argv(result_fd)``; the command writes its result to the file descriptor it is given.

    With a ``group``, the process joins it before the command starts (so everything it starts is
    inside), the group's budgets are watched while it runs, and every member is killed at the end.

    With a ``companion`` (an interactive run's conversation), its ``child_fds`` are passed to
    the command too, the spawn happens inside its ``spawning()`` context, ``start()`` is called
    once the command runs, and a ``stop_reason()`` it gives ends the run as a budget would."""
    result_read, result_write = os.pipe()
    started = time.monotonic()
    try:
        argv = build_argv(result_write)
        if group is not None:  # a shell joins the group, then becomes the command: all it starts is inside
            argv = ["/bin/sh", "-c", JOIN_AND_EXEC, "sh", *map(str, group.procs_files()), "--", *argv]
        # No preexec_fn: without one the child is spawned with vfork, 0.3 ms where a fork of the
        # grader (NumPy, Gymnasium loaded) took 10 (benchmarks/agents.py).
        with companion.spawning() if companion is not None else contextlib.nullcontext():
            process = subprocess.Popen(argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       pass_fds=(result_write, *(companion.child_fds if companion else ())),
                                       start_new_session=True, **dict(popen_options or {}))
    except BaseException:
        os.close(result_read)
        raise
    finally:
        os.close(result_write)
    if companion is not None:
        companion.start()
    stdout, stderr = TailBuffer(tail_bytes), TailBuffer(tail_bytes)
    result = bytearray()
    killed_for, usage_before_kill = None, _TreeUsage()
    with selectors.DefaultSelector() as selector:
        sinks = {process.stdout.fileno(): stdout.feed, process.stderr.fileno(): stderr.feed,
                 result_read: result.extend}
        for fd in sinks:
            selector.register(fd, selectors.EVENT_READ)
        sampled = _TreeUsage()

        def sample() -> None:
            sampled.peak_memory_mb = max(sampled.peak_memory_mb,
                                         _tree_usage(process.pid).peak_memory_mb)

        def over_budget() -> str | None:
            stop = companion.stop_reason() if companion is not None else None
            return stop or (group.exceeded() if group is not None else None)

        exit_seen_at, killed_for = _drain(selector, sinks, process.pid, deadline=started + wall_seconds,
                                          too_large=lambda: len(result) > result_limit,
                                          over_budget=over_budget, sample=sample)
        if killed_for is None and len(result) > result_limit:
            killed_for = "result_too_large"
        if exit_seen_at is None or killed_for == "result_too_large":
            killed_for = killed_for or "wall_time"
            usage_before_kill = _tree_usage(process.pid)
        # Also reached when the main process ended but descendants kept its pipes open.
        _kill_session(process.pid)
        if group is not None:
            # Whatever left the session (setsid, a double fork) is still in the group.
            group.kill()
            # A member the kernel killed for memory fails the run even if the rest went on.
            killed_for = killed_for or group.exceeded()
            usage_before_kill.cpu_s = max(usage_before_kill.cpu_s, group.cpu_s())
            usage_before_kill.peak_memory_mb = max(usage_before_kill.peak_memory_mb, group.peak_memory_mb())
    _, wait_status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(wait_status)  # so Popen does not wait again
    wall_s = time.monotonic() - started
    for stream in (process.stdout, process.stderr):
        stream.close()
    os.close(result_read)
    return FinishedProcess(
        wait_status=wait_status, killed_for=killed_for, wall_s=wall_s,
        cpu_s=max(rusage.ru_utime + rusage.ru_stime, usage_before_kill.cpu_s),
        peak_memory_mb=max(sampled.peak_memory_mb, usage_before_kill.peak_memory_mb),
        stdout=stdout, stderr=stderr, result=bytes(result))


def _drain(selector: selectors.BaseSelector, sinks: dict[int, Callable[[bytes], None]], pid: int,
           *, deadline: float, too_large: Callable[[], bool], over_budget: Callable[[], str | None],
           sample: Callable[[], None]) -> tuple[float | None, str | None]:
    """Read until the process has exited and its pipes are closed; return when it exited, or None
    if the deadline came first, with the reason it was stopped early ("result_too_large", or a
    whole-tree budget), if any."""
    pidfd = os.pidfd_open(pid)
    selector.register(pidfd, selectors.EVENT_READ)
    exited_at: float | None = None
    sampled_at = 0.0
    try:
        while True:
            now = time.monotonic()
            if exited_at is None and now - sampled_at >= SAMPLE_SECONDS:
                sample()
                sampled_at = now
                if reason := over_budget():
                    return None, reason
            if now >= deadline and exited_at is None:
                return None, None
            if exited_at is not None and (not sinks or now >= exited_at + LINGER_GRACE_SECONDS):
                return exited_at, None
            wait = deadline - now if exited_at is None else exited_at + LINGER_GRACE_SECONDS - now
            if exited_at is None:
                wait = min(wait, SAMPLE_SECONDS)
            for key, _ in selector.select(timeout=max(wait, 0.0)):
                if key.fd == pidfd:
                    exited_at = time.monotonic()
                    selector.unregister(pidfd)
                    continue
                chunk = os.read(key.fd, READ_CHUNK)
                if chunk:
                    sinks[key.fd](chunk)
                    if too_large():
                        return None, "result_too_large"
                else:
                    selector.unregister(key.fd)
                    del sinks[key.fd]
    finally:
        os.close(pidfd)


def _kill_session(pid: int) -> None:
    """Kill the process, its session and every descendant still attached to it.

    Descendants are killed by pid, parents first, before the process itself: once it dies they are
    re-parented and can no longer be found. For a bubblewrap sandbox, killing the namespace's first
    process makes the kernel kill everything inside the namespace.
    """
    killed: set[int] = set()
    for _ in range(KILL_ROUNDS):
        descendants = _descendants(pid)
        for descendant in descendants:
            _send_kill(descendant)
        killed.update(descendants)
        if not descendants:
            break
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    # SIGKILL takes effect asynchronously (a namespace is torn down process by process): return only
    # once they are gone, so the caller's next run starts on a clean machine.
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while killed and time.monotonic() < deadline:
        killed = {member for member in killed if _is_running(member)}
        if killed:
            time.sleep(0.01)


def _is_running(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _send_kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(pid: int) -> list[int]:
    """Live descendants of a process, parents before children."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop(0)
        try:
            for task in (Path("/proc") / str(current) / "task").iterdir():
                children = [int(child) for child in (task / "children").read_text().split()]
                found += children
                pending += children
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return found


def _tree_usage(pid: int) -> _TreeUsage:
    """CPU and peak memory of a live process tree, read from /proc before it is killed
    (a killed tree is reaped by no one we can ask, so its resource usage would be lost)."""
    usage = _TreeUsage()
    for member in [pid, *_descendants(pid)]:
        proc = Path("/proc") / str(member)
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, cutime, cstime are fields 14-17 of stat; fields here start at field 3.
            usage.cpu_s += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    usage.peak_memory_mb = max(usage.peak_memory_mb, int(line.split()[1]) / 1024)
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return usage
