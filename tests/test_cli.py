"""The learner loop through the CLI, in-process: challenges → show → start → submit → final."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from tiltyard.cli import app

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, list(map(str, args)))
    if ok:
        assert result.exit_code == 0, result.output + str(result.exception)
    return result


def test_every_command_has_help_with_an_example():
    for command in ["challenges", "show", "start", "submit", "history", "leaderboard", "report",
                    "final", "check", "catalog build", "competitions"]:
        result = run(*command.split(), "--help")
        assert "Example" in result.output, command


def test_challenges_lists_the_catalog(home):
    rows = json.loads(run("challenges", "--json").stdout)
    by_id = {r["id"]: r for r in rows}
    assert {"flight-delays-v1", "house-prices-v1", "credit-risk-v1", "caravan-insurance-v1",
            "titanic-v1"} <= set(by_id)
    assert by_id["flight-delays-v1"]["metric"] == "roc_auc"
    assert by_id["house-prices-v1"]["task"] == "regression"
    assert by_id["titanic-v1"]["rows"] == 1309
    table = run("challenges").output
    assert "caravan-insurance-v1" in table and "average_precision" in table


def test_show_prints_brief_dictionary_metric_split_and_baselines(home):
    output = run("show", "credit-risk-v1").output
    for expected in ["Credit risk", "ROC AUC", "How the split was cut", "Baseline ladder",
                     "logistic", "Income", "Provenance"]:
        assert expected in output, expected
    manifest = json.loads(run("show", "credit-risk-v1", "--json").stdout)
    assert manifest["task"]["positive_label"] == "bad"
    # The baselines' public scores are on the ladder; their private scores are hidden answers.
    assert manifest["baselines"] and all("public_score" in b and "private_score" not in b
                                         for b in manifest["baselines"])


def test_the_whole_learner_loop(store_home, tmp_path):
    workspace = tmp_path / "ws"
    run("start", "titanic-v1", workspace)
    assert sorted(p.name for p in workspace.iterdir()) == ["README.md", "data", "starter.ipynb", "starter.py"]
    assert (workspace / "data" / "train.csv").exists() and not any(
        "answers" in p.name for p in (workspace / "data").iterdir())
    subprocess.run([sys.executable, "starter.py"], cwd=workspace, check=True, capture_output=True)

    output = run("submit", "titanic-v1", workspace / "submission.csv").output
    assert "Public Accuracy" in output and "Baseline ladder" in output and "reports" in output
    assert "tiltyard final titanic-v1 1" in output

    report = json.loads(run("submit", "titanic-v1", workspace / "submission.csv", "--json").stdout)
    assert report["status"] == "graded" and report["private_scores"] is None
    assert report["rank_among_own"] == 1 and report["own_submissions"] == 2
    assert report["schema_version"] == 2 and report["kind"] == "table" and len(report["bundle_hash"]) == 64

    history = json.loads(run("history", "titanic-v1", "--json").stdout)
    assert [h["id"] for h in history] == [1, 2]
    assert json.loads(run("report", "1", "--json").stdout)["private_scores"] is None

    final = run("final", "titanic-v1", "2").output
    assert "Private Accuracy" in final and "Private minus public" in final
    assert json.loads(run("report", "2", "--json").stdout)["private_scores"]["accuracy"] > 0.5
    assert json.loads(run("report", "1", "--json").stdout)["private_scores"] is None

    board = json.loads(run("leaderboard", "titanic-v1", "--json").stdout)
    assert [e["rank"] for e in board] == list(range(1, len(board) + 1))
    assert sum(e["baseline"] for e in board) == 5  # constant … boosted trees, automl
    mine = [e for e in board if not e["baseline"]]
    assert [e["submission_id"] for e in mine] == [1, 2]  # equal scores: earlier first
    assert mine[1]["final"] and mine[1]["private_score"] is not None and mine[0]["private_score"] is None


def test_a_rejected_submission_exits_nonzero_with_the_reason(home, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("passenger_id,survived\n1,perhaps\n")
    result = run("submit", "titanic-v1", path, ok=False)
    assert result.exit_code == 1
    assert "rejected" in result.output and "missing" in result.output


def test_errors_are_messages_not_tracebacks(home, tmp_path):
    result = run("show", "titanic-v2", ok=False)
    assert result.exit_code == 2
    assert "Did you mean 'titanic-v1'" in result.output
    assert "Traceback" not in result.output
    result = run("final", "titanic-v1", "99", ok=False)
    assert result.exit_code == 2 and "no submission 99" in result.output
    result = run("submit", "titanic-v1", tmp_path / "missing.csv", ok=False)
    assert result.exit_code == 2 and "No file at" in result.output


def test_start_refuses_to_overwrite_a_workspace(home, tmp_path):
    run("start", "titanic-v1", tmp_path / "ws")
    result = run("start", "titanic-v1", tmp_path / "ws", ok=False)
    assert result.exit_code == 2 and "--force" in result.output
    run("start", "titanic-v1", tmp_path / "ws", "--force")


def test_final_must_name_a_graded_submission_of_that_challenge(store_home, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("passenger_id,survived\n1,no\n")
    run("submit", "titanic-v1", path, ok=False)
    result = run("final", "titanic-v1", "1", ok=False)
    assert "not graded" in result.output
    result = run("final", "credit-risk-v1", "1", ok=False)
    assert "belongs to titanic-v1" in result.output


def test_a_final_may_be_changed_twice_per_challenge(store_home, tmp_path):
    import pandas as pd

    import tiltyard

    bundle = tiltyard.load("titanic-v1").bundle
    test = pd.read_csv(bundle.public_file("test.csv"))
    for seed in range(4):
        guess = test[["passenger_id"]].assign(survived=["no", "yes"][seed % 2])
        guess.to_csv(tmp_path / f"guess{seed}.csv", index=False)
        run("submit", "titanic-v1", tmp_path / f"guess{seed}.csv", "--no-coach")
    assert "Changes of final left on titanic-v1: 2" in run("final", "titanic-v1", "1").output
    run("final", "titanic-v1", "2")
    assert "Changes of final left on titanic-v1: 0" in run("final", "titanic-v1", "3").output
    refused = run("final", "titanic-v1", "4", ok=False)
    assert refused.exit_code == 2 and "changed your final on titanic-v1 2 times" in refused.output
    assert "tiltyard final titanic-v1 3" in refused.output
    run("final", "titanic-v1", "1")  # going back to one already seen is free
    assert json.loads(run("report", "4", "--json").stdout)["private_scores"] is None


def test_check_passes_a_good_bundle_and_fails_a_tampered_one(home, catalog, tmp_path):
    import shutil

    source = catalog["titanic-v1"].root
    assert json.loads(run("check", source, "--json").stdout)["ok"]
    copy = tmp_path / "titanic-v1"
    shutil.copytree(source, copy)
    with open(copy / "sealed" / "answers.csv", "a") as handle:
        handle.write("99999,yes,public\n")
    result = run("check", copy, ok=False)
    assert result.exit_code == 1 and "hashes match" in result.output and "answers.csv" in result.output
    # By id: the catalog's bundle, as a learner names it.
    by_id = json.loads(run("check", "titanic-v1", "--json").stdout)
    assert by_id["ok"] and by_id["path"] == str(source) and by_id["challenge_id"] == "titanic-v1"
    unknown = run("check", "titanik-v1", ok=False)
    assert unknown.exit_code != 0 and "titanic-v1" in unknown.output  # did you mean


def test_the_console_script_runs():
    script = os.path.join(os.path.dirname(sys.executable), "tiltyard")  # venv not activated in CI
    result = subprocess.run([script, "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "challenges" in result.stdout
