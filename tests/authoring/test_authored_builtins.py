"""The built-in challenges made through the authoring flow: they tell their story honestly,
their starters run on the messy files, and the cleaning credit reaches a report only beside
the private scores."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import tiltyard
from tiltyard.authoring.spec import read_spec
from tiltyard.catalog.authored import SPECS
from tiltyard.challenges.registry import builtin_ids
from tiltyard.kinds.table.cleaning import cleaning_credit
from tiltyard.submissions import choose_final

AUTHORED = ["city-rain-v1", "doctor-visits-v1"]


def test_every_spec_folder_is_a_registered_builtin_with_nothing_left_todo():
    folders = sorted(p.name for p in SPECS.iterdir() if (p / "author.toml").is_file())
    assert folders == AUTHORED and set(AUTHORED) <= set(builtin_ids())
    for name in folders:
        assert read_spec(SPECS / name).unfilled() == []


@pytest.mark.parametrize("challenge_id", AUTHORED)
def test_the_brief_says_what_is_real_what_was_made_messy_and_that_clean_answers_exist(home, challenge_id):
    ch = tiltyard.load(challenge_id)
    brief = ch.brief
    assert "## What is real, and what was made messy" in brief and "## What was made messy" in brief
    assert "The rows are real" in brief and "clean copy" in brief and "sealed" in brief
    assert "1 more step the brief does not tell" in brief  # the leak is for the learner to find
    assert ch.manifest.section["corrupted"] is True
    hidden = {"clean/train.csv", "clean/test.csv", "corruption_log.parquet", "recipe.toml", "cleaning.json"}
    assert hidden <= {e.path.removeprefix("sealed/") for e in ch.manifest.files_with_role("sealed")}
    assert not any("clean" in e.path for e in ch.manifest.files_with_role("public"))


@pytest.mark.parametrize("challenge_id", AUTHORED)
def test_the_starter_runs_on_the_messy_files_and_grades(home, tmp_path, challenge_id):
    bundle = tiltyard.load(challenge_id).bundle
    shutil.copytree(bundle.root / "public", tmp_path / "data")
    shutil.copy(bundle.root / "starter" / "starter.py", tmp_path)
    done = subprocess.run([sys.executable, "starter.py"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert tiltyard.submit(challenge_id, tmp_path / "submission.csv").status == "graded"


def test_the_cleaning_credit_is_shown_only_with_the_private_scores(home, tmp_path):
    bundle = tiltyard.load("doctor-visits-v1").bundle
    credits = {}
    for rung in ("naive", "oracle"):
        path = tmp_path / f"{rung}.csv"
        shutil.copy(bundle.sealed_file(f"cleaning/{rung}.csv"), path)
        report = tiltyard.submit("doctor-visits-v1", path)
        assert report.status == "graded" and report.section("cleaning") is None
        final = choose_final("doctor-visits-v1", report.submission_id)
        credits[rung] = final.section("cleaning").data["credit"]
    assert credits == {"naive": pytest.approx(0.0), "oracle": pytest.approx(1.0)}


def test_the_cleaning_credit_is_capped_and_withheld_within_the_noise():
    assert cleaning_credit(0.80, naive=0.70, oracle=0.75, noise=0.01) == 1.0
    assert cleaning_credit(0.725, naive=0.70, oracle=0.75, noise=0.01) == pytest.approx(0.5)
    assert cleaning_credit(0.65, naive=0.70, oracle=0.75, noise=0.01) == pytest.approx(-1.0)
    assert cleaning_credit(0.80, naive=0.70, oracle=0.705, noise=0.01) is None
    # A metric where lower is better: the same formula, the signs cancel.
    assert cleaning_credit(1.5, naive=2.0, oracle=1.0, noise=0.1) == pytest.approx(0.5)
