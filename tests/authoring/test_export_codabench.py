"""The Codabench export: its generated scorer, run as Codabench runs it (a subprocess on
INPUT/ref + INPUT/res), gives Tiltyard's grades on every stored baseline, under the leaderboard's
own keys."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from tiltyard.authoring.export import plan_export
from tiltyard.challenges.registry import get_bundle
from tiltyard.evaluate import evaluate

BUNDLES = ["titanic-v1", "credit-risk-v1", "house-prices-v2"]  # labels, probabilities, values


def run_scorer(export, submission, work):
    """As Codabench: program/score.py INPUT OUTPUT with INPUT/ref and INPUT/res."""
    (work / "input" / "res").mkdir(parents=True)
    shutil.copytree(export / "reference_data", work / "input" / "ref")
    shutil.copyfile(submission, work / "input" / "res" / submission.name)
    done = subprocess.run([sys.executable, str(export / "scoring_program" / "score.py"),
                           str(work / "input"), str(work / "output")],
                          capture_output=True, text=True, timeout=60)
    return done, work / "output" / "scores.json"


@pytest.mark.parametrize("challenge_id", BUNDLES)
def test_the_generated_scorer_equals_the_grader_on_every_baseline(home, tmp_path, challenge_id):
    bundle = get_bundle(challenge_id)
    export = plan_export(bundle, "codabench", tmp_path / "export").write()
    board = yaml.safe_load((export / "competition.yaml").read_text())
    leaderboard_keys = [c["key"] for c in board["leaderboards"][0]["columns"]]
    for baseline in bundle.manifest.baselines:
        stored = bundle.sealed_file(baseline.predictions.removeprefix("sealed/"))
        done, scores_path = run_scorer(export, stored, tmp_path / baseline.name)
        assert done.returncode == 0, done.stderr
        scores = json.loads(scores_path.read_text())
        grade = evaluate(bundle, stored)
        expected = {**{f"public_{k}": v for k, v in grade.public_scores.items()},
                    **{f"private_{k}": v for k, v in grade.private_scores.items()}}
        assert scores.keys() == expected.keys()
        for key, value in expected.items():
            assert scores[key] == pytest.approx(value, abs=1e-9), (baseline.name, key)
        # Codabench shows "n/a" for a column whose key the scorer never writes (#1540).
        assert list(scores) == leaderboard_keys


def test_the_bundle_is_version_2_with_answers_only_as_reference_data(home, tmp_path):
    bundle = get_bundle("titanic-v1")
    export = plan_export(bundle, "codabench", tmp_path / "export").write()
    board = yaml.safe_load((export / "competition.yaml").read_text())
    assert board["version"] == 2
    task = board["tasks"][0]
    for folder in (task["reference_data"], task["scoring_program"], board["phases"][0]["public_data"]):
        assert (export / folder).is_dir()
    assert (export / "scoring_program" / "metadata.yaml").is_file()
    private = [c for c in board["leaderboards"][0]["columns"] if c["key"].startswith("private_")]
    assert private and all(c["hidden"] for c in private)
    answers = bundle.sealed_file("answers.csv").read_bytes()
    holding_answers = [p.relative_to(export).as_posix() for p in export.rglob("*")
                       if p.is_file() and p.read_bytes() == answers]
    assert holding_answers == ["reference_data/answers.csv"]


def test_the_scorer_refuses_a_submission_missing_ids_with_a_reason(home, tmp_path):
    bundle = get_bundle("titanic-v1")
    export = plan_export(bundle, "codabench", tmp_path / "export").write()
    short = tmp_path / "short.csv"
    lines = bundle.public_file("sample_submission.csv").read_text().splitlines()
    short.write_text("\n".join(lines[:-3]) + "\n")
    done, scores = run_scorer(export, short, tmp_path / "run")
    assert done.returncode == 1 and not scores.exists()
    assert "3 missing" in done.stderr
