"""Whole-tree limits: a submission's whole process tree is held to its budgets by a control group."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tiltyard.runner import cgroups, sandbox
from tiltyard.runner.outcomes import LimitsMode, Outcome, SandboxMode

from .conftest import SMALL_BUDGET, needs_bubblewrap, sandboxed_processes
from .test_hostile import MODEL

needs_cgroups = pytest.mark.skipif(
    cgroups.available_mode() is None,
    reason=f"no writable cgroups here (runs fall back to rlimits): {cgroups.cgroup_problem()}")

pytestmark = needs_cgroups

# Four children that each hold 40% of the memory budget: each is within a per-process limit, the
# tree is 160% of the budget.
FORKING_CHILDREN = MODEL + f"""
import os, time
import numpy as np
def build_model():
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            block = np.ones({SMALL_BUDGET.memory_mb * 4 // 10} * 2**20 // 8)  # touched
            time.sleep(5)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return Constant()
"""


def groups_left() -> list[Path]:
    """This worker's groups still on disk, in any hierarchy."""
    left = []
    for mount in Path("/sys/fs/cgroup").iterdir():
        left += [path for path in mount.rglob(f"{cgroups.GROUP_PREFIX}{os.getpid()}-*") if path.is_dir()]
    return left


@needs_bubblewrap
def test_children_that_share_out_the_memory_budget_exceed_it_and_none_survives(submit):
    result = submit(FORKING_CHILDREN)
    assert result.outcome is Outcome.MEMORY_EXCEEDED, result.message
    assert f"{SMALL_BUDGET.memory_mb} MB" in result.message
    assert "all its processes together" in result.message
    assert result.limits_enforced_by is cgroups.available_mode()
    assert sandboxed_processes() == []
    assert groups_left() == []


@needs_bubblewrap
def test_a_normal_submission_runs_and_says_what_enforced_it(submit):
    result = submit(MODEL + "\ndef build_model():\n    return Constant()\n")
    assert result.ok, result.message
    assert result.limits_enforced_by in (LimitsMode.CGROUP_V1, LimitsMode.CGROUP_V2)
    assert result.model_dump(mode="json")["limits_enforced_by"] == str(cgroups.available_mode())
    assert 0 < result.peak_memory_mb < SMALL_BUDGET.memory_mb + sandbox.TREE_MEMORY_ALLOWANCE_MB
    assert groups_left() == []


def test_a_fork_bomb_is_held_to_the_process_budget_even_as_root_without_bubblewrap(submit, monkeypatch):
    # Without bubblewrap, a run as root escapes RLIMIT_NPROC (the kernel never applies it to uid 0):
    # only the group's pids limit holds the tree.
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox.bubblewrap_problem.cache_clear()
    try:
        result = submit(MODEL + """
import os
def build_model():
    while True:
        os.fork()
""", allow_weak_sandbox=True)
    finally:
        monkeypatch.undo()
        sandbox.bubblewrap_problem.cache_clear()
    assert result.sandbox is SandboxMode.RLIMITS_ONLY
    assert result.limits_enforced_by is cgroups.available_mode()
    assert result.outcome is Outcome.EXCEPTION, result.message
    assert f"budget of {SMALL_BUDGET.processes}" in result.message
    assert groups_left() == []


def test_a_group_the_kernel_still_holds_at_the_end_of_its_run_is_removed_by_the_next_run():
    # A child group makes the kernel refuse to remove its parent, as it does while the last killed
    # members of a run are being torn down.
    limits = cgroups.TreeLimits(memory_bytes=64 << 20, processes=8, cpu_cores=1, cpu_seconds=10)
    with cgroups.tree_group(limits) as group:
        held = group.folders["memory"] / "held"
        held.mkdir()
    assert group.folders["memory"].is_dir()
    held.rmdir()
    with cgroups.tree_group(limits):
        pass
    assert groups_left() == []


def test_a_group_left_by_a_crashed_worker_is_removed_with_its_processes():
    limits = cgroups.TreeLimits(memory_bytes=64 << 20, processes=8, cpu_cores=1, cpu_seconds=10)
    group = cgroups._create(cgroups.available_mode(), limits)
    # A worker pid that cannot be alive (beyond pid_max) marks the group as left by a crash.
    dead_owner = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    stale = {controller: folder.with_name(f"{cgroups.GROUP_PREFIX}{dead_owner}-0000")
             for controller, folder in group.folders.items()}
    for folder, target in dict.fromkeys(zip(group.folders.values(), stale.values(), strict=True)):
        folder.rename(target)
    assert all(folder.is_dir() for folder in stale.values())
    with cgroups.tree_group(limits) as fresh:
        assert fresh is not None
    assert not any(folder.exists() for folder in stale.values())
    assert groups_left() == []


@needs_bubblewrap
def test_children_that_share_out_the_cpu_budget_exceed_it(submit):
    # Each child spins 1.5 s, under the per-process CPU limit of 2 s; together they use 6 s.
    budget = SMALL_BUDGET.model_copy(update={"cpu_seconds": 2, "threads": 2})
    result = submit(MODEL + """
import os, time
def build_model():
    children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            started = time.process_time()
            while time.process_time() - started < 1.5:
                pass
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return Constant()
""", budget=budget)
    assert result.outcome is Outcome.TIMEOUT, result.message
    assert "all its processes and threads together" in result.message
    assert result.cpu_s >= budget.cpu_seconds
    assert groups_left() == []
