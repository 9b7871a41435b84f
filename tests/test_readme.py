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
