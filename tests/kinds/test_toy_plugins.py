"""Kinds and lab simulators are plugins: a toy agent kind and a toy lab simulator that live only
in the tests (tests/kinds/toy/toykinds), registered through entry points as a third-party
package's would be, pass `tiltyard check`, are submitted with `tiltyard submit` and through the
HTTP API, are graded (the agent in the sandbox) and show their report sections on the page."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tiltyard.challenges.bundle import staging_folder, write_bundle
from tiltyard.challenges.manifest import BaselineEntry, Budget, Manifest, MetricSpec, Provenance
from tiltyard.cli import app
from tiltyard.config import get_settings
from tiltyard.evaluate import evaluate
from tiltyard.kinds.lab.core import reload_simulators
from tiltyard.plugins import reload
from tiltyard.runner.sandbox import bubblewrap_problem

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")

TOY = Path(__file__).with_name("toy")
runner = CliRunner()
BRIEF = "# A toy\n\n" + "This challenge exists so the tests can show that a kind is a plugin. " * 5
RIGHT = "def make_policy(observation_space, action_space):\n    class Right:\n" \
        "        def act(self, observation):\n            return 1\n    return Right()\n"
DITHER = "import random\n\ndef make_policy(observation_space, action_space):\n" \
         "    rng = random.Random(0)\n    class Dither:\n        def act(self, observation):\n" \
         "            return rng.random() < 0.6\n    return Dither()\n"


@pytest.fixture
def toy_plugins(tmp_path, monkeypatch):
    """The toykinds package on the path with its dist-info, as `pip install toykinds` would leave it."""
    site = tmp_path / "site"
    info = site / "toykinds-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: toykinds\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tiltyard.kinds]\ncorridor = toykinds:KIND\n\n"
                                           "[tiltyard.lab_simulators]\nguess = toykinds.guess:SIMULATOR\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(TOY))
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(tmp_path / "catalog"))
    get_settings.cache_clear()
    reload()
    reload_simulators()
    yield tmp_path / "catalog"
    sys.modules.pop("toykinds", None)
    reload()
    reload_simulators()
    get_settings.cache_clear()


def build(catalog: Path, manifest: Manifest, files: dict[str, str]) -> Path:
    """Write a bundle, grade its baselines with evaluate() and store their scores."""
    staging = staging_folder(catalog, manifest.id)
    (staging / "brief.md").write_text(BRIEF)
    for relative, text in files.items():
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        (staging / relative).write_text(text)
    bundle = write_bundle(staging, manifest, catalog / manifest.id)
    baselines = []
    for relative in sorted(p for p in files if p.startswith("sealed/baselines/")):
        grade = evaluate(bundle, bundle.root / relative)
        metric = manifest.metric.primary
        baselines.append(BaselineEntry(name=Path(relative).stem, description=f"the {Path(relative).stem} baseline",
                                       public_score=round(grade.public_scores[metric], 6),
                                       private_score=round(grade.private_scores[metric], 6),
                                       predictions=relative))
    bundle.manifest.model_copy(update={"baselines": baselines}).dump(bundle.root / "challenge.toml")
    return bundle.root


def corridor(catalog: Path, kind: str = "corridor") -> Path:
    manifest = Manifest(id="toy-corridor-v1", title="Toy corridor", kind=kind, summary="walk right",
                        difficulty="beginner", builder="tests", metric=MetricSpec(primary="mean_return"),
                        provenance=Provenance(source="the tests", licence="MIT"),
                        section={"environment": "corridor", "episodes": 6, "max_steps": 40})
    seeds = json.dumps({"public": [1, 2, 3], "private": [4, 5, 6]})
    return build(catalog, manifest, {"sealed/seeds.json": seeds, "sealed/baselines/right.py": RIGHT,
                                     "sealed/baselines/dither.py": DITHER})


def guessing(catalog: Path) -> Path:
    manifest = Manifest(id="toy-guess-v1", title="Toy guess", kind="lab", summary="guess the number",
                        difficulty="beginner", builder="tests", metric=MetricSpec(primary="closeness"),
                        provenance=Provenance(source="the tests", licence="MIT"),
                        budget=Budget(experiments=20), section={"simulator": "guess"})
    return build(catalog, manifest, {"sealed/secret.json": json.dumps({"secret": 42}),
                                     "sealed/baselines/zero.txt": "0\n", "sealed/baselines/fifty.txt": "50\n"})


def cli(*args, ok=True):
    result = runner.invoke(app, [str(a) for a in args])
    assert (result.exit_code == 0) is ok, result.output + str(result.exception)
    return result.output


@needs_bubblewrap
def test_a_toy_agent_kind_is_checked_submitted_and_graded_in_the_sandbox(toy_plugins, store_home, tmp_path):
    root = corridor(toy_plugins)
    output = cli("check", root)
    assert "corridor.seeds_sealed" in output and "baseline right regrades" in output
    policy = tmp_path / "policy.py"
    policy.write_text(RIGHT)
    report = json.loads(cli("submit", "toy-corridor-v1", policy, "--json"))
    assert report["kind"] == "corridor" and report["status"] == "graded"
    episodes = next(s for s in report["sections"] if s["name"] == "episodes")
    assert len(episodes["data"]["returns"]) == 6 and report["public_scores"]["mean_return"] > 0.9
    broken = tmp_path / "broken.py"
    broken.write_text("def make_policy(observation_space, action_space):\n    raise ValueError('no')\n")
    rejected = json.loads(cli("submit", "toy-corridor-v1", broken, "--json", ok=False))
    assert rejected["error"]["code"] == "exception" and "make_policy()" in rejected["error"]["message"]
    wrong = tmp_path / "predictions.csv"
    wrong.write_text("id,y\n1,2\n")
    refused = json.loads(cli("submit", "toy-corridor-v1", wrong, "--json", ok=False))
    assert refused["error"]["code"] == "wrong_file_type"
    assert "make_policy" in refused["error"]["hint"]


def test_a_toy_lab_simulator_is_checked_submitted_and_graded(toy_plugins, store_home, tmp_path):
    root = guessing(toy_plugins)
    output = cli("check", root)
    assert "baseline fifty regrades" in output and "All checks passed" in output
    guesses = tmp_path / "guesses.txt"
    guesses.write_text("40\n41\n")
    report = json.loads(cli("submit", "toy-guess-v1", guesses, "--json"))
    assert report["kind"] == "lab" and report["public_scores"] == {"closeness": -1.0}
    assert Path(report["artifacts"]["exploration_plot"]).is_file()


@needs_bubblewrap
def test_toy_kinds_through_the_http_api_and_their_report_pages(toy_plugins, store_home, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from tiltyard.server import create_app
    from tiltyard.server.grading import grade_pending_now
    from tiltyard.server.settings import get_arena_settings

    corridor(toy_plugins)
    guessing(toy_plugins)
    monkeypatch.setenv("TILTYARD_SECRET_KEY", "test-secret")
    monkeypatch.setenv("TILTYARD_ADMIN_USERNAME", "admin")
    monkeypatch.setenv("TILTYARD_ADMIN_PASSWORD", "admin-password")
    # The arena serves its own catalog folder (here the toy bundles'); create_app points the
    # process at it and at its seed, set here so that both are undone after the test.
    monkeypatch.setenv("TILTYARD_ARENA_CATALOG_DIR", str(toy_plugins))
    monkeypatch.setenv("TILTYARD_INSTANCE_SEED_FILE", str(store_home / "server-instance-seed"))
    get_arena_settings.cache_clear()
    try:
        with TestClient(create_app(grade_in_background=False)) as client:
            token = client.post("/api/v1/auth/tokens", json={"username": "admin", "password": "admin-password"})
            headers = {"Authorization": f"Bearer {token.json()['token']}"}
            page = client.get("/challenges/toy-corridor-v1", headers=headers).text
            assert 'accept=".py"' in page and "make_policy" in page
            sent = {}
            for challenge_id, name, content in [("toy-corridor-v1", "policy.py", RIGHT),
                                                ("toy-guess-v1", "guesses.txt", "44\n")]:
                response = client.post(f"/api/v1/challenges/{challenge_id}/submissions",
                                       files={"file": (name, content.encode(), "text/plain")},
                                       headers=headers)
                assert response.status_code == 202, response.text
                sent[challenge_id] = response.json()["id"]
            wrong = client.post("/api/v1/challenges/toy-guess-v1/submissions",
                                files={"file": ("designs.smi", b"CCO\n", "text/plain")}, headers=headers)
            assert wrong.status_code == 422 and ".txt" in wrong.json()["expected"]
            assert grade_pending_now() == 2
            corridor_page = client.get(f"/submissions/{sent['toy-corridor-v1']}", headers=headers).text
            assert 'class="episodes"' in corridor_page and "6 episodes" in corridor_page
            guess_page = client.get(f"/submissions/{sent['toy-guess-v1']}", headers=headers).text
            assert "Your designs" in guess_page and "distance" in guess_page
            assert f"/submissions/{sent['toy-guess-v1']}/artifacts/exploration_plot" in guess_page
    finally:
        get_arena_settings.cache_clear()


def test_a_bundle_of_an_unknown_kind_fails_the_check_with_did_you_mean(toy_plugins):
    output = cli("check", corridor_without_grading(toy_plugins), ok=False)
    assert "unknown kind 'agnet'" in output and "Did you mean 'agent'?" in output


def corridor_without_grading(catalog: Path) -> Path:
    manifest = Manifest(id="toy-typo-v1", title="Typo", kind="agnet", summary="a typo", difficulty="beginner",
                        builder="tests", metric=MetricSpec(primary="no_such_metric"),
                        provenance=Provenance(source="the tests", licence="MIT"))
    staging = staging_folder(catalog, manifest.id)
    (staging / "brief.md").write_text(BRIEF)
    return write_bundle(staging, manifest, catalog / manifest.id).root
