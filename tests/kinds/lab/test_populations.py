import numpy as np

from tiltyard.kinds.lab.insecticide import parameters, populations


def test_networks_settle_to_a_fixed_point():
    values = parameters.prior_means()
    circuit = populations.build_circuits("aphid", values, np.random.default_rng(0), 10)
    drive = populations.DRIVE_GRID.astype(np.float32)
    settled = populations.settle(circuit, drive)
    longer = populations.settle(circuit, drive, iterations=200)
    assert np.abs(settled["rate_e"] - longer["rate_e"]).max() < 5e-3


def test_tables_start_at_no_effect_and_kill_at_full_drive(worlds):
    world = next(iter(worlds.values()))
    for species, table in world.tables.items():
        assert table.mortality.shape == (populations.N_POPULATIONS, populations.DRIVE_GRID.size)
        assert np.all(table.mortality[:, 0] == 0) and np.all(table.arrhythmia[:, 0] == 0)
        assert table.mortality[:, -1].mean() > 0.5, species
        assert np.all(table.paralysis[:, -1] >= table.mortality[:, -1] - 1e-6)
        assert np.all(table.arrhythmia[~table.quirk] == 0)  # only quirk populations lose rhythm
        assert table.quirk.any()
    assert world.tables["aphid"].resistant.any() and not world.tables["bee"].resistant.any()


def test_look_up_is_exact_on_the_grid():
    rng = np.random.default_rng(1)
    tables = rng.random((4, populations.DRIVE_GRID.size, 3)).astype(np.float32)
    drive = np.tile(populations.DRIVE_GRID[[0, 5, 20]][:, None], (1, 4))
    looked = populations.look_up(tables, drive)
    for m, k in enumerate([0, 5, 20]):
        assert np.allclose(looked[m], tables[:, k, :], atol=1e-6)


def test_population_mean_agrees_with_the_full_look_up():
    rng = np.random.default_rng(2)
    tables = rng.random((50, populations.DRIVE_GRID.size, 3)).astype(np.float32)
    drive = rng.random((7, 50)).astype(np.float32)
    full = populations.look_up(tables, drive).mean(axis=1)
    fast = populations.population_mean(populations.with_slopes(tables), drive)
    assert np.allclose(full, fast, atol=1e-5)
