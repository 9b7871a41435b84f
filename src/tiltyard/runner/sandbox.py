"""Run a learner's code inside a sandbox, through a kind's :class:`Harness`.

A harness says what a run needs (its input files, the entry script that calls the learner's
code, how to judge what came back); the isolation below is the same for every kind.

The sandbox is bubblewrap (new mount, PID, network, IPC and UTS namespaces) plus resource limits.
The code sees a read-only system and Python environment, its input files read-only, and a private
scratch folder; it does not see the Tiltyard home (sealed answers, other submissions), the network
or any other process. Time is enforced from outside by killing the namespace.

Where bubblewrap cannot run, code submissions are refused unless the operator passes
``allow_weak_sandbox=True``: then only the resource limits apply, and the result says so.

Memory, processes and CPU are held for the whole process tree by a control group where the
machine offers one (:mod:`tiltyard.runner.cgroups`), on top of the per-process resource limits;
the result's ``limits_enforced_by`` says which held the run.
"""

from __future__ import annotations

import functools
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tiltyard.config import get_settings
from tiltyard.errors import TiltyardError
from tiltyard.runner import cgroups, harness, interactive, verdict
from tiltyard.runner.errors import SandboxFailure, SandboxUnavailable
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import LimitsMode, RunResult, SandboxMode
from tiltyard.runner.process import FinishedProcess, run_contained
from tiltyard.runner.seam import Harness

SANDBOX_DIR = "/sandbox"
SCRATCH_DIR = "/scratch"
# Mapped files (shared libraries, thread stacks) on top of the memory budget: RLIMIT_DATA limits
# the memory a submission allocates; RLIMIT_AS only stops runaway address-space growth.
ADDRESS_SPACE_ALLOWANCE_MB = 3072
# A whole-tree memory limit counts what a per-process data limit does not: the interpreter and the
# libraries it loads, the sandbox's own processes and the page cache of the files they read.
TREE_MEMORY_ALLOWANCE_MB = 256
# bubblewrap and the harness are tasks of the group too.
TREE_SANDBOX_TASKS = 2
# The per-process CPU limit's soft limit sends SIGXCPU (a readable outcome), its hard limit kills two
# seconds later; the tree's CPU budget is enforced after the same grace.
CPU_GRACE_SECONDS = 2
OUTPUT_TAIL_BYTES = 8192
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64")
# What the dynamic linker and Python need from /etc; nothing else of the host's configuration.
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
               "nsswitch.conf", "passwd", "group", "mime.types", "os-release")


@functools.cache
def bubblewrap_problem() -> str | None:
    """Why bubblewrap cannot sandbox code on this machine, or None when it can."""
    if shutil.which("bwrap") is None:
        return "the bwrap program is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="tiltyard-probe-") as probe:
        argv = ["bwrap", *_isolation_flags(), *_system_binds(), "--", "/usr/bin/true"]
        done = subprocess.run(argv, cwd=probe, capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        return f"bwrap could not create the sandbox's namespaces: {done.stderr.strip() or done.returncode}"
    return None


def run_in_sandbox(harness_: Harness, code_path: str | Path, *, budget: SandboxLimits | None = None,
                   allow_weak_sandbox: bool = False,
                   hidden_paths: tuple[Path, ...] | None = None) -> RunResult:
    """Run the learner's file ``code_path`` through ``harness_`` inside the sandbox.

    ``code_path`` is a file, or a folder holding the harness's ``submission_file`` and the files
    it loads (all of it is shown to the code, read-only).

    ``hidden_paths`` are masked even if they lie inside a folder the sandbox shows (by default
    the Tiltyard home and catalog).

    A harness that defines ``converse(channel)`` makes the run interactive
    (:mod:`tiltyard.runner.interactive`): ``converse`` talks to the running code from this
    process, and a verdict it stops the run with is the run's outcome."""
    budget = budget or SandboxLimits()
    code_path = Path(code_path)
    entry_file = code_path / getattr(harness_, "submission_file", "") if code_path.is_dir() else code_path
    if not entry_file.is_file():
        raise TiltyardError("The code submission file does not exist", expected="a Python file defining "
                            f"{harness_.entry_point}", got=str(entry_file), hint="check the path")
    mode = _choose_mode(allow_weak_sandbox)
    if hidden_paths is None:
        hidden_paths = _tiltyard_folders()
    converse = getattr(harness_, "converse", None)
    conversation = interactive.Conversation(converse) if converse is not None else None
    try:
        with tempfile.TemporaryDirectory(prefix="tiltyard-run-") as stage_root, \
                cgroups.tree_group(tree_limits(budget)) as group:
            stage = _stage(Path(stage_root), code_path, harness_)
            if mode is SandboxMode.BUBBLEWRAP:
                finished = _run_in_bubblewrap(stage, budget, hidden_paths, group, conversation)
            else:
                finished = _run_with_rlimits_only(stage, budget, group, conversation)
    finally:
        if conversation is not None:
            conversation.finish()
    if conversation is not None and conversation.failure is not None:
        raise conversation.failure
    limits_mode = group.mode if group is not None else LimitsMode.RLIMITS
    if harness.STARTED_MARKER not in finished.result[: len(harness.STARTED_MARKER)] and finished.killed_for is None:
        # The learner's code never ran, so this is the sandbox failing, not the submission.
        raise SandboxFailure("The sandbox failed before the submission's code could start",
                             got=finished.stderr.text()[-2000:] or f"exit status {finished.wait_status}",
                             hint="run `bwrap --version` and check the worker's Python environment")
    return verdict.judge(finished, harness_, budget=budget, mode=mode, limits_mode=limits_mode,
                         stopped=conversation.stopped if conversation is not None else None)


def tree_limits(budget: SandboxLimits) -> cgroups.TreeLimits:
    """What a run's whole process tree may use together, in a control group."""
    return cgroups.TreeLimits(memory_bytes=(budget.memory_mb + TREE_MEMORY_ALLOWANCE_MB) << 20,
                              processes=budget.processes + TREE_SANDBOX_TASKS, cpu_cores=budget.threads,
                              cpu_seconds=budget.cpu_seconds + CPU_GRACE_SECONDS)


def _choose_mode(allow_weak_sandbox: bool) -> SandboxMode:
    problem = bubblewrap_problem()
    if problem is None:
        return SandboxMode.BUBBLEWRAP
    if allow_weak_sandbox:
        return SandboxMode.RLIMITS_ONLY
    raise SandboxUnavailable(
        "Code submissions need the bubblewrap sandbox, which cannot run on this machine",
        expected="a working `bwrap` that can create namespaces", got=problem,
        hint="install bubblewrap, or, on a machine where only trusted code is graded, allow the weaker "
             "resource-limits-only mode explicitly (allow_weak_sandbox=True)")


def _tiltyard_folders() -> tuple[Path, ...]:
    """The home (submissions, reports, store) and the catalog (sealed answers), which may
    live elsewhere when a class shares one."""
    settings = get_settings()
    return tuple(dict.fromkeys([settings.home, settings.catalog_dir]))


class _Stage:
    """The files of one run on the host: inputs, the submission, the harness, a scratch folder."""

    def __init__(self, root: Path, submission_name: str, harness_: Harness):
        self.root = root
        self.inputs = root / "input"
        self.submission_dir = root / "submission"
        self.submission = self.submission_dir / submission_name
        self.harness = root / "harness.py"
        self.entry = root / "entry.py"
        self.scratch = root / "scratch"
        self.data = self.inputs / "data"
        self.settings = harness_.settings()
        self.input_names: dict[str, str] = {}


def _stage(root: Path, code_path: Path, harness_: Harness) -> _Stage:
    folder_given = code_path.is_dir()
    stage = _Stage(root, harness_.submission_file if folder_given else code_path.name, harness_)
    for folder in (stage.inputs, stage.scratch, stage.data):
        folder.mkdir()
    if folder_given:
        # Links stay links: they resolve inside the sandbox, never on this machine.
        shutil.copytree(code_path, stage.submission_dir, symlinks=True)
        for path in stage.submission_dir.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)
    else:
        stage.submission_dir.mkdir()
        shutil.copyfile(code_path, stage.submission)
    for path in harness_.data_files:
        shutil.copyfile(path, stage.data / Path(path).name)
        (stage.data / Path(path).name).chmod(0o644)
    stage.data.chmod(0o755)
    stage.input_names = harness_.stage_inputs(stage.inputs)
    shutil.copyfile(harness.__file__, stage.harness)
    shutil.copyfile(harness_.entry_script, stage.entry)
    # Readable by the unprivileged user the code runs as; the stage root itself stays private.
    for path in (stage.inputs, stage.submission_dir):
        path.chmod(0o755)
    for path in [*stage.inputs.iterdir(), stage.submission, stage.harness, stage.entry]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    stage.scratch.chmod(0o777)
    return stage


def _run_in_bubblewrap(stage: _Stage, budget: SandboxLimits, hidden_paths: tuple[Path, ...],
                       group: cgroups.TreeGroup | None,
                       conversation: interactive.Conversation | None) -> FinishedProcess:
    python_prefixes = _python_roots()
    # /tmp is left out on purpose: it is the scratch folder, so a missing file there is a host file.
    visible_roots = [*SYSTEM_DIRS, "/etc", "/dev", "/proc", SANDBOX_DIR, SCRATCH_DIR, *python_prefixes]
    inputs = f"{SANDBOX_DIR}/input"
    # Root on the host: run the code as a throwaway uid, so the process limit counts only this
    # run's processes (the kernel never applies RLIMIT_NPROC to uid 0).
    run_as_uid = 100_000 + secrets.randbelow(900_000) if os.geteuid() == 0 else None
    config = _harness_config(
        stage, budget, run_as_uid=run_as_uid, inputs=inputs, entry=f"{SANDBOX_DIR}/entry.py",
        submission=f"{SANDBOX_DIR}/submission/{stage.submission.name}", visible_roots=visible_roots,
        conversation=conversation)

    def argv(result_fd: int) -> list[str]:
        binds = [*_system_binds(), *_traversable_parents([*python_prefixes, f"{SANDBOX_DIR}/input"])]
        for prefix in python_prefixes:
            binds += ["--ro-bind", prefix, prefix]
        binds += ["--ro-bind", str(stage.inputs), inputs,
                  "--ro-bind", str(stage.submission_dir), f"{SANDBOX_DIR}/submission",
                  "--ro-bind", str(stage.harness), f"{SANDBOX_DIR}/harness.py",
                  "--ro-bind", str(stage.entry), f"{SANDBOX_DIR}/entry.py",
                  "--perms", "1777", "--size", str(budget.scratch_mb << 20), "--tmpfs", SCRATCH_DIR,
                  "--perms", "1777", "--size", str(budget.scratch_mb << 20), "--tmpfs", "/dev/shm",
                  "--symlink", f"{inputs}/data", f"{SCRATCH_DIR}/data"]
        if not any(_is_within(Path(prefix), Path("/tmp")) for prefix in python_prefixes):
            # /tmp is the scratch folder, unless Python itself lives under /tmp (a CI checkout):
            # then /tmp holds its read-only bind and TMPDIR alone points at scratch.
            binds += ["--symlink", SCRATCH_DIR, "/tmp"]
        for hidden in hidden_paths:
            if any(_is_within(Path(hidden), Path(prefix)) for prefix in python_prefixes) and Path(hidden).exists():
                binds += ["--tmpfs", str(Path(hidden).resolve())]
        return ["bwrap", *_isolation_flags(), *binds, "--remount-ro", "/", "--chdir", SCRATCH_DIR,
                "--", sys.executable, "-I", "-B", f"{SANDBOX_DIR}/harness.py",
                json.dumps({**config, "result_fd": result_fd})]

    return run_contained(argv, env=_child_env(budget, home=SCRATCH_DIR), cwd=stage.root,
                         wall_seconds=budget.wall_seconds, result_limit=_result_limit(budget),
                         tail_bytes=OUTPUT_TAIL_BYTES, group=group, companion=conversation)


def _run_with_rlimits_only(stage: _Stage, budget: SandboxLimits, group: cgroups.TreeGroup | None,
                           conversation: interactive.Conversation | None) -> FinishedProcess:
    config = _harness_config(
        stage, budget, run_as_uid=None, inputs=str(stage.inputs), entry=str(stage.entry),
        submission=str(stage.submission), visible_roots=["/"], conversation=conversation)
    # The process limit counts every process of this user, so it starts from how many exist now.
    config["limits"]["RLIMIT_NPROC"] += _processes_of_current_user()
    (stage.scratch / "data").symlink_to(stage.data)

    def argv(result_fd: int) -> list[str]:
        return [sys.executable, "-I", "-B", str(stage.harness), json.dumps({**config, "result_fd": result_fd})]

    return run_contained(argv, env=_child_env(budget, home=str(stage.scratch)), cwd=stage.scratch,
                         wall_seconds=budget.wall_seconds, result_limit=_result_limit(budget),
                         tail_bytes=OUTPUT_TAIL_BYTES, group=group, companion=conversation)


def _python_roots() -> list[str]:
    """The Python environment the code runs with: the prefixes, and site-packages folders a
    ``.pth`` file adds from elsewhere (an overlay virtual environment). Other folders on the path
    (an editable checkout of tiltyard itself) stay out."""
    prefixes = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    for entry in sys.path:
        real = os.path.realpath(entry) if entry else ""
        if os.path.basename(real) in ("site-packages", "dist-packages") and os.path.isdir(real) \
                and not any(_is_within(Path(real), Path(prefix)) for prefix in prefixes):
            prefixes.add(real)
    return sorted(prefixes)


def _isolation_flags() -> list[str]:
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             # No reaper process: the harness is PID 1, so bwrap reaps it and its resource usage
             # reaches us, and when it exits the kernel kills every process it left behind.
             "--as-pid-1", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if os.geteuid() == 0:
        # Without a user namespace, keep only what the harness needs to switch to its throwaway uid.
        flags += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        flags += ["--unshare-user", "--disable-userns"]
    return flags


def _system_binds() -> list[str]:
    binds = []
    for directory in SYSTEM_DIRS:
        path = Path(directory)
        if path.is_symlink():
            binds += ["--symlink", os.readlink(path), directory]
        elif path.is_dir():
            binds += ["--ro-bind", directory, directory]
    for entry in ETC_ENTRIES:
        if (Path("/etc") / entry).exists():
            binds += ["--ro-bind", f"/etc/{entry}", f"/etc/{entry}"]
    return [*binds, "--dev", "/dev", "--proc", "/proc"]


def _traversable_parents(destinations: list[str]) -> list[str]:
    """Create the folders above bind destinations as 0755: bwrap makes them 0700, and the code,
    running as another uid, could then not reach the Python environment."""
    flags: list[str] = []
    created: set[Path] = set()
    for destination in destinations:
        for parent in reversed(Path(destination).parents[:-1]):
            if parent not in created:
                created.add(parent)
                flags += ["--perms", "0755", "--dir", str(parent)]
    return flags


def _harness_config(stage: _Stage, budget: SandboxLimits, *, run_as_uid: int | None, inputs: str, entry: str,
                    submission: str, visible_roots: list[str],
                    conversation: interactive.Conversation | None = None) -> dict:
    megabyte = 1 << 20
    limits = {
        "RLIMIT_CPU": math.ceil(budget.cpu_seconds),
        "RLIMIT_DATA": budget.memory_mb * megabyte,
        "RLIMIT_AS": (budget.memory_mb + ADDRESS_SPACE_ALLOWANCE_MB) * megabyte,
        "RLIMIT_NPROC": budget.processes,
        "RLIMIT_FSIZE": budget.scratch_mb * megabyte,
        "RLIMIT_CORE": 0,
    }
    return {**stage.settings, "limits": limits, "run_as_uid": run_as_uid, "entry_path": entry,
            "inputs": {name: f"{inputs}/{file}" for name, file in stage.input_names.items()},
            "submission_path": submission, "visible_roots": visible_roots,
            "conversation_fds": list(conversation.child_fds) if conversation is not None else None}


def _child_env(budget: SandboxLimits, *, home: str) -> dict[str, str]:
    threads = str(budget.threads)
    python_bin = os.path.join(sys.prefix, "bin")
    return {
        "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home,
        # The throwaway uid has no passwd entry; getpass.getuser() reads these first.
        "USER": "learner", "LOGNAME": "learner", "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
        "NUMEXPR_NUM_THREADS": threads, "VECLIB_MAXIMUM_THREADS": threads, "LOKY_MAX_CPU_COUNT": threads,
        # glibc reserves 64 MB of address space per malloc arena and thread; keep that bounded.
        "MALLOC_ARENA_MAX": "2",
    }


def _result_limit(budget: SandboxLimits) -> int:
    return (budget.memory_mb << 20) + len(harness.STARTED_MARKER) + 65536


def _processes_of_current_user() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                count += len(list((entry / "task").iterdir()))
        except (FileNotFoundError, PermissionError):
            continue
    return count


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False

