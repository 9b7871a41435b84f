"""The starter notebooks run as they are, in a real Jupyter kernel, in a workspace made by
`tiltyard start`, all the way to a graded submission."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from typer.testing import CliRunner

from tiltyard.cli import app


def run_notebook(path, workspace):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workspace)}}).execute()
    return notebook


@pytest.mark.parametrize("challenge_id", [
    "titanic-v1", pytest.param("house-prices-v1", marks=pytest.mark.slow)])
def test_table_starter_notebook_writes_a_submission_that_grades(home, tmp_path, challenge_id):
    workspace = tmp_path / "ws"
    assert CliRunner().invoke(app, ["start", challenge_id, str(workspace)]).exit_code == 0
    run_notebook(workspace / "starter.ipynb", workspace)
    result = CliRunner().invoke(app, ["submit", challenge_id, str(workspace / "submission.csv"), "--json"])
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_lab_notebook_goes_from_first_batch_to_a_graded_design(home, tmp_path, monkeypatch):
    workspace = tmp_path / "lab"
    assert CliRunner().invoke(app, ["start", "insecticide-design-v1", str(workspace)]).exit_code == 0
    [notebook_path] = workspace.glob("*.ipynb")
    # The kernel inherits this environment: the fresh home, and the venv's `tiltyard` on PATH.
    monkeypatch.setenv("PATH", os.path.dirname(os.sys.executable) + os.pathsep + os.environ["PATH"])
    notebook = run_notebook(notebook_path, workspace)
    last_output = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "graded" in last_output and "Selectivity" in last_output
    from tiltyard.submissions import history

    assert [row.status for row in history("insecticide-design-v1")] == ["graded"]
