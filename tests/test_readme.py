"""The README's examples work as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from tiltyard.cli import app

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_solution_file_is_graded(home, tmp_path):
    solution = re.search(r"```python\n# solution.py\n(.*?)```", README.read_text(), re.S).group(1)
    path = tmp_path / "solution.py"
    path.write_text(solution)
    result = CliRunner().invoke(app, ["submit", "titanic-v1", str(path), "--json"])
    report = json.loads(result.stdout)
    assert report["status"] == "graded", report["error"]
    assert report["public_scores"]["accuracy"] > 0.7


def test_the_readme_starts_with_the_two_commands():
    first_lines = README.read_text().splitlines()[:6]
    assert any(line.startswith("make demo") for line in first_lines)
    assert any(line.startswith("make test") for line in first_lines)


FAKE_TILTYARD = """#!/bin/sh
echo "tiltyard $*" >> "$CALLS"
if [ "$1" = start ]; then mkdir -p "$3" && echo "print('the starter')" > "$3/starter.py"; fi
"""


def _make_demo(project: Path) -> str:
    """`make demo` in a copy of the Makefile, with a stand-in venv whose tiltyard logs its calls."""
    import os
    import shutil
    import subprocess
    import sys

    bin_dir = project / ".venv" / "bin"
    if not bin_dir.exists():
        shutil.copy(README.parent / "Makefile", project / "Makefile")
        for name in ("pyproject.toml", "constraints.txt"):
            (project / name).write_text("")
        bin_dir.mkdir(parents=True)
        (bin_dir / "tiltyard").write_text(FAKE_TILTYARD)
        (bin_dir / "tiltyard").chmod(0o755)
        (bin_dir / "python").symlink_to(sys.executable)
        (project / ".venv" / ".installed").touch()  # newer than pyproject.toml: no install
    env = {**os.environ, "CALLS": str(project / "calls.log")}
    done = subprocess.run(["make", "--no-print-directory", "demo"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_make_demo_builds_only_its_challenge_and_prints_the_next_commands(tmp_path):
    output = _make_demo(tmp_path)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls == ["tiltyard catalog build titanic-v1", "tiltyard start titanic-v1 demo-workspace",
                     "tiltyard submit titanic-v1 demo-workspace/submission.csv"]
    next_steps = output[output.index("Next, type:"):]
    assert "source .venv/bin/activate" in next_steps
    assert "python starter.py && tiltyard submit titanic-v1 submission.csv" in next_steps
    first_block = README.read_text().split("```")[1]
    assert "source .venv/bin/activate" in first_block, "the README's first lines say how to get tiltyard on PATH"


def test_make_demo_again_keeps_the_learners_edited_starter(tmp_path):
    _make_demo(tmp_path)
    starter = tmp_path / "demo-workspace" / "starter.py"
    starter.write_text("print('my better model')")
    output = _make_demo(tmp_path)
    assert starter.read_text() == "print('my better model')"
    assert "Keeping your files in demo-workspace/" in output and "my better model" in output
    assert (tmp_path / "calls.log").read_text().count("tiltyard start") == 1
