"""Stored automl searches: a build that refits a stored search writes the bundle a search
writes, byte for byte; a stored search applies only to the inputs it was run on; and every
built-in table ships one for the libraries installed here (else its build searches, slowly)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tiltyard.catalog.grid import BUILDERS
from tiltyard.challenges.manifest import Column
from tiltyard.challenges.registry import builtin_builder, builtin_ids
from tiltyard.kinds.table import searches

SMALL = BUILDERS.breast_biopsy  # 699 rows: a real search takes seconds


def test_a_stored_search_builds_the_bytes_a_search_builds(tmp_path, monkeypatch):
    with searches.searching_again() as collected:
        searched = SMALL.build(tmp_path / "searched")
    entry = collected[SMALL.id]
    assert entry["record"]["stopped_by"] == "max_iter" and entry["record"]["trials"] == 30

    monkeypatch.setattr(searches, "STORE", tmp_path / "store")
    searches.write_entry(entry)
    steps: list[str] = []
    refitted = SMALL.build(tmp_path / "refitted", progress=steps.append)
    assert f"fitting baseline: automl (the stored search's choice, {entry['record']['estimator']})" in steps
    assert refitted.hash == searched.hash
    assert refitted.manifest.baseline("automl").details == entry["record"]


def test_a_stored_search_applies_only_to_the_inputs_it_was_run_on(tmp_path, monkeypatch):
    features = pd.DataFrame({"age": [30, 41, 52], "city": ["Oslo", "Lima", "Oslo"]})
    target = pd.Series(["no", "yes", "no"], name="bought")
    columns = [Column(name="age", type="numeric", description="years")]
    key = searches.search_key(features, target, "FLAML 2.8 (30 trials, 1 thread)", columns)

    edited = features.copy()
    edited.loc[1, "age"] = 42
    assert searches.search_key(edited, target, "FLAML 2.8 (30 trials, 1 thread)", columns) != key
    assert searches.search_key(features, target, "FLAML 2.8 (12 trials, 1 thread)", columns) != key
    described = [Column(name="age", type="categorical", description="years")]
    assert searches.search_key(features, target, "FLAML 2.8 (30 trials, 1 thread)", described) != key
    installed = searches.versions()
    monkeypatch.setattr(searches, "versions", lambda: {**installed, "lightgbm": "0.1"})
    assert searches.search_key(features, target, "FLAML 2.8 (30 trials, 1 thread)", columns) != key
    monkeypatch.undo()

    monkeypatch.setattr(searches, "STORE", tmp_path)
    record = {"estimator": "rf", "config": {"n_estimators": 4}}
    searches.write_entry({"challenge": "shop-v1", "key": key, "record": record})
    assert searches.stored("shop-v1", key) == record
    assert searches.stored("shop-v1", "0" * 64) is None  # stale: the build searches again
    assert searches.stored("other-v1", key) is None
    with searches.searching_again():
        assert searches.stored("shop-v1", key) is None


@pytest.mark.parametrize("challenge_id", [i for i in builtin_ids()
                                          if builtin_builder(i).kind == "table"
                                          and not getattr(builtin_builder(i), "superseded", False)])
def test_every_built_in_table_ships_a_search_for_the_libraries_installed(challenge_id):
    path = searches.STORE / f"{challenge_id}.json"
    assert path.is_file(), f"no stored search for {challenge_id}: run {searches.COMMAND} {challenge_id}"
    entry = json.loads(path.read_text(encoding="utf-8"))
    assert entry["versions"] == searches.versions(), (
        f"{challenge_id}'s search was stored with other libraries: run {searches.COMMAND}")
    assert entry["record"]["stopped_by"] == "max_iter", "a search the wall cap cut is not the budget's search"
