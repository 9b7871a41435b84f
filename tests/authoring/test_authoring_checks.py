"""The table kind's checks of data and card, each catching a defect planted in a copy of a
small messy bundle built through the authoring flow."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from authoring_cases import BITING_RECIPE, author_folder

from tiltyard.authoring.build import table_spec
from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.check import check_challenge, checks_for, run_check

LEAK = """
[[corrupt]]
op = "leakage_column"
name = "follow_up"
kind = "post_outcome"
in_test = "shuffled"
fraction = 0.3
disclosed = false
"""
NAMED = {named.id: named for named in checks_for("table")}


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    folder = author_folder(root, recipe=BITING_RECIPE + LEAK, **{
        "[columns.outcome]": '[columns.follow_up]\ntype = "numeric"\ndescription = "Follow-up calls."\n\n'
                             "[columns.outcome]"})
    return table_spec(folder).build(root / "catalog")


def planted(bundle: Bundle, tmp_path, edit, name: str = "planted") -> Bundle:
    copy = tmp_path / name  # a fresh folder each time: graders are cached by folder and hash
    shutil.copytree(bundle.root, copy)
    edit(copy)
    return Bundle(copy)


def edit_manifest(root, change) -> None:
    data = Manifest.read(root).model_dump(mode="python")
    change(data)
    Manifest.model_validate(data).dump(root / "challenge.toml")


def failed(bundle: Bundle, check_id: str) -> list[str]:
    return [f"{c.name}: {c.detail}" for c in run_check(NAMED[check_id], bundle) if not c.passed]


def test_the_built_bundle_passes_every_check(messy):
    result = check_challenge(messy.root, refit=True)
    assert result.ok, result.failures
    leak = next(c for c in result.checks if c.id == "table.no_undeclared_leak")
    assert "declared leakage columns: ['follow_up']" in leak.detail


def test_provenance_without_a_licence_is_refused(messy, tmp_path):
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(
        root, lambda m: m["provenance"].update(licence=" ")))
    assert failed(bundle, "table.provenance") == ["provenance and licence complete: empty: ['licence']"]


def test_a_field_left_todo_is_refused(messy, tmp_path):
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(
        root, lambda m: next(c for c in m["columns"] if c["name"] == "strength").update(
            description="TODO: what it means")))
    assert failed(bundle, "table.no_todo") == ["no field left TODO: still TODO: ['column strength']"]


def test_too_few_scored_rows_are_refused(messy, tmp_path):
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(
        root, lambda m: m["split"].update(public_rows=12)))
    assert failed(bundle, "table.size_limits")[0].startswith("enough rows to score: public 12")


def test_a_class_missing_from_the_public_half_is_refused(messy, tmp_path):
    def one_class_in_public(root):
        answers = pd.read_csv(root / "sealed/answers.csv")
        answers.loc[answers["split"] == "public", "outcome"] = "no"
        answers.to_csv(root / "sealed/answers.csv", index=False)

    bundle = planted(messy, tmp_path, one_class_in_public)
    assert failed(bundle, "table.classes_in_both_halves") == [
        "every class in both the public and the private half: public lacks ['yes']"]


def test_an_undeclared_copy_of_the_target_is_refused_and_the_declared_leak_is_not(messy, tmp_path):
    def leak(root):
        train = pd.read_csv(root / "public/train.csv")
        train["verdict"] = (train["outcome"] == "yes").astype(int)
        train.to_csv(root / "public/train.csv", index=False)
        test = pd.read_csv(root / "public/test.csv")
        test["verdict"] = 0
        test.to_csv(root / "public/test.csv", index=False)

    problems = failed(planted(messy, tmp_path, leak), "table.no_undeclared_leak")
    assert len(problems) == 1 and "verdict alone scores ROC AUC 1.000" in problems[0]
    assert "follow_up" not in problems[0]


def test_test_rows_that_repeat_train_rows_are_refused(messy, tmp_path):
    def repeat(root):
        train = pd.read_csv(root / "sealed/clean/train.csv")
        test = pd.read_csv(root / "sealed/clean/test.csv")
        features = [c for c in train.columns if c not in ("record", "outcome")]
        test.loc[:4, features] = train.loc[:4, features].to_numpy()
        test.to_csv(root / "sealed/clean/test.csv", index=False)

    assert failed(planted(messy, tmp_path, repeat), "table.no_shared_rows") == [
        "no train row repeated in test: 5 test rows repeat a train row; declare why in duplicates_across_splits"]


def test_rows_sorted_by_the_target_are_refused(messy, tmp_path):
    def sort(root):
        train = pd.read_csv(root / "public/train.csv")
        train.sort_values("outcome", kind="stable").to_csv(root / "public/train.csv", index=False)

    assert failed(planted(messy, tmp_path, sort), "table.order_says_nothing")[0].startswith(
        "row order not tied to the target: rank correlation")


def test_a_missing_or_wrong_public_noise_is_refused(messy, tmp_path):
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(root, lambda m: m["section"].pop("public_noise")))
    assert "public_noise is missing" in failed(bundle, "table.public_noise_stated")[0]
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(
        root, lambda m: m["section"].update(public_noise=0.001)), "wrong")
    assert "stated 0.001000, bootstrap gives" in failed(bundle, "table.public_noise_stated")[0]


def test_a_recipe_without_teeth_and_a_ladder_upside_down_are_refused(messy, tmp_path):
    def toothless(root):
        cleaning = json.loads((root / "sealed/cleaning.json").read_text())
        cleaning["oracle"] = cleaning["naive"]
        (root / "sealed/cleaning.json").write_text(json.dumps(cleaning))

    problems = failed(planted(messy, tmp_path, toothless), "table.ladder_ordered")
    assert len(problems) == 1 and "make it bite harder" in problems[0]
    bundle = planted(messy, tmp_path, lambda root: edit_manifest(
        root, lambda m: m["baselines"][0].update(public_score=0.99)), "upside-down")
    assert failed(bundle, "table.ladder_ordered")[0].startswith("constant ≤ the best rung: constant 0.9900")


def test_a_public_file_the_recipe_does_not_make_is_refused(messy, tmp_path):
    def touch(root):
        text = (root / "public/test.csv").read_text().splitlines()
        text[1] = text[1].replace(",", ",9", 1)
        (root / "public/test.csv").write_text("\n".join(text) + "\n")

    assert failed(planted(messy, tmp_path, touch), "table.replay") == [
        "test.csv replays byte for byte: the recipe replayed from the clean copy makes different bytes"]
