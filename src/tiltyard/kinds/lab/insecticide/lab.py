"""The insecticide simulator behind the lab contract: run a batch, show and run its parts.

Running a part alone (``lab.inspect("uptake").run([...])``) uses the *centre of the priors*
(the textbook world), never the sealed values, and costs no budget: reading the parts
teaches the mechanism; only experiments reveal this instance's numbers.
"""

from __future__ import annotations

import inspect as source
import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.core import Grade, SubmissionFormat
from tiltyard.errors import TiltyardError
from tiltyard.kinds.lab.core import LabError, Part, fenced
from tiltyard.kinds.lab.insecticide import chemistry, parameters, pharmacology, populations, scoring
from tiltyard.kinds.lab.insecticide.grading import PRIMARY_METRIC, grade_file
from tiltyard.kinds.lab.insecticide.parameters import INSECTS, SPECIES
from tiltyard.kinds.lab.insecticide.plot import exploration_plot
from tiltyard.kinds.lab.insecticide.simulation import PARAMETERS_FILE, TABLES_FILE, World
from tiltyard.metrics import Metric

TEXTBOOK_SEED = 0  # the networks of the textbook world, for running parts alone


def _scored_by_the_simulator(y_true, y_pred) -> float:
    raise TiltyardError("Selectivity is computed by the insecticide simulator from designs",
                        expected="InsecticideSimulator.grade_file(path)", got="a call with arrays")


class InsecticideSimulator:
    key_column = "canonical_smiles"
    metric = Metric(PRIMARY_METRIC, "Selectivity", "maximize", "values", ("lab",),
                    _scored_by_the_simulator)
    design_format = SubmissionFormat((".smi", ".txt"), "designs (.smi, one SMILES per line)",
                                     "Hand in your designs as a .smi file, one SMILES per line")
    # What a row means: the three kills, the heart, the soil, the score and what it counts
    # (0 when a constraint is broken, and which); descriptors are in export and --json.
    summary_columns = ["smiles", "aphid_mortality", "bee_mortality", "mammal_mortality",
                       "mammal_arrhythmia", "persistence_days", "selectivity_score",
                       "graded_score", "constraint_broken"]

    def __init__(self, world: World):
        self.world = world

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> InsecticideSimulator:
        return cls(World.load(bundle.sealed_file(PARAMETERS_FILE), bundle.sealed_file(TABLES_FILE)))

    def run(self, designs: Sequence[str]) -> pd.DataFrame:
        return self.world.run(designs)

    def parts(self) -> dict[str, Part]:
        return textbook_parts()

    def grade_file(self, path: Path, *, max_bytes: int | None = None) -> Grade:
        return grade_file(self.world, path, max_bytes=max_bytes)

    def exploration_plot(self, measured: pd.DataFrame, designs: pd.DataFrame, path: Path,
                         title: str) -> Path:
        return exploration_plot(measured, designs, path, title=title)


def _parsed(designs: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every design as a row (``smiles``, and RDKit's diagnosis in ``error`` when refused),
    and the descriptors of the valid ones, indexed by their row."""
    batch = chemistry.parse(designs)
    rows = pd.DataFrame({"smiles": batch.smiles, "error": batch.errors})
    features = chemistry.features(batch.valid_molecules())
    features.index = np.flatnonzero(batch.valid)
    return rows, features


class _Textbook:
    """The world at the centre of the priors, built lazily (the networks take a second)."""

    world: World | None = None

    @classmethod
    def get(cls) -> World:
        if cls.world is None:
            cls.world = World.from_seed(TEXTBOOK_SEED, parameters.prior_means())
        return cls.world


def textbook_world() -> World:
    """The world at the centre of the priors: what parts run alone in, and what the brief's
    worked examples are measured in (the same for every instance; nothing sealed)."""
    return _Textbook.get()


def _run_chemistry(designs):
    batch = chemistry.parse(designs)
    features = chemistry.features(batch.valid_molecules())
    features.index = np.flatnonzero(batch.valid)
    frame = pd.DataFrame({"smiles": batch.smiles, "canonical_smiles": batch.canonical,
                          "error": batch.errors, "note": batch.notes})
    return frame.join(features)


def _per_species(designs, compute):
    """One row per design: the part's outputs per species, or why RDKit refused the molecule."""
    out, features = _parsed(designs)
    values = parameters.prior_means()
    for species in SPECIES:
        if not len(features):
            break
        for name, column in compute(features, values, species).items():
            out.loc[features.index, f"{species}_{name}"] = np.asarray(column, dtype=float)
    return out


def _run_ionisation(designs):
    return _per_species(designs, lambda f, v, s: {
        k: x for k, x in pharmacology.ionisation(f, v, s).items() if k in ("cation", "anion", "charged")})


def _run_uptake(designs):
    return _per_species(designs, lambda f, v, s: {
        "uptake": pharmacology.uptake(f, v, s, pharmacology.ionisation(f, v, s))})


def _run_distribution(designs):
    return _per_species(designs, lambda f, v, s: {
        "distribution": pharmacology.distribution(f, v, s, pharmacology.ionisation(f, v, s))})


def _run_metabolism(designs):
    return _per_species(designs, lambda f, v, s: {"clearance": pharmacology.clearance(f, v, s)})


def _run_binding(designs):
    def compute(f, v, species):
        receptor = "insect" if species in INSECTS else "mammal"
        cation = pharmacology.ionisation(f, v, species)["cation"]
        pki = pharmacology.affinity(f, v, receptor, cation, np.zeros(len(f)))
        if species in INSECTS:
            pki = pki + v[f"{species}_receptor_offset"]
        return {"pki_without_roughness": pki,
                "efficacy": pharmacology.efficacy(f, v, receptor, cation)}
    return _per_species(designs, compute)


def _run_exposure(designs):
    world = _Textbook.get()
    return _per_species(designs, lambda f, v, s: {
        "log10_concentration_at_target": world.target_concentration(f, s)["log10_concentration"]})


DRIVE_HINT = ("Run it on drives: `tiltyard lab inspect insecticide-design-v1 network --run 0.1 "
              "--run 0.9`, or lab.inspect('network').run([0.1, 0.9])")


def _run_network(designs):
    """Designs here are drives between 0 and 1 (numbers), not molecules."""
    try:
        drives = np.array([float(d) for d in designs], dtype=np.float32)
    except ValueError as exc:
        raise LabError("The network part takes drives, not molecules",
                       expected="numbers between 0 and 1, e.g. [0.1, 0.5, 0.9]",
                       got=str(list(designs)[:5]), code="bad_drive",
                       hint=DRIVE_HINT) from exc
    if drives.size == 0 or (drives < 0).any() or (drives > 1).any():
        raise LabError("Drives must lie between 0 and 1", expected="0 <= drive <= 1",
                       got=str(drives.tolist()[:5]), code="bad_drive",
                       hint=DRIVE_HINT)
    world = _Textbook.get()
    rows = []
    for species in SPECIES:
        table = world.tables[species]
        per_population = populations.look_up(table.stacked(), np.tile(drives[:, None], (1, table.mortality.shape[0])))
        for i, drive in enumerate(drives):
            rows.append({"species": species, "drive": float(drive),
                         **{o: float(per_population[i, :, k].mean()) for k, o in enumerate(populations.OUTCOMES)},
                         "quirk_populations": int(table.quirk.sum()),
                         "resistant_populations": int(table.resistant.sum())})
    return pd.DataFrame(rows)


def _run_persistence(designs):
    out, features = _parsed(designs)
    if len(features):
        out.loc[features.index, "persistence_days"] = pharmacology.persistence_days(
            features, parameters.prior_means())
    return out


def _run_score(designs):
    results = _Textbook.get().run(designs)
    return results[["smiles", "error", "aphid_mortality", "bee_mortality", "mammal_mortality",
                    "mammal_arrhythmia", "persistence_days", "selectivity_score", "graded_score",
                    "constraint_broken"]]


def _code(*objects) -> str:
    return "\n\n".join(source.getsource(o) for o in objects)


def _docs(*objects) -> str:
    """Docstrings as markdown: the first line as prose, the rest (aligned formulas) fenced."""
    blocks = []
    for o in objects:
        first, _, rest = (o.__doc__ or "").strip().partition("\n")
        rest = textwrap.dedent(rest).strip("\n")
        blocks.append(first + (f"\n\n{fenced(rest)}" if rest.strip() else ""))
    return "\n\n".join(blocks)


def textbook_parts() -> dict[str, Part]:
    def priors(part: str) -> pd.DataFrame:
        """The part's priors, the unit beside the prior (the name keeps room in a terminal)."""
        table = parameters.priors_table(part)
        if not len(table):
            return table
        table["prior"] = (table["prior"] + " " + table["unit"]).str.strip()
        return table.drop(columns=["part", "unit"])  # the page names the part
    return {
        "chemistry": Part(
            "chemistry", "SMILES to a diagnosis or descriptors and pharmacophore flags (RDKit)",
            "Limits: " + chemistry.LIMITS_TEXT + "\n\nPharmacophores (SMARTS):\n\n" + "\n".join(
                f"- {k}: `{v}`" for k, v in chemistry.PHARMACOPHORE_SMARTS.items()),
            priors("chemistry"), _code(chemistry.parse, chemistry.descriptors, chemistry.pharmacophores),
            _run_chemistry),
        "ionisation": Part("ionisation", "charged share at body pH, per species",
                           _docs(pharmacology.ionisation), priors("ionisation"),
                           _code(pharmacology.ionisation), _run_ionisation),
        "exposure": Part("exposure", "field exposure times uptake times distribution: the free "
                         "concentration at the target before metabolism",
                         "log10 C = log10_exposure_<species> + log10(uptake * distribution)",
                         priors("exposure"), _code(World.target_concentration), _run_exposure),
        "uptake": Part("uptake", "share of the exposure entering the body (phloem, cuticle, gut)",
                       _docs(pharmacology.uptake), priors("uptake"), _code(pharmacology.uptake),
                       _run_uptake),
        "distribution": Part("distribution", "share reaching the target circuit (CNS sheath, "
                             "blood-brain barrier, protein binding)", _docs(pharmacology.distribution),
                             priors("distribution"), _code(pharmacology.distribution), _run_distribution),
        "metabolism": Part("metabolism", "clearance by enzymes whose expression varies by population",
                           _docs(pharmacology.clearance), priors("metabolism"),
                           _code(pharmacology.clearance), _run_metabolism),
        "binding": Part("binding", "affinity (pKi) and efficacy at insect and mammalian nicotinic receptors",
                        _docs(pharmacology.affinity, pharmacology.efficacy, pharmacology.occupancy),
                        priors("binding"),
                        _code(pharmacology.affinity, pharmacology.efficacy, pharmacology.occupancy),
                        _run_binding),
        "network": Part("network", "500 populations x 1,000 model neurons per species; "
                        "mortality, paralysis and arrhythmia against drive (run it on drives 0-1)",
                        populations.__doc__, priors("network"),
                        _code(populations.build_circuits, populations.settle, populations.tabulate),
                        _run_network),
        "persistence": Part("persistence", "soil half-life", _docs(pharmacology.persistence_days),
                            priors("persistence"), _code(pharmacology.persistence_days), _run_persistence),
        "score": Part("score", "the selectivity score and the constraints a final design must meet",
                      scoring.SCORE_TEXT, priors("score"), _code(scoring.selectivity_score,
                                                                 scoring.constraint_broken), _run_score),
    }
