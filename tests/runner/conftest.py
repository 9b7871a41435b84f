from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tiltyard.config import get_settings
from tiltyard.kinds.table.code import run_code_submission
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.sandbox import bubblewrap_problem

SECRET = "SEALED-ANSWER-7f3a9c"
OTHER_LEARNER_SECRET = "OTHER-LEARNER-CODE-51d2e8"
# Small enough that a hostile run is over in a few seconds on two cores.
SMALL_BUDGET = SandboxLimits(wall_seconds=20, cpu_seconds=20, memory_mb=600, threads=1, processes=24, scratch_mb=64)

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None,
                                      reason=f"bubblewrap cannot run here: {bubblewrap_problem()}")


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    target = pd.Series(np.where(features["a"] + 0.3 * rng.normal(size=120) > 0, "yes", "no"))
    return features.iloc[:80], target.iloc[:80], features.iloc[80:]


@pytest.fixture
def tiltyard_home(tmp_path, monkeypatch) -> Path:
    """A home folder with sealed answers and another learner's submission, as a real one has."""
    home = tmp_path / "home"
    (home / "catalog" / "toy-v1" / "sealed").mkdir(parents=True)
    (home / "catalog" / "toy-v1" / "sealed" / "answers.csv").write_text(f"id,target\n1,{SECRET}\n")
    (home / "submissions" / "other-learner").mkdir(parents=True)
    (home / "submissions" / "other-learner" / "solution.py").write_text(f"# {OTHER_LEARNER_SECRET}\n")
    monkeypatch.setenv("TILTYARD_HOME", str(home))
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def submit(tmp_path, table):
    """Write a submission's source to a file and run it in the sandbox on the small table."""

    def run(source: str, *, budget: SandboxLimits = SMALL_BUDGET, needs_proba: bool = True, task_type: str = "binary",
            **options):
        path = tmp_path / "solution.py"
        path.write_text(textwrap.dedent(source))
        train, target, test = table
        return run_code_submission(path, train, target, test, task_type=task_type, needs_proba=needs_proba,
                                   budget=budget, **options)

    return run


def sandboxed_processes() -> list[int]:
    """Processes still running the harness (left behind by a run), other than zombies."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        left_by_a_run = b"harness.py" in cmdline and (b"/sandbox/" in cmdline or b"tiltyard-run-" in cmdline)
        if left_by_a_run or b"sleep\x00987654" in cmdline:
            if state != "Z":
                found.append(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def worker_stays_healthy():
    """Every run, hostile or not, leaves no process of its own behind."""
    yield
    assert sandboxed_processes() == [], "a sandboxed run left processes behind"
