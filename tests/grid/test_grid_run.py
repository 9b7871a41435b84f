"""A grid really runs in the sandbox: stopped half way and run again it does nothing twice,
an edited component re-runs only its cells, a failing component is a classed cell counted at
the constant rung, and the report's numbers come from the predictions kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from grid_specs import COMPONENTS, SPEC
from sklearn.metrics import accuracy_score
from typer.testing import CliRunner

from tiltyard.challenges.registry import get_bundle
from tiltyard.cli import app
from tiltyard.grid import analysis
from tiltyard.grid.plan import plan
from tiltyard.grid.records import stored_plan
from tiltyard.grid.report import AMLB_COLUMNS, amlb_results, build_report
from tiltyard.grid.run import predictions_dir, run_plan
from tiltyard.runner.sandbox import bubblewrap_problem

pytestmark = pytest.mark.skipif(bubblewrap_problem() is not None, reason=f"no sandbox: {bubblewrap_problem()}")


def planned(spec):
    return plan(spec, predictions_dir=str(predictions_dir()))


@pytest.mark.slow
def test_stopped_half_way_and_run_again_nothing_is_done_twice(home, write_spec):
    the_plan = planned(write_spec())
    first = run_plan(the_plan, max_cells=2)
    assert (first.ran, first.already_done, first.left) == (2, 0, 2)
    second = run_plan(planned(write_spec()))
    assert (second.ran, second.already_done, second.left) == (2, 2, 0)
    assert second.outcomes == {"ok": 4}
    third = run_plan(planned(write_spec()))
    assert (third.ran, third.already_done) == (0, 4)

    edited = COMPONENTS.replace("max_depth=depth)", "max_depth=depth + 2)")
    fourth = run_plan(planned(write_spec(components=edited)))
    assert (fourth.ran, fourth.already_done) == (1, 3)  # only the tree's cell

    frame = analysis.cells_frame(planned(write_spec(components=edited)))
    bundle = get_bundle("titanic-v1")
    task = bundle.manifest.task
    truth = pd.read_csv(bundle.public_file("train.csv")).set_index(task.id_column)[task.target].astype(str)
    hidden_test = set(pd.read_csv(bundle.public_file("test.csv"))[task.id_column])
    for row in frame.itertuples():
        kept = pd.read_parquet(row.predictions)
        # The cell's score is the challenge's metric on its held-out training rows, as scikit-learn has it.
        labels = kept[task.target].astype(str).to_numpy()
        assert row.score == pytest.approx(accuracy_score(truth.loc[kept[task.id_column]].to_numpy(), labels))
        assert not set(kept[task.id_column]) & hidden_test
    ladder = frame.set_index("rung")
    assert ladder.loc["constant", "normalised"] == 0 and ladder.loc["boosted-trees", "normalised"] == 1
    # The run recorded its spec and cells: the store alone gives the same cells (the arena's grid page).
    columns = ["key", "entry", "score", "normalised"]
    pd.testing.assert_frame_equal(analysis.cells_frame(stored_plan("small"))[columns], frame[columns])


@pytest.mark.slow  # four cells in the sandbox, then every report: 15 s
def test_a_failing_component_is_a_classed_cell_at_the_constant_rung(home, write_spec, tmp_path):
    the_plan = planned(write_spec(SPEC.replace("grid_parts:make_tree", "grid_parts:Broken")))
    spec, runner = str(tmp_path / "grid.toml"), CliRunner()
    planned_out = runner.invoke(app, ["grid", "plan", spec, "--json"])
    assert planned_out.exit_code == 0, planned_out.output
    assert json.loads(planned_out.output)["states"] == {"new": 4}
    ran = runner.invoke(app, ["grid", "run", spec, "--json"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output)["outcomes"] == {"ok": 3, "exception": 1}
    status = runner.invoke(app, ["grid", "status", spec, "--json"])
    assert json.loads(status.output)["by_challenge"] == {"titanic-v1": {"exception": 1, "ok": 3}}

    frame = analysis.cells_frame(the_plan)
    broken = frame[frame["entry"] == "scaler · tree"].iloc[0]
    assert broken["outcome"] == "exception" and "always fails" in broken["message"]
    assert broken["filled"] == broken["constant"] and broken["normalised"] == 0
    assert np.isnan(broken["normalised_complete"])
    report = build_report(the_plan)
    per_challenge = {r["entry"]: r for r in report["per_challenge"]}
    assert per_challenge["scaler · tree"]["failed"] == 1
    effect = report["effects"]["model"]["summary"][0]
    assert (effect["value"], effect["reference"], effect["improved"]) == ("tree", "logistic", 0)
    assert effect["difference"] < 0
    csv = amlb_results(the_plan, report["frame"])
    assert list(csv.columns[: len(AMLB_COLUMNS)]) == AMLB_COLUMNS
    assert csv["info"].notna().sum() == 1 and csv["result"].isna().sum() == 1

    html, results = tmp_path / "report.html", tmp_path / "results.csv"
    shown = runner.invoke(app, ["grid", "report", spec, "--html", str(html), "--csv", str(results)])
    assert shown.exit_code == 0, shown.output
    assert "pool: 4 entries" in shown.output and "Effect of model" in shown.output
    assert "<img" in html.read_text() and len(pd.read_csv(results)) == 4
    missing = runner.invoke(app, ["grid", "plan", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "No grid spec" in missing.output
