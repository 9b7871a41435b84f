"""A messy challenge's grade says which damage the predictions still trip on: from the sealed
log, on the public rows, with each operator's lesson and repairs."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import tomli_w
from corruption_cases import BINARY, COLUMNS, clean_splits, clean_table

from tiltyard.challenges.bundle import Bundle, write_bundle
from tiltyard.challenges.manifest import MetricSpec, Provenance
from tiltyard.coach import all_lessons
from tiltyard.kinds.table import KIND, builder
from tiltyard.kinds.table.builder import TableSpec
from tiltyard.kinds.table.corruption import OPERATORS, apply_recipe, parse_recipe, write_log
from tiltyard.kinds.table.corruption.trips import LOG, RECIPE, damage_on
from tiltyard.kinds.table.grader import Grader

ROWS, TEST_ROWS = 600, 300
STEPS = [{"op": "typos", "columns": ["city"], "fraction": 0.5},
         {"op": "missing", "columns": ["fare"], "fraction": 0.4, "token": -999, "disclosed": False},
         {"op": "outliers", "columns": ["weight"], "fraction": 0.3, "disclosed": False},
         {"op": "label_noise", "fraction": 0.2}]


def test_every_operator_names_a_lesson_of_the_coach_and_a_repair():
    for op, operator in OPERATORS.items():
        assert operator.lesson in all_lessons(), op
        assert operator.repairs and all(r[0].isupper() for r in operator.repairs), op


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    """A small table bundle with a sealed corruption log and recipe beside its answers."""
    root = tmp_path_factory.mktemp("messy")
    text = root / "text"
    text.mkdir()
    (text / "tiny-v1.md").write_text("A synthetic table.\n", encoding="utf-8")
    types = {"passenger": "id", **COLUMNS, "member": "boolean"}
    (text / "tiny-v1.columns.toml").write_text(tomli_w.dumps(
        {"columns": {c: {"type": t, "description": c} for c, t in types.items()}}), encoding="utf-8")
    frame = clean_table(rows=ROWS)
    spec = TableSpec(id="tiny-v1", title="Tiny", summary="A synthetic table.", difficulty="beginner",
                     provenance=Provenance(source="synthetic", licence="CC0"), task=BINARY,
                     metric=MetricSpec(primary="accuracy"), split_method="time", split_description="last rows",
                     seed=1, load=lambda: frame, text_dir=text,
                     test_mask=lambda f, seed=None: np.arange(len(f)) >= len(f) - TEST_ROWS)
    with pytest.MonkeyPatch.context() as patch:  # the constant rung is ladder enough here
        full_ladder = builder.ladder
        patch.setattr(builder, "ladder", lambda *args, **kwargs: full_ladder(*args, **kwargs)[:1])
        bundle = spec.build(root / "catalog")
    corrupted = apply_recipe(parse_recipe(STEPS, COLUMNS, BINARY), clean_splits(rows=ROWS, test_rows=TEST_ROWS), 3)
    staging = root / "staging"
    shutil.copytree(bundle.root, staging)
    write_log(corrupted.log, staging / "sealed" / LOG)
    (staging / "sealed" / RECIPE).write_text(tomli_w.dumps({"seed": 3, "corrupt": STEPS}), encoding="utf-8")
    return write_bundle(staging, bundle.manifest, root / "catalog" / "tiny-messy-v1"), corrupted


def predictions_that_trip_on(messy, ops, path, wrong=0.6):
    """The true answers, wrong on some rows everywhere, and far more often on rows ``ops`` touched."""
    bundle, corrupted = messy
    answers = pd.read_csv(bundle.sealed_file("answers.csv"))
    log = corrupted.log
    touched = answers["passenger"].isin(log.loc[(log["split"] == "test") & log["op"].isin(ops), "row"])
    rng = np.random.default_rng(0)
    flip = np.where(touched, rng.random(len(answers)) < wrong, rng.random(len(answers)) < 0.1)
    labels = np.where(flip, np.where(answers["survived"] == "yes", "no", "yes"), answers["survived"])
    pd.DataFrame({"passenger": answers["passenger"], "survived": labels}).to_csv(path, index=False)
    return path


def section(grade):
    return next((s for s in grade.sections if s.name == "corruption"), None)


def test_the_grade_names_the_damage_the_predictions_trip_on(messy, tmp_path):
    bundle, _ = messy
    grade = Grader(bundle).grade_file(predictions_that_trip_on(messy, ["typos"], tmp_path / "p.csv"),
                                      max_bytes=1 << 30)
    data = section(grade).data
    [finding] = data["findings"]
    assert finding["id"] == "trips-on-typos" and finding["lesson"] == "category-variants"
    assert finding["numbers"]["low"] > 0
    assert finding["numbers"]["rows"] + finding["numbers"]["other_rows"] == int(Grader(bundle).answers.public.sum())
    line = KIND.summary(section(grade))
    assert "typos in `city`" in line and "tiltyard lessons category-variants" in line


def test_undisclosed_damage_is_named_only_when_it_trips(messy, tmp_path):
    bundle, _ = messy
    handled = Grader(bundle).grade_file(predictions_that_trip_on(messy, ["typos"], tmp_path / "a.csv"),
                                        max_bytes=1 << 30)
    assert {c["op"] for c in section(handled).data["comparisons"]} == {"typos"}  # missing, outliers kept secret
    tripped = Grader(bundle).grade_file(predictions_that_trip_on(messy, ["missing"], tmp_path / "b.csv"),
                                        max_bytes=1 << 30)
    assert [f["id"] for f in section(tripped).data["findings"]] == ["trips-on-missing"]
    assert {c["op"] for c in section(tripped).data["comparisons"]} == {"typos", "missing"}


def test_training_only_damage_is_not_compared_row_by_row(messy):
    bundle, corrupted = messy
    answers = Grader(bundle).answers
    ops = {d.op for d in damage_on(corrupted.log, answers.ids)}
    assert ops == {"typos", "missing", "outliers"}  # label noise touched training labels only


def test_a_clean_challenge_has_no_corruption_section(messy, tmp_path):
    bundle, _ = messy
    clean = Bundle(bundle.root.parent / "tiny-v1")
    path = predictions_that_trip_on(messy, ["typos"], tmp_path / "p.csv")
    assert Grader(clean).damage is None
    assert section(Grader(clean).grade_file(path, max_bytes=1 << 30)) is None
