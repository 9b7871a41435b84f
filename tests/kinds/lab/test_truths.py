"""What is known, reproduced on the sealed parameters of several instances."""

import numpy as np
import pytest

from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE

CAP = 8.0  # 'not lethal even at 10^8 times field exposure' counts as a margin of 8
NITROGUANIDINES = ["imidacloprid", "thiamethoxam", "clothianidin"]
CYANOIMINES = ["acetamiprid", "thiacloprid"]
IMIDACLOPRID = NEONICOTINOIDS["imidacloprid"]
GREASY_IMIDACLOPRID = "[O-][N+](=O)N=C1NCCN1Cc1ccc(CCCCCCCCCCCC)nc1"
POLAR_IMIDACLOPRID = "[O-][N+](=O)N=C1NCCN1Cc1cc(C(O)C(O)C(O)CO)c(O)nc1C(=O)O"


@pytest.fixture(scope="module", params=[11, 22, 33])
def world(request, worlds):
    return worlds[request.param]


def _margins(world, species):
    return dict(zip(["nicotine", *NEONICOTINOIDS],
                    np.minimum(world.log10_ld50([NICOTINE, *NEONICOTINOIDS.values()], species), CAP)))


def test_neonicotinoids_are_far_more_insect_selective_than_nicotine(world):
    aphid, mammal = _margins(world, "aphid"), _margins(world, "mammal")
    selectivity = {name: mammal[name] - aphid[name] for name in aphid}
    for name in NEONICOTINOIDS:
        assert selectivity[name] >= selectivity["nicotine"] + 2.0, (name, selectivity)


def test_nicotine_is_toxic_to_mammals_and_neonicotinoids_much_less(world):
    results = world.run([NICOTINE, *NEONICOTINOIDS.values()])
    nicotine, neonics = results.iloc[0], results.iloc[1:]
    assert nicotine["mammal_paralysis"] >= 0.5
    assert nicotine["mammal_mortality"] >= 0.1
    assert (neonics["mammal_mortality"] <= nicotine["mammal_mortality"] - 0.1).all()
    assert nicotine["aphid_mortality"] < 0.05  # protonated: it barely enters the insect CNS


def test_marketed_neonicotinoids_kill_aphids_at_field_rate(world):
    results = world.run([NEONICOTINOIDS[n] for n in NITROGUANIDINES + CYANOIMINES])
    assert (results["aphid_mortality"] >= 0.4).all(), results["aphid_mortality"].tolist()


def test_cyanoimines_spare_bees_better_than_nitroguanidines(world):
    bee = _margins(world, "bee")
    assert min(bee[n] for n in CYANOIMINES) > max(bee[n] for n in NITROGUANIDINES) + 0.5, bee


def test_very_polar_or_very_greasy_molecules_do_poorly(world):
    results = world.run([IMIDACLOPRID, GREASY_IMIDACLOPRID, POLAR_IMIDACLOPRID,
                         "CCCCCCCCCCCCCCCC", "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O"])
    assert results.loc[0, "logp"] < 1 < results.loc[1, "logp"] - 3  # really greasier
    assert results.loc[2, "tpsa"] > 180
    assert (results.loc[1:, "aphid_mortality"] < 0.05).all()
    assert (results.loc[1:, "selectivity_score"] < results.loc[0, "selectivity_score"]).all()


def test_nitroguanidines_persist_longer_than_cyanoimines(world):
    results = world.run([NEONICOTINOIDS[n] for n in NITROGUANIDINES + CYANOIMINES])
    days = results["persistence_days"].to_numpy()
    assert days[:3].min() > 3 * days[3:].max()
