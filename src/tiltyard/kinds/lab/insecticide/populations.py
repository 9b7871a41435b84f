"""Populations: for each species, 500 populations, each a network of 1,000 model neurons.

The circuit is the one a nicotinic agonist acts on: 800 cholinergic excitatory neurons
(interneurons and motor neurons), 150 GABAergic inhibitory neurons and 50 dopaminergic
neurons. Each neuron is a rate unit with a threshold, a ceiling and depolarisation block:

    u_i = bias_i + rho_i * x + J[c_i, E] * mean_rate_E - J[c_i, I] * mean_rate_I
    rate_i = clip(u_i - theta_i, 0, RATE_CEILING) * sigmoid((block_i - u_i) / BLOCK_SOFTNESS)

where ``x`` is the drive a compound produces (receptor occupancy times efficacy, 0 to 1)
and ``rho_i`` is the neuron's receptor density. The network settles to a fixed point of the
class mean rates. A neuron driven past ``block_i`` falls silent: the motor side of that is
paralysis, and enough of it kills. Dopaminergic neurons carry more receptor; in "quirk"
populations their pathway also drives the heart, which loses its rhythm when they fire far
above rest.

Simulating 1,500 networks for every molecule would be wasteful: a population's response
depends on the compound only through ``x``. So each instance tabulates every population's
response on a grid of drives once (:func:`tabulate`) and the simulation looks it up
(:func:`look_up`), exactly, up to linear interpolation between grid points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTCOMES = ("mortality", "paralysis", "arrhythmia")
N_POPULATIONS = 500
N_EXCITATORY, N_INHIBITORY, N_DOPAMINERGIC = 800, 150, 50
N_NEURONS = N_EXCITATORY + N_INHIBITORY + N_DOPAMINERGIC
DRIVE_GRID = np.linspace(0.0, 1.0, 21)
RATE_CEILING = 2.0
BLOCK_SOFTNESS = 0.08
SETTLING_ITERATIONS = 18  # max error 1e-3 in rates against 200 steps
DAMPING = 0.5
# Couplings between classes (rows: onto; columns: from E, from I), shared by all species.
INHIBITION_ONTO_EXCITATORY = 0.8
EXCITATION_ONTO_INHIBITORY = 0.9
INHIBITION_ONTO_INHIBITORY = 0.5
EXCITATION_ONTO_DOPAMINERGIC = 0.6
INHIBITION_ONTO_DOPAMINERGIC = 0.6
# Dopaminergic pacemaker neurons tolerate more depolarisation before they block.
DOPAMINERGIC_BLOCK_FACTOR = 1.6
INDIVIDUAL_SPREAD = 0.04  # individuals of a population differ a little in what they tolerate


@dataclass(frozen=True)
class SpeciesTables:
    """Per-population outcome curves on DRIVE_GRID, plus the per-population traits."""

    species: str
    mortality: np.ndarray      # (populations, grid)
    paralysis: np.ndarray      # (populations, grid)
    arrhythmia: np.ndarray     # (populations, grid)
    enzyme_expression: np.ndarray  # (populations,), multiplies metabolic clearance
    quirk: np.ndarray          # (populations,), bool
    resistant: np.ndarray      # (populations,), bool

    def stacked(self) -> np.ndarray:
        """(populations, grid, outcomes) in the order of OUTCOMES, for one-gather look-ups."""
        return np.stack([self.mortality, self.paralysis, self.arrhythmia], axis=2)

    def arrays(self) -> dict[str, np.ndarray]:
        return {f"{self.species}_{name}": getattr(self, name) for name in
                ("mortality", "paralysis", "arrhythmia", "enzyme_expression", "quirk", "resistant")}

    @classmethod
    def from_arrays(cls, species: str, arrays) -> SpeciesTables:
        return cls(species, *(np.asarray(arrays[f"{species}_{name}"]) for name in
                              ("mortality", "paralysis", "arrhythmia", "enzyme_expression",
                               "quirk", "resistant")))


@dataclass(frozen=True)
class Circuit:
    """The neurons of many populations of one species, stacked as (populations, neurons)."""

    bias: np.ndarray
    threshold: np.ndarray
    receptor: np.ndarray
    block: np.ndarray
    recurrent_excitation: np.ndarray  # (populations, 1)

    def class_slice(self, name: str) -> slice:
        return {"E": slice(0, N_EXCITATORY),
                "I": slice(N_EXCITATORY, N_EXCITATORY + N_INHIBITORY),
                "D": slice(N_EXCITATORY + N_INHIBITORY, N_NEURONS)}[name]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def build_circuits(species: str, values: dict[str, float], rng: np.random.Generator,
                   populations: int = N_POPULATIONS) -> Circuit:
    """Draw every neuron of every population from the species' network parameters."""
    shape = (populations, N_NEURONS)
    receptor_scale = np.full(N_NEURONS, values[f"{species}_receptor_density"])
    receptor_scale[N_EXCITATORY + N_INHIBITORY:] *= values[f"{species}_dopaminergic_density"]
    population_expression = rng.lognormal(0.0, 0.15, (populations, 1))
    receptor = receptor_scale * population_expression * rng.lognormal(0.0, 0.35, shape)
    bias = rng.normal(0.9, 0.25, shape)
    bias[:, N_EXCITATORY + N_INHIBITORY:] += 0.2  # dopaminergic neurons fire tonically at rest
    threshold = rng.normal(1.0, 0.15, shape)
    block = (values[f"{species}_block_threshold"] * rng.lognormal(0.0, 0.05, (populations, 1))
             * rng.lognormal(0.0, 0.15, shape))
    block[:, N_EXCITATORY + N_INHIBITORY:] *= DOPAMINERGIC_BLOCK_FACTOR
    recurrent = values[f"{species}_recurrent_excitation"] * rng.lognormal(0.0, 0.1, (populations, 1))
    as32 = lambda a: a.astype(np.float32)  # noqa: E731 - halves memory traffic, ample precision
    return Circuit(as32(bias), as32(threshold), as32(receptor), as32(block), as32(recurrent))


class _ClassInputs:
    """The parts of one class's input that do not change while the network settles.

    Precomputing them turns each settling step into a handful of passes over memory.
    """

    def __init__(self, circuit: Circuit, name: str, drive: np.ndarray):
        part = circuit.class_slice(name)
        external = (circuit.bias[:, None, part]
                    + circuit.receptor[:, None, part] * drive[None, :, None])
        self.over_threshold = external - circuit.threshold[:, None, part]
        self.half_block_distance = (external - circuit.block[:, None, part]) / (2 * BLOCK_SOFTNESS)

    def respond(self, recurrent_input: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean rate and blocked share for every (population, drive)."""
        recurrent = recurrent_input[:, :, None]
        silenced = 0.5 + 0.5 * np.tanh(self.half_block_distance + recurrent / (2 * BLOCK_SOFTNESS))
        rate = np.clip(self.over_threshold + recurrent, 0.0, RATE_CEILING)
        rate *= 1.0 - silenced
        return rate.mean(axis=2), silenced.mean(axis=2)


def settle(circuit: Circuit, drive: np.ndarray, iterations: int = SETTLING_ITERATIONS
           ) -> dict[str, np.ndarray]:
    """Fixed point of the class mean rates for each population at each drive.

    Returns (populations, drives) arrays: mean rates of E, I, D and the blocked share of E.
    """
    excitatory = _ClassInputs(circuit, "E", drive)
    inhibitory = _ClassInputs(circuit, "I", drive)
    populations = circuit.bias.shape[0]
    rate_e = np.full((populations, drive.size), 0.3, dtype=np.float32)
    rate_i = np.full_like(rate_e, 0.3)
    for _ in range(iterations):
        new_e, blocked_e = excitatory.respond(
            circuit.recurrent_excitation * rate_e - INHIBITION_ONTO_EXCITATORY * rate_i)
        new_i, _ = inhibitory.respond(
            EXCITATION_ONTO_INHIBITORY * rate_e - INHIBITION_ONTO_INHIBITORY * rate_i)
        rate_e = (1 - DAMPING) * rate_e + DAMPING * new_e
        rate_i = (1 - DAMPING) * rate_i + DAMPING * new_i
    rate_d, _ = _ClassInputs(circuit, "D", drive).respond(
        EXCITATION_ONTO_DOPAMINERGIC * rate_e - INHIBITION_ONTO_DOPAMINERGIC * rate_i)
    return {"rate_e": rate_e, "rate_i": rate_i, "rate_d": rate_d, "blocked_e": blocked_e}


def tabulate(species: str, values: dict[str, float], seed: int,
             populations: int = N_POPULATIONS, chunk: int = 50) -> SpeciesTables:
    """Simulate every population's network on DRIVE_GRID and turn it into outcome curves."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, sum(map(ord, species))]))
    traits = population_traits(species, values, rng, populations)
    blocked = np.empty((populations, DRIVE_GRID.size))
    dopamine_excess = np.empty_like(blocked)
    for start in range(0, populations, chunk):  # chunks keep the working set in cache
        stop = min(start + chunk, populations)
        circuit = build_circuits(species, values, rng, stop - start)
        state = settle(circuit, DRIVE_GRID.astype(np.float32))
        blocked[start:stop] = state["blocked_e"]
        dopamine_excess[start:stop] = state["rate_d"] - state["rate_d"][:, :1]
    lethal = traits["lethal_paralysis"][:, None]
    mortality = sigmoid((blocked - lethal) / INDIVIDUAL_SPREAD)
    paralysis = sigmoid((blocked - 0.5 * lethal) / INDIVIDUAL_SPREAD)
    arrhythmia = traits["quirk"][:, None] * sigmoid(
        (dopamine_excess - traits["arrhythmia_tolerance"][:, None]) / (2 * INDIVIDUAL_SPREAD))
    # Subtract the resting level so "no compound" means no effect, then keep curves in [0, 1].
    def from_rest(table):
        return np.clip((table - table[:, :1]) / np.maximum(1 - table[:, :1], 1e-6), 0, 1)
    return SpeciesTables(species, from_rest(mortality).astype(np.float32),
                         from_rest(paralysis).astype(np.float32),
                         from_rest(arrhythmia).astype(np.float32),
                         traits["enzyme_expression"], traits["quirk"], traits["resistant"])


def population_traits(species: str, values: dict[str, float], rng: np.random.Generator,
                      populations: int = N_POPULATIONS) -> dict[str, np.ndarray]:
    """What makes one population differ from the next, besides its neurons."""
    enzyme = 10 ** rng.normal(0.0, values[f"{species}_enzyme_spread"], populations)
    resistant = np.zeros(populations, dtype=bool)
    if species == "aphid":
        resistant = rng.random(populations) < values["aphid_resistant_share"]
        enzyme = enzyme * np.where(resistant, 10 ** values["aphid_resistance_log10_fold"], 1.0)
    quirk = rng.random(populations) < values[f"{species}_quirk_share"]
    lethal = np.clip(values[f"{species}_lethal_paralysis"] + rng.normal(0, 0.05, populations),
                     0.1, 0.9)
    tolerance = values[f"{species}_arrhythmia_tolerance"] * rng.lognormal(0, 0.1, populations)
    return {"enzyme_expression": enzyme, "resistant": resistant, "quirk": quirk,
            "lethal_paralysis": lethal, "arrhythmia_tolerance": tolerance}


def look_up(tables: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Interpolate each population's curves at each molecule's drive.

    ``tables`` is (populations, grid, outcomes); ``drive`` is (molecules, populations); the
    result is (molecules, populations, outcomes). One gather serves every outcome.
    """
    steps = DRIVE_GRID.size - 1
    position = np.clip(drive, 0.0, 1.0).astype(np.float32) * steps
    left = np.minimum(position.astype(np.int32), steps - 1)
    fraction = (position - left)[:, :, None]
    flat = tables.reshape(-1, tables.shape[2])
    index = left + (np.arange(tables.shape[0], dtype=np.int32) * (steps + 1))[None, :]
    lower = flat[index]
    upper = flat[index + 1]
    return lower + (upper - lower) * fraction


def with_slopes(tables: np.ndarray) -> np.ndarray:
    """(populations * grid, 2 * outcomes): each grid point's values and the step to the next,
    side by side, so one gather of adjacent memory serves the whole interpolation."""
    populations_, grid, outcomes = tables.shape
    steps = np.zeros_like(tables)
    steps[:, :-1] = np.diff(tables, axis=1)
    return np.ascontiguousarray(np.concatenate([tables, steps], axis=2).reshape(-1, 2 * outcomes))


def population_mean(tables_with_slopes: np.ndarray, drive: np.ndarray) -> np.ndarray:
    """Mean over populations of each outcome at each molecule's drive: (molecules, outcomes).

    The same interpolation as :func:`look_up`, averaged without building the
    (molecules, populations, outcomes) array twice.
    """
    outcomes = tables_with_slopes.shape[1] // 2
    steps = DRIVE_GRID.size - 1
    count = drive.shape[1]
    position = np.clip(drive, 0.0, 1.0).astype(np.float32) * steps
    left = np.minimum(position.astype(np.int32), steps - 1)
    fraction = position - left
    index = left + (np.arange(count, dtype=np.int32) * (steps + 1))[None, :]
    gathered = tables_with_slopes[index]
    mean = gathered[:, :, :outcomes].sum(axis=1)
    mean += np.einsum("mp,mpk->mk", fraction, gathered[:, :, outcomes:])
    return mean / count
