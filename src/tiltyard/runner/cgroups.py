"""Whole-tree limits: hold a run's whole process tree to its memory, process and CPU budgets.

Resource limits (setrlimit) bind one process at a time, so a submission that forks N children can
use N times its memory. A control group binds the tree: every process started inside it stays
inside it, and the kernel counts them together. This module finds what the machine offers at run
time, in this order:

- **cgroup v2** with delegation: the unified hierarchy, where the worker's own group offers the
  ``memory`` and ``pids`` controllers to a child group (``cpu`` when offered);
- **cgroup v1**: the ``memory``, ``pids`` and ``cpuacct`` hierarchies (``cpu`` for a quota when
  mounted), one child group in each;
- neither: the caller falls back to resource limits alone, and the run's report says so.

Groups are made under the worker's own group in each hierarchy (never beside it, so the limits
of whoever runs the worker still hold), and named ``tiltyard-run-<worker pid>-<token>``: a group
whose worker pid is no longer alive was left by a crash, and is emptied and removed when the next
group is made. So is a group of this worker's own that is no longer in use: one whose folder could
not be removed at the end of its run, because the kernel was still tearing down its last members.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tiltyard.runner.outcomes import LimitsMode

GROUP_PREFIX = "tiltyard-run-"
CPU_PERIOD_US = 100_000
KILL_WAIT_SECONDS = 5.0
REMOVE_WAIT_SECONDS = 2.0
V1_REQUIRED = ("memory", "pids", "cpuacct")
V2_REQUIRED = ("memory", "pids")

_in_use: set[str] = set()  # names of this process's groups whose run has not ended
_in_use_lock = threading.Lock()


@dataclass(frozen=True)
class TreeLimits:
    """What the whole tree may use together."""

    memory_bytes: int
    processes: int  # tasks (processes and threads) at once
    cpu_cores: int  # a quota of this many cores' time per period
    cpu_seconds: float  # CPU time of the whole tree, enforced by the caller's polling


class TreeGroup:
    """One run's control group (one folder in v2, one per hierarchy in v1)."""

    def __init__(self, mode: LimitsMode, folders: dict[str, Path], limits: TreeLimits):
        self.mode, self.folders, self.limits = mode, folders, limits

    def procs_files(self) -> list[Path]:
        """The files a process writes its pid into to join the group (one per hierarchy)."""
        return [folder / "cgroup.procs" for folder in dict.fromkeys(self.folders.values())]

    def members(self) -> set[int]:
        found: set[int] = set()
        for folder in dict.fromkeys(self.folders.values()):
            with contextlib.suppress(FileNotFoundError):
                found.update(int(line) for line in (folder / "cgroup.procs").read_text().split())
        return found

    def cpu_s(self) -> float:
        if self.mode is LimitsMode.CGROUP_V2:
            stat = _keyed(self.folders["memory"] / "cpu.stat")
            return stat.get("usage_usec", 0) / 1e6
        return _number(self.folders["cpuacct"] / "cpuacct.usage") / 1e9

    def peak_memory_mb(self) -> float:
        name = "memory.peak" if self.mode is LimitsMode.CGROUP_V2 else "memory.max_usage_in_bytes"
        return _number(self.folders["memory"] / name) / 2**20

    def oom_kills(self) -> int:
        if self.mode is LimitsMode.CGROUP_V2:
            return _keyed(self.folders["memory"] / "memory.events").get("oom_kill", 0)
        return _keyed(self.folders["memory"] / "memory.oom_control").get("oom_kill", 0)

    def exceeded(self) -> str | None:
        """Which whole-tree budget the tree has broken: "memory" once the kernel killed one of its
        processes for memory, "cpu_time" once all of them together used their CPU budget."""
        if self.oom_kills() > 0:
            return "memory"
        if self.cpu_s() > self.limits.cpu_seconds:
            return "cpu_time"
        return None

    def kill(self) -> set[int]:
        """SIGKILL every process in the group until none is left; return those still alive after
        waiting (an empty set when the tree is gone)."""
        kill_file = self.folders["memory"] / "cgroup.kill"
        if self.mode is LimitsMode.CGROUP_V2 and kill_file.exists():
            kill_file.write_text("1")
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while (alive := self.members()) and time.monotonic() < deadline:
            for pid in alive:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        return self.members()

    def remove(self) -> None:
        """Remove the group's folders; one the kernel still holds is left for the next group made
        in this process to remove (see :func:`_remove_stale`)."""
        _remove_folders(list(dict.fromkeys(self.folders.values())))
        with _in_use_lock:
            _in_use.discard(next(iter(self.folders.values())).name)


@contextlib.contextmanager
def tree_group(limits: TreeLimits) -> Iterator[TreeGroup | None]:
    """A fresh group held to ``limits``, killed and removed on the way out; None when the machine
    offers no writable cgroups (see :func:`cgroup_problem`)."""
    mode = available_mode()
    if mode is None:
        yield None
        return
    group = _create(mode, limits)
    try:
        yield group
    finally:
        group.kill()
        group.remove()


def available_mode() -> LimitsMode | None:
    """The cgroup mode this machine offers to this worker, found once by making a probe group."""
    return _probe()[0]


def cgroup_problem() -> str | None:
    """Why whole-tree limits cannot be used here (so runs fall back to rlimits), or None."""
    return _probe()[1]


@functools.cache
def _probe() -> tuple[LimitsMode | None, str | None]:
    probe_limits = TreeLimits(memory_bytes=64 << 20, processes=8, cpu_cores=1, cpu_seconds=1)
    problems = []
    for mode in (LimitsMode.CGROUP_V2, LimitsMode.CGROUP_V1):
        try:
            group = _create(mode, probe_limits)
        except (OSError, LookupError) as error:
            problems.append(f"{mode}: {error}")
            continue
        group.remove()
        return mode, None
    return None, "; ".join(problems)


def _create(mode: LimitsMode, limits: TreeLimits) -> TreeGroup:
    parents = _v2_parents() if mode is LimitsMode.CGROUP_V2 else _v1_parents()
    for parent in dict.fromkeys(parents.values()):
        _remove_stale(parent)
    name = f"{GROUP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    with _in_use_lock:
        _in_use.add(name)
    folders = {controller: parent / name for controller, parent in parents.items()}
    made: list[Path] = []
    try:
        for folder in dict.fromkeys(folders.values()):
            folder.mkdir()
            made.append(folder)
        if mode is LimitsMode.CGROUP_V2:
            _limit_v2(folders["memory"], limits)
        else:
            _limit_v1(folders, limits)
    except BaseException:
        _remove_folders(made)
        raise
    return TreeGroup(mode, folders, limits)


def _limit_v1(folders: dict[str, Path], limits: TreeLimits) -> None:
    memory = folders["memory"]
    (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
    if (memory / "memory.memsw.limit_in_bytes").exists():
        # With swap, memory+swap must be bounded too, or the tree swaps instead of being stopped.
        (memory / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_bytes))
    (folders["pids"] / "pids.max").write_text(str(limits.processes))
    if "cpu" in folders:
        (folders["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (folders["cpu"] / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US * limits.cpu_cores))


def _limit_v2(folder: Path, limits: TreeLimits) -> None:
    (folder / "memory.max").write_text(str(limits.memory_bytes))
    if (folder / "memory.swap.max").exists():
        (folder / "memory.swap.max").write_text("0")
    (folder / "pids.max").write_text(str(limits.processes))
    if (folder / "cpu.max").exists():
        (folder / "cpu.max").write_text(f"{CPU_PERIOD_US * limits.cpu_cores} {CPU_PERIOD_US}")


def _own_groups() -> dict[str, str]:
    """This process's group path per hierarchy, from /proc/self/cgroup ("" keys the v2 one)."""
    groups: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _mounts(fstype: str) -> list[tuple[Path, set[str]]]:
    found = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == fstype:
            found.append((Path(fields[1]), set(fields[3].split(","))))
    return found


def _v1_parents() -> dict[str, Path]:
    own = _own_groups()
    parents: dict[str, Path] = {}
    for mount, options in _mounts("cgroup"):
        for controller in ("memory", "pids", "cpuacct", "cpu"):
            if controller in options and controller in own:
                parents[controller] = mount / own[controller].lstrip("/")
    missing = [controller for controller in V1_REQUIRED if controller not in parents]
    if missing:
        raise LookupError(f"expected the v1 hierarchies {', '.join(V1_REQUIRED)} to be mounted, "
                          f"got none for {', '.join(missing)}")
    return parents


def _v2_parents() -> dict[str, Path]:
    mounts = _mounts("cgroup2")
    own = _own_groups().get("")
    if not mounts or own is None:
        raise LookupError("expected a cgroup2 (unified) mount, got none")
    parent = mounts[0][0] / own.lstrip("/")
    offered = set((parent / "cgroup.controllers").read_text().split())
    missing = [controller for controller in V2_REQUIRED if controller not in offered]
    if missing:
        raise LookupError(f"expected the worker's v2 group {parent} to offer {', '.join(V2_REQUIRED)}, "
                          f"got {' '.join(sorted(offered)) or 'no controllers'} (delegate them to the worker)")
    wanted = [controller for controller in (*V2_REQUIRED, "cpu") if controller in offered]
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    if not set(wanted) <= enabled:
        (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
    return dict.fromkeys(("memory", "pids", "cpu"), parent)


def _remove_stale(parent: Path) -> None:
    """Empty and remove groups a crashed worker left behind (its pid is no longer alive), and this
    worker's own groups that are no longer in use."""
    me = str(os.getpid())
    with contextlib.suppress(FileNotFoundError):
        for folder in parent.glob(f"{GROUP_PREFIX}*"):
            owner = folder.name.removeprefix(GROUP_PREFIX).split("-", 1)[0]
            with _in_use_lock:
                ours_and_done = owner == me and folder.name not in _in_use
            if ours_and_done or (owner.isdigit() and not Path(f"/proc/{owner}").exists()):
                TreeGroup(LimitsMode.CGROUP_V1, {"memory": folder}, TreeLimits(0, 0, 1, 0)).kill()
                _remove_folders([folder])


def _remove_folders(folders: list[Path]) -> None:
    # rmdir fails with EBUSY while the last killed members are being torn down: retry briefly.
    deadline = time.monotonic() + REMOVE_WAIT_SECONDS
    for folder in folders:
        while True:
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.02)


def _number(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return 0


def _keyed(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    with contextlib.suppress(FileNotFoundError):
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            with contextlib.suppress(ValueError):
                values[key] = int(value)
    return values
