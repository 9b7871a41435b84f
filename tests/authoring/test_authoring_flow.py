"""The authoring flow as an author meets it, through the CLI in-process: init, inspect,
corrupt, build, then `tiltyard check` on what was built."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from authoring_cases import BITING_RECIPE, FILLED, STORY, planted_frame, write_csv
from typer.testing import CliRunner

from tiltyard.cli import app

runner = CliRunner()


def tiltyard(*arguments):
    return runner.invoke(app, [str(a) for a in arguments], catch_exceptions=False)


def fill_in(folder, recipe: str = "") -> None:
    text = (folder / "author.toml").read_text()
    for old, new in FILLED.items():
        text = text.replace(old, new)
    (folder / "author.toml").write_text(text + recipe)
    (folder / "story.md").write_text(STORY)


@pytest.mark.slow  # the whole flow through the CLI, build and check included: 25 s
def test_an_author_goes_from_a_csv_to_a_checked_messy_bundle(home, tmp_path):
    data = write_csv(tmp_path, planted_frame(), "planted.csv")
    folder = tmp_path / "planted"
    made = tiltyard("author", "init", data, "--target", "outcome", "--task", "binary", "--metric", "roc_auc",
                    "--id-column", "record", "--out", folder)
    assert made.exit_code == 0, made.output
    assert made.output.index("Will write") < made.output.index("✓")
    assert (folder / "planted.csv").read_bytes() == data.read_bytes()
    again = tiltyard("author", "init", data, "--target", "outcome", "--task", "binary", "--metric", "roc_auc",
                     "--id-column", "record", "--out", folder)
    assert again.exit_code == 2 and "--force" in again.output

    looked = tiltyard("author", "inspect", folder)
    assert looked.exit_code == 1 and "table.no_todo" in looked.output and "still says TODO" in looked.output
    assert "story.md is missing or still says TODO" in looked.output

    fill_in(folder, BITING_RECIPE)
    looked = tiltyard("author", "inspect", folder)
    assert looked.exit_code == 0, looked.output
    assert "Nothing the checker would refuse" in looked.output and "450 train" in looked.output

    dry = tiltyard("author", "corrupt", folder)
    assert dry.exit_code == 0, dry.output
    assert "category_variants" in dry.output and "Before and after" in dry.output and "Teeth:" in dry.output
    assert not (tmp_path / "bundles").exists()  # a dry run writes nothing

    built = tiltyard("author", "build", folder, "--catalog", tmp_path / "bundles")
    assert built.exit_code == 0, built.output
    bundle = tmp_path / "bundles" / "planted-v1"
    assert built.output.index("Will write the bundle planted-v1") < built.output.index("✓")
    sealed = {p.relative_to(bundle / "sealed").as_posix() for p in (bundle / "sealed").rglob("*") if p.is_file()}
    assert {"clean/train.csv", "clean/test.csv", "corruption_log.parquet", "recipe.toml", "cleaning.json",
            "cleaning/naive.csv", "cleaning/oracle.csv", "answers.csv"} <= sealed
    public = pd.read_csv(bundle / "public/train.csv")
    assert public["strength"].isna().mean() > 0.6  # the recipe's damage is in what learners get
    assert pd.read_csv(bundle / "sealed/clean/train.csv")["strength"].notna().all()
    brief = (bundle / "brief.md").read_text()
    assert "## What was made messy" in brief and "the public score's expected noise" in brief

    checked = tiltyard("check", bundle)
    assert checked.exit_code == 0, checked.output
    assert "table.replay" in checked.output and "All checks passed" in checked.output

    rebuilt = tiltyard("author", "build", folder, "--catalog", tmp_path / "again")
    assert rebuilt.exit_code == 0
    for name in ("public/train.csv", "public/test.csv", "sealed/answers.csv", "sealed/corruption_log.parquet"):
        assert (tmp_path / "again/planted-v1" / name).read_bytes() == (bundle / name).read_bytes(), name


def test_inspect_names_a_planted_copy_of_the_target_and_rows_shared_by_train_and_test(home, tmp_path):
    frame = planted_frame()
    frame["verdict"] = frame["outcome"].map({"yes": "positive", "no": "negative"})
    frame = pd.concat([frame, frame.iloc[:60].assign(record=range(10_001, 10_061))], ignore_index=True)
    data = write_csv(tmp_path, frame, "leaky.csv")
    folder = tmp_path / "leaky"
    tiltyard("author", "init", data, "--target", "outcome", "--task", "binary", "--metric", "roc_auc",
             "--id-column", "record", "--out", folder)
    fill_in(folder)
    looked = tiltyard("author", "inspect", folder)
    assert looked.exit_code == 1
    assert "verdict is the target under another name" in looked.output
    assert "test rows repeat a train row" in looked.output and "60 rows repeat" in looked.output
    shutil.rmtree(folder)


def test_every_author_command_has_help_with_an_example():
    for command in ["init", "inspect", "corrupt", "build"]:
        result = tiltyard("author", command, "--help")
        assert result.exit_code == 0 and "Example" in result.output, command
    assert "author" in tiltyard("--help").output
