"""Labs: simulators learners query under a budget of experiments.

``open_lab(challenge_id)`` gives a :class:`~tiltyard.labs.core.Lab`; the functions below are
what the CLI commands ``tiltyard lab query | export | inspect`` call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.labs.core import Lab, LabError, MemoryQueryLog, Part, read_designs, simulator_class

__all__ = ["Lab", "LabError", "Part", "QueryOutcome", "export_queries", "grade_lab_file",
           "inspect_part", "lab_for_bundle", "open_lab", "query_file", "save_exploration_plot"]


@lru_cache(maxsize=4)
def _simulator(root: str, bundle_hash: str, name: str):
    # Keyed by hash: a rebuilt bundle loads its new sealed world.
    return simulator_class(name).from_bundle(Bundle(Path(root)))


def _lab_section(bundle: Bundle) -> dict:
    manifest = bundle.manifest
    if manifest.kind != "lab" or not manifest.lab:
        raise LabError(f"{manifest.id} is a {manifest.kind} challenge, not a lab",
                       expected="a lab challenge such as insecticide-design-v1", got=manifest.kind,
                       hint="List labs with `tiltyard challenges`", code="not_a_lab")
    return manifest.lab


def lab_for_bundle(bundle: Bundle, owner: str | None = None, *, in_memory: bool = False) -> Lab:
    """A Lab on this bundle; queries go to the store unless ``in_memory`` (tests, dry runs)."""
    section = _lab_section(bundle)
    simulator = _simulator(str(bundle.root), bundle.hash, section["simulator"])
    if in_memory:
        log = MemoryQueryLog()
    else:
        from tiltyard.config import get_settings
        from tiltyard.labs.records import StoreQueryLog

        log = StoreQueryLog(bundle.manifest.id, bundle.hash, owner or get_settings().owner)
    return Lab(bundle.manifest.id, simulator, log, bundle.manifest.budget.experiments or 0)


def open_lab(challenge_id: str, owner: str | None = None) -> Lab:
    """``lab = open_lab("insecticide-design-v1")``: builds the bundle on first use."""
    from tiltyard.challenges.registry import get_bundle

    return lab_for_bundle(get_bundle(challenge_id), owner)


@dataclass(frozen=True)
class QueryOutcome:
    results: pd.DataFrame
    charged: int
    used: int
    budget: int

    @property
    def remaining(self) -> int:
        return max(self.budget - self.used, 0)


def query_file(challenge_id: str, path: Path, owner: str | None = None) -> QueryOutcome:
    """`tiltyard lab query ID molecules.smi`: measure the file's molecules, store the query."""
    designs = read_designs(Path(path))
    lab = open_lab(challenge_id, owner)
    results = lab.query(designs)
    return QueryOutcome(results, int(results["charged"].sum()), lab.used, lab.budget)


def export_queries(challenge_id: str, parquet: Path | None = None,
                   owner: str | None = None) -> pd.DataFrame:
    """`tiltyard lab export ID [--parquet PATH]`: every stored row; written to Parquet if asked."""
    frame = open_lab(challenge_id, owner).export()
    if parquet is not None:
        parquet = Path(parquet)
        parquet.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(parquet, index=False)
    return frame


def inspect_part(challenge_id: str, part: str | None = None,
                 run_on: list[str] | None = None) -> str | pd.DataFrame:
    """`tiltyard lab inspect ID [PART] [--run SMILES ...]`: the list of parts, one part's
    text, or (with ``run_on``) that part run alone on the given molecules or drives."""
    lab = open_lab(challenge_id)
    shown = lab.inspect(part)
    if run_on is None or part is None:
        return str(shown)
    return shown.run(run_on)


def grade_lab_file(bundle: Bundle, path: Path, *, max_bytes: int | None = None):
    """What `tiltyard submit` calls for a lab bundle; returns a LabGrade (same fields as Grade)."""
    section = _lab_section(bundle)
    if section["simulator"] != "insecticide":
        raise LabError(f"No grader for lab {section['simulator']!r}", code="unknown_lab")
    from tiltyard.labs.insecticide.grading import grade_file

    world = _simulator(str(bundle.root), bundle.hash, section["simulator"]).world
    return grade_file(world, Path(path), max_bytes=max_bytes)


def save_exploration_plot(bundle: Bundle, designs: pd.DataFrame, path: Path,
                          owner: str | None = None) -> Path:
    """The plot saved beside a lab report: everything this owner measured, and the designs
    (``LabGrade.designs``) as stars."""
    from tiltyard.labs.insecticide.plot import exploration_plot

    measured = lab_for_bundle(bundle, owner).export()
    return exploration_plot(measured, designs, Path(path), title=bundle.manifest.id)
