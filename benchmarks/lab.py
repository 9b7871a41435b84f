"""Speed of the insecticide lab: molecules per second for a batch of 1,000.

Floor: RDKit parsing plus the same descriptors (logP, TPSA, weight, donors, acceptors,
rotatable bonds, aromatic rings, charge, heavy atoms, Fsp3), measured in the same run on the
same molecules. Goal: the whole simulation (diagnosis, pharmacophores, fingerprints,
pharmacology for three species, look-ups in 1,500 population tables, persistence, score)
costs at most twice the floor.

    python benchmarks/lab.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from rdkit import Chem

from tiltyard.kinds.lab.insecticide import chemistry, fragments
from tiltyard.kinds.lab.insecticide.simulation import World

BATCH = 1_000


def best_of(repeats: int, work) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)  # least disturbed by other processes on a shared machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    library = fragments.library()
    smiles = library["smiles"].sample(BATCH, random_state=args.seed).tolist()
    started = time.perf_counter()
    world = World.from_seed(args.seed)
    tabulation = time.perf_counter() - started

    def floor():
        chemistry.descriptors([Chem.MolFromSmiles(s) for s in smiles])

    def simulation():
        world.run(smiles)

    floor(), simulation()  # warm caches
    floor_s = best_of(args.repeats, floor)
    simulation_s = best_of(args.repeats, simulation)
    print(f"batch of {BATCH} molecules from the fragment library, best of {args.repeats}")
    print(f"  floor (RDKit parse + descriptors): {floor_s:7.3f} s  {BATCH / floor_s:9.0f} molecules/s")
    print(f"  whole simulation:                  {simulation_s:7.3f} s  {BATCH / simulation_s:9.0f} molecules/s")
    print(f"  ratio simulation / floor:          {simulation_s / floor_s:7.2f}x  (goal <= 2x)")
    print(f"  once per instance: tabulating 3 x 500 networks of 1,000 neurons took {tabulation:.1f} s")
    np.testing.assert_equal(len(world.run(smiles[:3])), 3)


if __name__ == "__main__":
    main()
