"""The brief's "how to read a result row": numbers the simulator gives, claims that are true."""

from __future__ import annotations

from tiltyard.kinds.lab.core import readable
from tiltyard.kinds.lab.insecticide.lab import textbook_world
from tiltyard.kinds.lab.insecticide.reading import EXAMPLES, KILLS, SPARES, example_rows
from tiltyard.kinds.lab.insecticide.scoring import MAX_PERSISTENCE_DAYS
from tiltyard.kinds.lab.lab import lab_for_bundle

SHOWN = ["aphid_mortality", "bee_mortality", "mammal_mortality", "mammal_arrhythmia",
         "persistence_days", "selectivity_score", "graded_score"]


def test_the_brief_explains_a_row_with_the_rows_the_score_part_gives(lab_bundle):
    brief = lab_bundle.brief
    assert "## How to read a result row" in brief
    assert "### Nicotine kills the mammal, not the aphid" in brief
    assert "### Imidacloprid kills the aphid and the bee, and persists too long in soil" in brief
    rerun = lab_for_bundle(lab_bundle, in_memory=True).inspect("score").run(list(EXAMPLES.values()))
    for (name, smiles), (_, row) in zip(EXAMPLES.items(), rerun.iterrows()):
        section = brief[brief.index(f"`{smiles}`"):]
        for column in SHOWN:
            assert f"| `{column}` | {readable(row[column])} |" in section, (name, column)
    assert "| `constraint_broken` | persists" in brief


def test_the_page_s_claims_are_true_of_the_simulator():
    rows = example_rows(textbook_world())
    nicotine, imidacloprid = rows.loc["nicotine"], rows.loc["imidacloprid"]
    # nicotine kills the mammal, not the aphid (nor the bee), and breaks no constraint
    assert nicotine.aphid_mortality < SPARES and nicotine.bee_mortality < SPARES
    assert nicotine.mammal_mortality >= KILLS and nicotine.meets_constraints
    assert nicotine.graded_score == nicotine.selectivity_score
    # imidacloprid kills the aphid and the bee, spares the mammal, persists too long in soil
    assert imidacloprid.aphid_mortality >= KILLS and imidacloprid.bee_mortality >= KILLS
    assert imidacloprid.mammal_mortality < SPARES
    assert imidacloprid.persistence_days > MAX_PERSISTENCE_DAYS
    assert imidacloprid.selectivity_score > 0 and imidacloprid.graded_score == 0
    assert "days in soil" in imidacloprid.constraint_broken


def test_imidacloprid_persists_too_long_in_every_world_drawn_from_the_priors(worlds):
    for seed, world in worlds.items():  # the soil lesson holds in any instance
        imidacloprid = example_rows(world).loc["imidacloprid"]
        assert imidacloprid.graded_score == 0 and "days in soil" in imidacloprid.constraint_broken, seed
        assert example_rows(world).loc["nicotine"].aphid_mortality < SPARES, seed
