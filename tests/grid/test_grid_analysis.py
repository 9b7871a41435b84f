"""The grid's statistics on a hand-made frame of cells: numbers a reader can check by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from tiltyard.grid import analysis

AXES = ["scaler", "model"]


def cells(scores: dict[tuple[str, str, str, int], float], *, failed=(), maximize=None) -> pd.DataFrame:
    """scores[(challenge, scaler, model, split)] -> a frame as cells_frame makes it, with the
    constant rung at 0.5 and the boosted rung at 0.9 on every split (0.9 and 0.5 for a loss)."""
    maximize = maximize or {}
    rows = []
    for (challenge, scaler, model, split), score in scores.items():
        rows.append({"key": f"{challenge}{scaler}{model}{split}", "challenge": challenge,
                     "entry": f"{scaler} · {model}", "rung": None, "scaler": scaler, "model": model, "split": split,
                     "seed": 0,
                     "outcome": "exception" if (challenge, scaler, model, split) in failed else "ok",
                     "score": score, "cpu_s": 2.0, "worker": "node-a"})
    for challenge, split in {(c, s) for c, _, _, s in scores}:
        for rung, score, cpu in (("constant", 0.5, 1.0), ("boosted-trees", 0.9, 4.0)):
            rows.append({"key": f"{challenge}{rung}{split}", "challenge": challenge, "entry": f"ladder: {rung}",
                         "rung": rung, "scaler": None, "model": None, "split": split, "seed": 0, "outcome": "ok",
                         "score": score, "cpu_s": cpu, "worker": "node-a"})
    frame = pd.DataFrame(rows)
    frame["maximize"] = frame["challenge"].map(lambda c: maximize.get(c, True))
    loss = ~frame["maximize"]
    frame["constant"] = np.where(loss, 0.9, 0.5)
    frame["boosted"] = np.where(loss, 0.5, 0.9)
    frame.loc[loss & (frame["rung"] == "constant"), "score"] = 0.9
    frame.loc[loss & (frame["rung"] == "boosted-trees"), "score"] = 0.5
    return analysis.normalise(frame)


def test_failed_cells_count_at_the_constant_rung_and_the_complete_view_leaves_them_out():
    frame = cells({("a-v1", "std", "lin", 0): 0.7, ("a-v1", "std", "lin", 1): 0.8},
                  failed={("a-v1", "std", "lin", 1)})
    row = analysis.per_challenge(frame).set_index("entry").loc["std · lin"]
    assert row["failed"] == 1
    assert row["mean"] == pytest.approx((0.7 + 0.5) / 2)
    assert row["mean_complete"] == pytest.approx(0.7)
    assert frame.loc[frame["entry"] == "std · lin", "normalised"].tolist() == pytest.approx([0.5, 0.0])


def test_a_paired_difference_is_signed_so_that_positive_is_better_for_a_loss_too():
    frame = cells({("loss-v1", "std", "lin", s): 0.6 for s in range(3)}
                  | {("loss-v1", "std", "tree", s): 0.7 for s in range(3)}, maximize={"loss-v1": False})
    row = analysis.paired(frame, "std · lin", "std · tree").iloc[0]
    assert row["pairs"] == 3 and row["difference"] == pytest.approx(0.1) and row["a_better"] == 1.0


def test_a_component_effect_is_paired_over_every_context_with_its_interactions():
    scores = {}
    for challenge, model, split in itertools.product(["a-v1", "b-v1"], ["lin", "tree"], range(3)):
        base = 0.7 + 0.01 * split
        scores[(challenge, "none", model, split)] = base
        # The clipped scaler helps the linear model by 0.04 (0.1 normalised), never the tree.
        scores[(challenge, "clip", model, split)] = base + (0.04 if model == "lin" else 0.0)
    frame = cells(scores)
    effect = analysis.effects(frame, AXES, "scaler")
    summary = effect["summary"].iloc[0]
    assert (summary["value"], summary["reference"], summary["contexts"]) == ("clip", "none", 12)
    assert summary["difference"] == pytest.approx(0.05)
    assert summary["improved"] == pytest.approx(0.5) and summary["worse"] == 0  # ties on the tree
    by_model = effect["interactions"].query("by == 'model'").set_index("level")["difference"]
    assert by_model["lin"] == pytest.approx(0.1) and by_model["tree"] == pytest.approx(0.0)


def test_the_board_names_its_pool_and_ranks_a_dominant_entry_first():
    scores = {}
    for challenge, split in itertools.product(["a-v1", "b-v1", "c-v1"], range(2)):
        scores[(challenge, "std", "good", split)] = 0.85 + 0.01 * split
        scores[(challenge, "std", "poor", split)] = 0.6
    board = analysis.board(cells(scores))
    assert "a-v1, b-v1, c-v1" in board.pool and board.pool.startswith("4 entries")
    table = board.table.set_index("entry")
    boosted = table.loc["ladder: boosted-trees"]
    assert boosted["win_rate"] == 1.0 and boosted["mean_rank"] == 1
    assert table.loc["std · good", "mean_rank"] == 2 and table.loc["ladder: constant", "win_rate"] == 0
    assert table.loc["std · good", "elo"] > table.loc["std · poor", "elo"]
    assert table.loc["std · good", "iqm_low"] <= table.loc["std · good", "iqm"] <= table.loc["std · good", "iqm_high"]
    assert board.method == "stratified bootstrap over runs"


def test_cost_is_compared_with_the_boosted_rung_on_the_same_split():
    costs = analysis.costs(cells({("a-v1", "std", "lin", 0): 0.7})).set_index("entry")
    assert costs.loc["std · lin", "ratio_to_boosted"] == pytest.approx(0.5)


def test_cost_is_compared_with_the_boosted_rung_on_the_same_worker_where_it_ran_there():
    frame = cells({("a-v1", "std", "lin", 0): 0.7, ("a-v1", "std", "tree", 0): 0.8})
    # A second worker, twice as slow, ran the rung again and the tree's cell; the linear cell
    # ran on a third worker where no rung did: the rung on another worker stands in.
    slow_rung = frame[frame["rung"] == "boosted-trees"].assign(worker="node-b", cpu_s=8.0, key="slow rung")
    frame = pd.concat([frame, slow_rung], ignore_index=True)
    frame.loc[frame["entry"] == "std · tree", ["worker", "cpu_s"]] = ["node-b", 4.0]
    frame.loc[frame["entry"] == "std · lin", "worker"] = "node-c"
    costs = analysis.costs(frame).set_index("entry")
    assert costs.loc["std · tree", "ratio_to_boosted"] == pytest.approx(0.5)  # 4 s against 8 s on node-b
    assert costs.loc["std · tree", "same_worker"] == 1.0
    assert costs.loc["std · lin", "ratio_to_boosted"] == pytest.approx(2.0 / 6.0)  # the median of 4 and 8
    assert costs.loc["std · lin", "same_worker"] == 0.0


def test_the_complete_cells_board_names_an_entry_that_never_finished_and_ranks_the_rest():
    scores = {(challenge, "std", model, 0): 0.7 for challenge in ("a-v1", "b-v1") for model in ("lin", "tree")}
    frame = cells(scores, failed={("a-v1", "std", "tree", 0), ("b-v1", "std", "tree", 0)})
    complete = analysis.board(frame, column="normalised_complete", elo=False)
    assert "left out, with no score: std · tree" in complete.pool
    assert set(complete.table["entry"]) == {"std · lin", "ladder: constant", "ladder: boosted-trees"}
    # On the all-cells board it stands, at the constant rung.
    assert "std · tree" in set(analysis.board(frame, elo=False).table["entry"])


def test_a_challenge_where_the_boosted_rung_does_not_beat_the_constant_has_no_scale_and_is_named():
    scores = {(challenge, "std", model, 0): score for challenge in ("a-v1", "b-v1", "c-v1")
              for model, score in (("lin", 0.8), ("tree", 0.6))}
    frame = cells(scores, maximize={"c-v1": False})
    # On c-v1 (a loss) the boosted rung scores 0.95, worse than the constant's 0.9: the scale
    # would put the linear model's 0.8 at -2 (a better loss, read as far worse).
    frame.loc[frame["challenge"] == "c-v1", "boosted"] = 0.95
    frame.loc[(frame["challenge"] == "c-v1") & (frame["rung"] == "boosted-trees"), "score"] = 0.95
    frame = analysis.normalise(frame)
    assert frame.loc[frame["challenge"] == "c-v1", "normalised"].isna().all()
    assert analysis.unscaled(frame) == ["c-v1"]
    board = analysis.board(frame, elo=False)
    assert "on 2 challenge(s): a-v1, b-v1" in board.pool
    assert "not beating the constant there (no scale): c-v1" in board.pool
    effect = analysis.effects(frame, AXES, "model")["summary"].iloc[0]
    assert effect["contexts"] == 2 and effect["difference"] == pytest.approx(-0.5)
