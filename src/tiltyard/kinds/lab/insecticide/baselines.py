"""The baseline ladder: reference submissions graded by the same grader as a learner's.

1. random: five molecules drawn from the fragment library.
2. nicotine: the natural insecticide alone.
3. known neonicotinoids: the five best of the six marketed ones.
4. surrogate-guided search: spends the whole experiment budget on the library, a random
   forest on descriptors and fingerprints choosing each next batch, then submits its five
   best measured designs that meet the constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from rdkit import Chem
from sklearn.ensemble import RandomForestRegressor

from tiltyard.kinds.lab.insecticide import chemistry, fragments
from tiltyard.kinds.lab.insecticide.grading import MAX_DESIGNS, grade_designs
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.insecticide.simulation import World

SURROGATE_FIRST_BATCH = 200
SURROGATE_BATCH = 200
SURROGATE_EXPLORE_SHARE = 0.1
SURROGATE_BITS = 256


@dataclass(frozen=True)
class Baseline:
    name: str
    description: str
    designs: list[str]
    score: float


def surrogate_features(smiles: list[str]) -> np.ndarray:
    """Descriptors, pharmacophore flags and folded Morgan bits: what a learner would use."""
    molecules = [Chem.MolFromSmiles(s) for s in smiles]
    table = chemistry.features(molecules).astype(np.float64).to_numpy()
    from rdkit.Chem import rdFingerprintGenerator

    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=SURROGATE_BITS)
    bits = np.array([generator.GetFingerprintAsNumPy(m) for m in molecules], dtype=np.float64)
    return np.hstack([table, bits])


def surrogate_search(world: World, library: pd.DataFrame, budget: int, seed: int) -> list[str]:
    """Greedy search with a random forest: measure, fit, measure the most promising, repeat."""
    rng = np.random.default_rng(seed)
    pool = library["smiles"].tolist()
    features = surrogate_features(pool)
    measured = np.zeros(len(pool), dtype=bool)
    scores = np.full(len(pool), np.nan)

    def measure(indices: np.ndarray) -> None:
        results = world.run([pool[i] for i in indices])
        scores[indices] = results["graded_score"].to_numpy()
        measured[indices] = True

    measure(rng.choice(len(pool), size=min(SURROGATE_FIRST_BATCH, budget), replace=False))
    while measured.sum() < min(budget, len(pool)):
        size = min(SURROGATE_BATCH, budget - int(measured.sum()), int((~measured).sum()))
        model = RandomForestRegressor(n_estimators=60, min_samples_leaf=2, random_state=seed,
                                      n_jobs=2).fit(features[measured], scores[measured])
        candidates = np.flatnonzero(~measured)
        predicted = model.predict(features[candidates])
        explore = int(size * SURROGATE_EXPLORE_SHARE)
        best = candidates[np.argsort(-predicted, kind="stable")[: size - explore]]
        rest = np.setdiff1d(candidates, best)
        measure(np.concatenate([best, rng.choice(rest, size=min(explore, rest.size), replace=False)]))
    order = np.argsort(-np.nan_to_num(scores, nan=-1.0), kind="stable")
    return [pool[i] for i in order[:MAX_DESIGNS]]


def ladder(world: World, library: pd.DataFrame, budget: int, seed: int) -> list[Baseline]:
    def graded(designs: list[str]) -> float:
        return float(grade_designs(world, designs)["graded_score"].max())

    random_designs = fragments.random_designs(MAX_DESIGNS, seed, library)
    known = grade_designs(world, list(NEONICOTINOIDS.values()))
    best_known = known["smiles"].head(MAX_DESIGNS).tolist()
    searched = surrogate_search(world, library, budget, seed)
    return [
        Baseline("random", "five molecules drawn at random from the fragment library",
                 random_designs, graded(random_designs)),
        Baseline("nicotine", "nicotine, the natural insecticide, alone", [NICOTINE], graded([NICOTINE])),
        Baseline("known neonicotinoids", "the five best of imidacloprid, thiamethoxam, clothianidin, "
                 "acetamiprid, thiacloprid and dinotefuran", best_known, graded(best_known)),
        Baseline("surrogate search", f"a random forest choosing batches of {SURROGATE_BATCH} from the "
                 f"library until the budget of {budget} is spent; its five best designs",
                 searched, graded(searched)),
    ]
