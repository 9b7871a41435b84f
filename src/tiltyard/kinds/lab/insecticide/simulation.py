"""One instance of the insecticide world: its sealed parameters, its populations, its run.

``World.from_seed(seed)`` draws every parameter, simulates every population's network once
and keeps the tables; ``World.run(smiles)`` then takes a batch through chemistry,
pharmacology and the populations, all vectorised over molecules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rdkit.Chem import rdFingerprintGenerator

from tiltyard.kinds.lab.core import LabError
from tiltyard.kinds.lab.insecticide import chemistry, parameters, pharmacology, populations, scoring
from tiltyard.kinds.lab.insecticide.parameters import INSECTS, SPECIES

ROUGHNESS_BITS = 1024
RECEPTORS = ("insect", "mammal")
PARAMETERS_FILE = "parameters.json"
TABLES_FILE = "populations.npz"
OUTCOMES = populations.OUTCOMES
OUTCOME_COLUMNS = [f"{s}_{o}" for s in SPECIES for o in OUTCOMES] + ["persistence_days"]
SCORE_COLUMNS = ["selectivity_score", "meets_constraints", "constraint_broken", "graded_score"]
_fingerprinter = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=ROUGHNESS_BITS)


def fingerprint_bits(molecules) -> np.ndarray:
    """Morgan (radius 2) bits, one row per molecule, as uint8."""
    if not molecules:
        return np.zeros((0, ROUGHNESS_BITS), dtype=np.uint8)
    return np.stack([_fingerprinter.GetFingerprintAsNumPy(m) for m in molecules]).astype(np.uint8)


def roughness_terms(bits: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Sum of the sealed contributions of each molecule's substructures, scaled so its
    spread does not grow with molecule size: (molecules, receptors)."""
    counts = np.maximum(bits.sum(axis=1, dtype=np.float64), 1.0)
    return (bits.astype(np.float32) @ weights.astype(np.float32)) / np.sqrt(counts)[:, None]


@dataclass
class World:
    seed: int
    values: dict[str, float]
    tables: dict[str, populations.SpeciesTables]
    roughness_weights: dict[str, np.ndarray]  # receptor -> (ROUGHNESS_BITS,)

    def __post_init__(self) -> None:
        self._roughness_matrix = np.stack([self.roughness_weights[r] for r in RECEPTORS], axis=1)
        self._stacked = {species: table.stacked() for species, table in self.tables.items()}
        self._with_slopes = {species: populations.with_slopes(stacked)
                             for species, stacked in self._stacked.items()}

    @classmethod
    def from_seed(cls, seed: int, values: dict[str, float] | None = None) -> World:
        values = parameters.draw(seed) if values is None else values
        tables = {species: populations.tabulate(species, values, seed) for species in SPECIES}
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5AF]))
        shared = rng.normal(0, 1, ROUGHNESS_BITS)
        # The two receptors share half their structure-activity landscape, as homologues do.
        mammal = 0.5 * shared + np.sqrt(0.75) * rng.normal(0, 1, ROUGHNESS_BITS)
        sd = values["roughness_sd"]
        return cls(seed, values, tables, {"insect": (sd * shared).astype(np.float32),
                                          "mammal": (sd * mammal).astype(np.float32)})

    def save(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        parameters.save(self.values, self.seed, folder / PARAMETERS_FILE)
        arrays = {f"roughness_{k}": v for k, v in self.roughness_weights.items()}
        for table in self.tables.values():
            arrays.update(table.arrays())
        np.savez_compressed(folder / TABLES_FILE, **arrays)
        return [folder / PARAMETERS_FILE, folder / TABLES_FILE]

    @classmethod
    def load(cls, parameters_path: Path, tables_path: Path) -> World:
        seed, values = parameters.load(parameters_path)
        try:
            with np.load(tables_path) as arrays:
                tables = {s: populations.SpeciesTables.from_arrays(s, arrays) for s in SPECIES}
                roughness = {k: arrays[f"roughness_{k}"] for k in ("insect", "mammal")}
        except (KeyError, ValueError, OSError) as exc:
            raise LabError(f"Sealed population tables at {tables_path} cannot be read",
                           expected="the .npz written by World.save", got=str(exc),
                           hint="Rebuild the bundle") from exc
        return cls(seed, values, tables, roughness)

    # -- the run --------------------------------------------------------------------------

    def run(self, smiles: Sequence[str]) -> pd.DataFrame:
        """One row per SMILES, in order: diagnosis, descriptors, outcomes, score."""
        batch = chemistry.parse(smiles)
        molecules = batch.valid_molecules()
        frame = pd.DataFrame({"smiles": batch.smiles, "canonical_smiles": batch.canonical,
                              "valid": batch.valid, "error": batch.errors, "note": batch.notes})
        features = chemistry.features(molecules)
        outcomes = self.outcomes(features, fingerprint_bits(molecules))
        measured = pd.concat([features, outcomes], axis=1)
        measured.index = np.flatnonzero(batch.valid)
        frame = frame.join(measured)
        flag_columns = [c for c in chemistry.FLAG_COLUMNS + ["electronegative_tip"]]
        frame[flag_columns] = frame[flag_columns].astype("boolean")
        return scoring.add_score_columns(frame)

    def outcomes(self, features: pd.DataFrame, bits: np.ndarray) -> pd.DataFrame:
        columns: dict[str, np.ndarray] = {}
        terms = roughness_terms(bits, self._roughness_matrix)
        roughness = {receptor: terms[:, k] for k, receptor in enumerate(RECEPTORS)}
        for species in SPECIES:
            drive = self.drive(features, species, roughness)
            averaged = populations.population_mean(self._with_slopes[species], drive)
            for k, outcome in enumerate(OUTCOMES):
                columns[f"{species}_{outcome}"] = averaged[:, k].astype(np.float64)
        columns["persistence_days"] = pharmacology.persistence_days(features, self.values)
        return pd.DataFrame(columns, index=features.index)

    def target_concentration(self, features: pd.DataFrame, species: str) -> dict[str, np.ndarray]:
        """log10 of the free concentration reaching the target, before metabolism."""
        v = self.values
        ions = pharmacology.ionisation(features, v, species)
        entered = pharmacology.uptake(features, v, species, ions)
        reached = pharmacology.distribution(features, v, species, ions)
        log10_c = v[f"log10_exposure_{species}"] + np.log10(np.maximum(entered * reached, 1e-30))
        return {"ions": ions, "uptake": entered, "distribution": reached, "log10_concentration": log10_c,
                "clearance": pharmacology.clearance(features, v, species)}

    def drive(self, features: pd.DataFrame, species: str, roughness: dict[str, np.ndarray]
              ) -> np.ndarray:
        """(molecules, populations): receptor occupancy times efficacy in every population."""
        v = self.values
        reached = self.target_concentration(features, species)
        receptor = "insect" if species in INSECTS else "mammal"
        cation = reached["ions"]["cation"]
        pki = pharmacology.affinity(features, v, receptor, cation, roughness[receptor])
        if species in INSECTS:
            pki = pki + v[f"{species}_receptor_offset"]
        enzymes = self.tables[species].enzyme_expression[None, :]
        log10_c = (reached["log10_concentration"][:, None]
                   - np.log10(1.0 + reached["clearance"][:, None] * enzymes))
        occupied = pharmacology.occupancy(log10_c, pki[:, None], v["hill_coefficient"])
        return occupied * pharmacology.efficacy(features, v, receptor, cation)[:, None]

    # -- dose-response, for toxicologists and for the known-truths tests --------------------

    def mortality_curve(self, smiles: Sequence[str], species: str,
                        log10_shifts: np.ndarray) -> np.ndarray:
        """Mortality (molecules, shifts) when the field exposure is multiplied by 10^shift."""
        batch = chemistry.parse(smiles)
        if not batch.valid.all():
            bad = [s for s, ok in zip(batch.smiles, batch.valid) if not ok]
            raise LabError("Dose-response needs valid molecules", expected="valid SMILES",
                           got=", ".join(bad[:5]))
        molecules = batch.valid_molecules()
        features = chemistry.features(molecules)
        terms = roughness_terms(fingerprint_bits(molecules), self._roughness_matrix)
        roughness = {receptor: terms[:, k] for k, receptor in enumerate(RECEPTORS)}
        base = self.values[f"log10_exposure_{species}"]
        curve = np.empty((len(molecules), len(log10_shifts)))
        try:
            for j, shift in enumerate(log10_shifts):
                self.values[f"log10_exposure_{species}"] = base + shift
                drive = self.drive(features, species, roughness)
                curve[:, j] = populations.look_up(self._stacked[species], drive)[:, :, 0].mean(axis=1)
        finally:
            self.values[f"log10_exposure_{species}"] = base
        return curve

    def log10_ld50(self, smiles: Sequence[str], species: str,
                   shifts: np.ndarray = np.arange(-4.0, 8.01, 0.1)) -> np.ndarray:
        """log10 of the exposure multiple that kills half the individuals (the LD50, relative
        to field exposure); +inf when even 10^8 times the field exposure does not."""
        curve = self.mortality_curve(smiles, species, shifts)
        out = np.full(curve.shape[0], np.inf)
        for i, row in enumerate(curve):
            above = np.flatnonzero(row >= 0.5)
            if above.size:
                k = above[0]
                if k == 0:
                    out[i] = shifts[0]
                else:  # linear interpolation between the bracketing shifts
                    lo, hi = row[k - 1], row[k]
                    out[i] = shifts[k - 1] + (0.5 - lo) / max(hi - lo, 1e-12) * (shifts[k] - shifts[k - 1])
        return out
