"""Instances: the practice build is what it always was; a secret instance predicts nothing of
it (ids, split, public/private parts) and says it is an instance without naming its seed."""

from __future__ import annotations

import pandas as pd
import pytest

from tiltyard.challenges.instance import SECRET, Instance
from tiltyard.challenges.registry import builtin_builder as builder
from tiltyard.check import check_challenge

# titanic-v1's practice instance as published: every learner's local catalog (and every report
# stored against it) names this hash. It changed once, on purpose, when the ladder gained its
# automl rung and the manifest its [table] section (d8f974301e7c… before); reports graded on
# the old build keep their hash, and `tiltyard regrade` moves them explicitly.
TITANIC_PRACTICE_HASH = "e5394a782bfb3cc8b38a25f3c353f376b95363896b86d36f78074460a7a28812"
SEED = 123456789012345678901234567890


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    return builder("titanic-v1").build(tmp_path_factory.mktemp("practice"))


@pytest.fixture(scope="module")
def titanic_instance(tmp_path_factory):
    return builder("titanic-v1").build(tmp_path_factory.mktemp("instance"), instance=Instance(SEED))


def test_the_practice_instance_is_byte_for_byte_as_published(practice):
    assert practice.hash == TITANIC_PRACTICE_HASH
    assert practice.manifest.instance is None
    assert "(seed 1912)" in practice.brief


def test_a_secret_instance_shares_no_answers_with_the_practice_build(practice, titanic_instance):
    id_column, target = "passenger_id", "survived"
    mine = pd.read_csv(titanic_instance.sealed_file("answers.csv"))
    theirs = pd.read_csv(practice.sealed_file("answers.csv"))
    assert len(mine) == len(theirs)
    # Same ids, 1..n, but a different passenger behind each: a practice label per id agrees
    # with the instance's about as often as two guesses would.
    everyone = pd.concat([pd.read_csv(practice.public_file("train.csv")), theirs])
    joined = mine.merge(everyone[[id_column, target]], on=id_column, suffixes=("", "_practice"))
    agreement = float((joined[target] == joined[f"{target}_practice"]).mean())
    assert 0.4 < agreement < 0.65, agreement
    assert set(mine[id_column]) != set(theirs[id_column])
    # The split is still stratified and the parts keep their sizes.
    assert titanic_instance.manifest.split.public_rows == practice.manifest.split.public_rows
    survivors = pd.read_csv(titanic_instance.public_file("train.csv"))[target].eq("yes").mean()
    assert abs(survivors - mine[target].eq("yes").mean()) < 0.01


def test_a_secret_instance_says_so_and_keeps_its_seed_out_of_the_bundle(titanic_instance):
    manifest_text = (titanic_instance.root / "challenge.toml").read_text(encoding="utf-8")
    assert titanic_instance.manifest.instance == SECRET and 'instance = "secret"' in manifest_text
    for path in titanic_instance.root.rglob("*"):
        if path.is_file() and path.suffix in {".toml", ".md", ".csv", ".py", ".ipynb"}:
            assert str(SEED) not in path.read_text(encoding="utf-8"), path
    assert "secret seed" in titanic_instance.brief
    assert "(seed 1912)" not in titanic_instance.brief


def test_a_secret_instance_passes_the_checker_and_rebuilds_identically(titanic_instance, tmp_path):
    result = check_challenge(titanic_instance.root)
    assert result.ok, result.failures
    again = builder("titanic-v1").build(tmp_path, instance=Instance(SEED))
    assert again.hash == titanic_instance.hash  # an arena restarted on the same seed
    other = builder("titanic-v1").build(tmp_path / "other", instance=Instance(SEED + 1))
    assert other.hash != titanic_instance.hash


def test_the_labs_sealed_world_is_drawn_from_the_instance():
    from tiltyard.kinds.lab.insecticide import parameters
    from tiltyard.kinds.lab.insecticide.bundle import BUILDER
    from tiltyard.kinds.lab.insecticide.bundle import SEED as LAB_SEED

    assert BUILDER.world_seed(None) == LAB_SEED
    drawn = BUILDER.world_seed(Instance(SEED))
    assert drawn != LAB_SEED and drawn == BUILDER.world_seed(Instance(SEED))
    assert parameters.draw(drawn) != parameters.draw(LAB_SEED)
