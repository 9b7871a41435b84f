"""Every operator: reproducible, honours its fraction, logs every change (undoing the log gives
the clean table back), touches only what it declares, and leaves damage a simple check finds."""

from __future__ import annotations

import pandas as pd
import pytest
from corruption_cases import BINARY, CASES, COLUMNS, clean_splits, corrupt, files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tiltyard.kinds.table.corruption import OPERATORS, parse_recipe, read_log, undo, write_clean, write_log
from tiltyard.kinds.table.corruption.edit import CELL, COLUMN_ADDED, ROW_ADDED, ROW_REMOVED

CLEAN = clean_splits()
IDS = sorted(CASES)


def test_every_operator_has_a_case():
    assert {case.op for case in CASES.values()} == set(OPERATORS)


@pytest.mark.parametrize("name", IDS)
def test_same_seed_same_bytes_other_seed_other_damage(name, tmp_path):
    case = CASES[name]
    step = {**case.step, "fraction": 0.5} if case.varies else case.step  # at 1.0 some choose every cell
    first, again, other = (corrupt([step], seed=s, task=case.the_task) for s in (7, 7, 8))
    assert files(first, tmp_path / "a") == files(again, tmp_path / "b")
    write_log(first.log, tmp_path / "a.parquet")
    write_log(again.log, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    if case.varies:  # re-encoding a whole file draws nothing
        assert files(first, tmp_path / "a") != files(other, tmp_path / "c")
        assert not first.log.equals(other.log)


@pytest.mark.parametrize("name", IDS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fraction=st.floats(0, 1), seed=st.integers(0, 2**32 - 1))
def test_fraction_is_honoured(name, fraction, seed):
    case = CASES[name]
    step = {**case.step, "fraction": fraction} if case.varies else case.step
    corrupted = corrupt([step], seed=seed, task=case.the_task)
    log = corrupted.log
    cells = log[log["change"] == CELL].groupby(["split", "column"]).size().to_dict()
    added = log[log["change"] == ROW_ADDED].groupby("split")["row"].nunique().to_dict()
    removed = log[log["change"] == ROW_REMOVED].groupby("split")["row"].nunique().to_dict()
    columns = log[log["change"] == COLUMN_ADDED].groupby(["split", "column"]).size().to_dict()
    seen = {**cells, **{(s, "rows+"): n for s, n in added.items()}, **{(s, "rows-"): n for s, n in removed.items()},
            **{(s, f"{c}+"): n for (s, c), n in columns.items()}}
    expected = {k: n for k, n in case.expected(CLEAN, fraction if case.varies else 1.0).items() if n}
    assert seen == expected


@pytest.mark.parametrize("name", IDS)
def test_undoing_the_log_restores_the_clean_table(name, tmp_path):
    case = CASES[name]
    corrupted = corrupt([case.step], task=case.the_task)
    write_log(corrupted.log, tmp_path / "log.parquet")
    restored = undo(corrupted.splits, read_log(tmp_path / "log.parquet"), BINARY.id_column,
                    {s: f.dtypes for s, f in CLEAN.items()})
    for split, frame in CLEAN.items():
        pd.testing.assert_frame_equal(restored[split], frame)
    write_clean(restored, tmp_path / "restored")
    write_clean(CLEAN, tmp_path / "clean")
    for split in CLEAN:
        assert (tmp_path / f"restored/{split}.csv").read_bytes() == (tmp_path / f"clean/{split}.csv").read_bytes()


@pytest.mark.parametrize("name", IDS)
def test_touches_only_its_declared_columns_and_splits(name):
    case = CASES[name]
    recipe = parse_recipe([case.step], COLUMNS, case.the_task)
    step = recipe.steps[0]
    log = corrupt([case.step], task=case.the_task).log
    assert len(log), "the example changes something"
    assert set(log["split"]) <= set(step.touched_splits)
    changed = log.loc[log["change"].isin([CELL, COLUMN_ADDED]), "column"]
    assert set(changed) <= set(step.touched_columns(recipe.schema))
    assert set(log["op"]) == {step.op}


@pytest.mark.parametrize("name", IDS)
def test_damage_is_detectable(name, tmp_path):
    case = CASES[name]
    corrupted = corrupt([case.step], task=case.the_task)
    files(corrupted, tmp_path / "corrupted")
    write_clean({"train": CLEAN["train"], "test": CLEAN["test"].drop(columns=[case.the_task.target])},
                tmp_path / "clean")
    assert case.detect(tmp_path / "corrupted")
    assert not case.detect(tmp_path / "clean")
