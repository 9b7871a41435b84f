"""The package's imports point one way, and every module imports on its own.

The layers live in pyproject.toml ([tool.importlinter]); a module that only imports when another
was imported first (a cycle held apart by import order) fails the second test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import tiltyard

SOURCE = Path(tiltyard.__file__).parent
# Files that are not modules of the package: scripts run inside the sandbox, and Alembic's.
NOT_IMPORTED = ("runner/harness.py", "kinds/table/entry.py", "store/migrations/")


def modules() -> list[str]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(NOT_IMPORTED) or any(relative.startswith(n) for n in NOT_IMPORTED):
            continue
        parts = ["tiltyard", *path.relative_to(SOURCE).with_suffix("").parts]
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_the_import_layers_hold():
    done = subprocess.run([Path(sys.executable).with_name("lint-imports"), "--no-cache"],
                          capture_output=True, text=True, cwd=SOURCE.parent.parent)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


# Runs in a new interpreter that has imported the heavy third-party libraries but no tiltyard
# module, then forks once per module, a child per core at a time: each child imports its module
# alone, as a fresh interpreter would.
FORKING_IMPORTER = """
import importlib, os, sys, traceback
import numpy, pandas, pyarrow, sklearn, sqlalchemy, pydantic, fastapi, typer, rich, matplotlib
import scipy.stats, torch, gymnasium, stable_baselines3, jinja2, alembic
assert not [m for m in sys.modules if m.startswith("tiltyard")]
running = set()
for module in sys.argv[1:]:
    if len(running) >= os.cpu_count():
        running.discard(os.wait()[0])
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            print(module + ": " + traceback.format_exc().strip().splitlines()[-1], flush=True)
            os._exit(1)
        os._exit(0)
    running.add(pid)
for pid in running:
    os.waitpid(pid, 0)
"""


@pytest.mark.slow  # a fresh interpreter per module: minutes on two cores
def test_every_module_imports_alone_in_a_fresh_interpreter():
    names = modules()
    assert len(names) > 100
    done = subprocess.run([sys.executable, "-c", FORKING_IMPORTER, *names], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr[-2000:]
