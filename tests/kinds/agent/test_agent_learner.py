"""The learner's side of an agent challenge: the workspace, `tiltyard.load(ID)` (make_env,
public seeds, local evaluation as the grader plays), submitting a folder through the CLI, the
Python API and the arena's HTTP API, and the private figures appearing only once final."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
import zipfile

import pytest
from gymnasium.utils.env_checker import check_env
from typer.testing import CliRunner

import tiltyard
from tiltyard.cli import app
from tiltyard.config import get_settings
from tiltyard.kinds.agent.builder import rung_file
from tiltyard.runner.sandbox import bubblewrap_problem

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")
LEAN = rung_file("cartpole_lean.py")
runner = CliRunner()


@pytest.fixture
def served(tiny, store_home, monkeypatch):
    """The tiny bundle in the catalog a fresh home reads."""
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(tiny.root.parent))
    get_settings.cache_clear()
    yield tiny
    get_settings.cache_clear()


def cli(*args, ok: bool = True) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def test_the_handle_builds_the_graders_environment_and_plays_as_it_does(served, policy_folder):
    challenge = tiltyard.load(served.manifest.id)
    env = challenge.make_env(seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(env.unwrapped, skip_render_check=True)
    assert challenge.public_seeds == [1, 2, 3] and challenge.step_budget == 100_000
    lean = served.manifest.baseline("lean")
    from_folder = challenge.evaluate(policy_folder(LEAN))
    assert from_folder.mean_return == pytest.approx(lean.public_score, abs=1e-6)
    assert from_folder.normalised_score == pytest.approx(1.0, abs=1e-5)

    class Lean:
        def act(self, observation):
            return int(observation[2] > 0)

    assert challenge.evaluate(Lean()).returns == from_folder.returns
    assert challenge.evaluate(lambda o, a: Lean()).returns == from_folder.returns
    assert "mean return" in repr(from_folder) and "3 public seeds" in repr(from_folder)


@needs_bubblewrap
def test_a_folder_is_submitted_through_the_cli_and_its_private_figures_wait_for_final(served, policy_folder):
    folder = policy_folder(LEAN, report__json=json.dumps({
        "steps_used": 250_000, "mean_return": 480.0, "learning_curve": [{"step": 0, "mean_return": 20},
                                                                        {"step": 1000, "mean_return": 480}]}))
    report = json.loads(cli("submit", served.manifest.id, folder, "--json"))
    assert report["status"] == "graded" and report["filename"] == "policy.zip"
    names = [section["name"] for section in report["sections"]]
    assert names == ["episodes", "self_report", "run"]  # no private episodes before final
    self_report = report["sections"][1]["data"]
    assert self_report["over_budget"] and self_report["gap_is_large"] and self_report["gap"] > 400
    text = cli("submit", served.manifest.id, folder)
    assert "3 public episodes: mean return" in text and "Your training reported mean return 480.00" in text
    cli("final", served.manifest.id, str(report["submission_id"]))
    shown = json.loads(cli("report", str(report["submission_id"]), "--json"))
    assert "private_episodes" in [section["name"] for section in shown["sections"]]
    assert shown["private_scores"]["mean_return"] == pytest.approx(served.manifest.baseline("lean").private_score,
                                                                   abs=1e-6)


@needs_bubblewrap
def test_the_python_api_submits_a_folder(served, policy_folder):
    report = tiltyard.load(served.manifest.id).submit(policy_folder(LEAN))
    assert report.status == "graded" and report.private_scores is None
    assert report.public_scores["mean_return"] == pytest.approx(served.manifest.baseline("lean").public_score,
                                                                abs=1e-6)


@needs_bubblewrap
def test_a_zipped_folder_is_uploaded_and_graded_through_the_http_api(served, store_home, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from tiltyard.server import create_app
    from tiltyard.server.grading import grade_pending_now
    from tiltyard.server.settings import get_arena_settings

    archive = tmp_path / "policy.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("lean/policy.py", LEAN)
    monkeypatch.setenv("TILTYARD_SECRET_KEY", "test-secret")
    monkeypatch.setenv("TILTYARD_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("TILTYARD_ADMIN_PASSWORD", "admin-password")
    monkeypatch.setenv("TILTYARD_ARENA_CATALOG_DIR", str(served.root.parent))
    monkeypatch.setenv("TILTYARD_INSTANCE_SEED_FILE", str(store_home / "server-instance-seed"))
    get_arena_settings.cache_clear()
    try:
        with TestClient(create_app(grade_in_background=False)) as client:
            token = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "admin-password"})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            sent = client.post(f"/api/v1/challenges/{served.manifest.id}/submissions",
                               files={"file": ("policy.zip", archive.read_bytes(), "application/zip")},
                               headers=headers)
            assert sent.status_code == 202, sent.text
            assert grade_pending_now() == 1
            report = client.get(f"/api/v1/submissions/{sent.json()['id']}/report", headers=headers).json()
            assert report["status"] == "graded", report
            assert report["public_scores"]["mean_return"] == pytest.approx(
                served.manifest.baseline("lean").public_score, abs=1e-6)
            page = client.get(f"/submissions/{sent.json()['id']}", headers=headers).text
            assert 'class="episodes"' in page and "Every episode" in page and "chart-episodes_returns" in page
            assert "sealed private seeds" not in page
    finally:
        get_arena_settings.cache_clear()


def test_the_workspace_trains_within_the_budget_and_writes_a_submission(served, tmp_path):
    workspace = tmp_path / "workspace"
    output = cli("start", served.manifest.id, workspace)
    assert "python train.py" in output
    assert {"train.py", "policy.py", "budget.py", "README.md", f"{served.manifest.id}.ipynb"} <= \
        {p.name for p in workspace.iterdir()}
    script = (workspace / "train.py").read_text().replace("STEPS = 50_000", "STEPS = 256")
    (workspace / "train.py").write_text(script)
    environment = {**os.environ, "TILTYARD_HOME": str(get_settings().home),
                   "TILTYARD_CATALOG_DIR": str(served.root.parent)}
    done = subprocess.run([sys.executable, "train.py"], cwd=workspace, env=environment, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "steps used of 100,000" in done.stdout
    report = json.loads((workspace / "submission" / "report.json").read_text())
    assert 256 <= report["steps_used"] <= 512 and report["algorithm"] == "PPO"
    assert {"policy.py", "model.zip", "report.json"} <= {p.name for p in (workspace / "submission").iterdir()}
