"""A whole recipe: every operator in one, replayed from the clean copy on disk byte for byte;
a step added at the end leaves the earlier damage as it was; the log undoes all of it."""

from __future__ import annotations

import pandas as pd
from corruption_cases import BINARY, CASES, COLUMNS, clean_splits

from tiltyard.kinds.table.corruption import (
    apply_recipe,
    parse_recipe,
    read_clean,
    undo,
    write_clean,
    write_log,
    write_public_files,
)

# Every binary-task case but the whole-file re-encoding, which must come last.
STEPS = [case.step for name, case in sorted(CASES.items())
         if case.task == "binary" and name != "encoding-file"] + [CASES["encoding-file"].step]


def build(folder, steps=STEPS, seed=11):
    """As a build does it: clean copy written, read back, corrupted, files written."""
    write_clean(clean_splits(), folder / "clean")
    corrupted = apply_recipe(parse_recipe(steps, COLUMNS, BINARY), read_clean(folder / "clean"), seed)
    paths = write_public_files(corrupted, folder / "public")
    write_log(corrupted.log, folder / "log.parquet")
    return corrupted, {name: path.read_bytes() for name, path in paths.items()}


def test_replaying_from_the_clean_copy_gives_the_same_bytes(tmp_path):
    _, first = build(tmp_path / "a")
    corrupted = apply_recipe(parse_recipe(STEPS, COLUMNS, BINARY), read_clean(tmp_path / "a/clean"), 11)
    paths = write_public_files(corrupted, tmp_path / "again")
    assert {name: path.read_bytes() for name, path in paths.items()} == first
    build(tmp_path / "b")
    assert (tmp_path / "a/log.parquet").read_bytes() == (tmp_path / "b/log.parquet").read_bytes()
    _, other_seed = build(tmp_path / "c", seed=12)
    assert other_seed != first


def test_every_step_leaves_its_mark_and_the_files_say_cp1252(tmp_path):
    corrupted, files = build(tmp_path)
    assert corrupted.quiet_steps() == []
    assert corrupted.encodings == {"train": "cp1252", "test": "cp1252"}
    assert "Łukasz" not in files["train"].decode("cp1252")
    assert "survived" not in files["test"].decode("cp1252").splitlines()[0].split(",")


def test_a_step_added_at_the_end_keeps_the_earlier_damage(tmp_path):
    shorter, _ = build(tmp_path / "a", STEPS[:5])
    longer, _ = build(tmp_path / "b", STEPS[:5] + [STEPS[7]])
    earlier = longer.log[longer.log["step"] < 5].reset_index(drop=True)
    pd.testing.assert_frame_equal(earlier, shorter.log)


def test_undoing_the_whole_log_gives_the_clean_copy_back(tmp_path):
    corrupted, _ = build(tmp_path)
    restored = undo(corrupted.splits, corrupted.log, BINARY.id_column,
                    {name: frame.dtypes for name, frame in corrupted.clean.items()})
    for name, frame in corrupted.clean.items():
        pd.testing.assert_frame_equal(restored[name], frame)
