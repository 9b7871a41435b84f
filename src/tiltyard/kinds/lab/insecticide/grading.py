"""Grading final designs: up to five molecules, scored on the sealed world.

The submission's score is its best design's graded score (a chemist nominates a few
candidates; the best one goes forward). Each design gets its full measured row, the
constraint it broke if any, and a note when it sits close to a known neonicotinoid.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from tiltyard.core import Grade, ReportSection
from tiltyard.errors import SubmissionError
from tiltyard.kinds.lab.core import LabError, read_designs
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS
from tiltyard.kinds.lab.insecticide.simulation import World

MAX_DESIGNS = 5
SIMILARITY_NOTE_THRESHOLD = 0.6
PRIMARY_METRIC = "selectivity"
_morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


# What a person reads first about a final design; every column is in the report.
DESIGN_COLUMNS = ["line", "smiles", "graded_score", "selectivity_score", "aphid_mortality",
                  "bee_mortality", "mammal_mortality", "meets_constraints", "constraint_broken",
                  "similarity_note", "error"]


def designs_section(table: pd.DataFrame) -> ReportSection:
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    return ReportSection(kind="lab", name="designs", title="Your designs",
                         data={"key_columns": [c for c in DESIGN_COLUMNS if c in table], "rows": rows})


def read_final_designs(path: Path, *, max_bytes: int | None = None) -> list[str]:
    path = Path(path)
    if max_bytes is not None and path.is_file() and path.stat().st_size > max_bytes:
        raise SubmissionError(f"{path.name} is {path.stat().st_size} bytes", code="file_too_large",
                              expected=f"at most {max_bytes} bytes", got=str(path.stat().st_size))
    try:
        designs = read_designs(path)
    except LabError as error:
        raise SubmissionError(error.message, expected=error.expected, got=error.got,
                              hint=error.hint, code=error.code) from error
    if len(designs) > MAX_DESIGNS:
        raise SubmissionError(f"{path.name} holds {len(designs)} designs",
                              expected=f"at most {MAX_DESIGNS} final designs, one SMILES per line",
                              got=str(len(designs)),
                              hint="Keep your best five; explore with `tiltyard lab query` instead",
                              code="too_many_designs")
    return designs


def similar_known(smiles: list[str | None]) -> list[str | None]:
    """'close to imidacloprid (Tanimoto 0.71)' for designs at or above the threshold."""
    known = {name: _morgan.GetFingerprint(Chem.MolFromSmiles(s)) for name, s in NEONICOTINOIDS.items()}
    notes = []
    for text in smiles:
        molecule = Chem.MolFromSmiles(text) if text else None
        if molecule is None:
            notes.append(None)
            continue
        fingerprint = _morgan.GetFingerprint(molecule)
        best_name, best = max(((n, DataStructs.TanimotoSimilarity(fingerprint, f))
                               for n, f in known.items()), key=lambda item: item[1])
        notes.append(f"close to {best_name} (Morgan Tanimoto {best:.2f})"
                     if best >= SIMILARITY_NOTE_THRESHOLD else None)
    return notes


def grade_designs(world: World, designs: list[str]) -> pd.DataFrame:
    """Measure final designs on the sealed world; one row per design, best first."""
    results = world.run(designs)
    invalid = results.loc[~results["valid"]]
    if len(invalid):
        row = invalid.index[0]
        raise SubmissionError(f"Design on line {row + 1} is not a valid molecule",
                              expected="a SMILES RDKit accepts, within the lab's limits",
                              got=f"{results.at[row, 'smiles']!r}: {results.at[row, 'error']}",
                              hint="Check it with `tiltyard lab query` first (invalid designs cost nothing)",
                              code="invalid_molecule")
    results.insert(0, "line", np.arange(1, len(results) + 1))
    results["similarity_note"] = similar_known(results["canonical_smiles"].tolist())
    return results.sort_values("graded_score", ascending=False, kind="stable")


def grade_file(world: World, path: Path, *, max_bytes: int | None = None) -> Grade:
    started = time.perf_counter()
    designs = read_final_designs(path, max_bytes=max_bytes)
    validated = time.perf_counter()
    table = grade_designs(world, designs)
    best = float(table["graded_score"].max())
    warnings = [f"line {r.line}: {r.constraint_broken}" for r in table.itertuples()
                if isinstance(r.constraint_broken, str)]
    warnings += [f"line {r.line}: {r.similarity_note}" for r in table.itertuples()
                 if isinstance(r.similarity_note, str)]
    if table["canonical_smiles"].duplicated().any():
        warnings.append("the same molecule appears more than once; it counts once")
    return Grade({PRIMARY_METRIC: best}, {PRIMARY_METRIC: best}, warnings, [designs_section(table)],
                 validated - started, time.perf_counter() - validated, evidence=table)
