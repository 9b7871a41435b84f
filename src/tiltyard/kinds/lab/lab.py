"""Labs for a learner: ``open_lab(challenge_id)`` gives a :class:`~tiltyard.kinds.lab.core.Lab`;
the functions below are what ``tiltyard lab query | export | inspect`` call."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.registry import get_bundle
from tiltyard.config import get_settings
from tiltyard.kinds.lab import KIND, LabSection
from tiltyard.kinds.lab.core import Lab, LabError, MemoryQueryLog, Simulator, read_designs, simulator_class
from tiltyard.kinds.lab.records import StoreQueryLog


def lab_section(bundle: Bundle) -> LabSection:
    manifest = bundle.manifest
    if manifest.kind != "lab" or not manifest.section:
        raise LabError(f"{manifest.id} is a {manifest.kind} challenge, not a lab",
                       expected="a lab challenge such as insecticide-design-v1", got=manifest.kind,
                       hint="List labs with `tiltyard challenges`", code="not_a_lab")
    return KIND.section(manifest)  # the kind's own parse: a broken section says what is wrong


@lru_cache(maxsize=4)
def _simulator(root: str, bundle_hash: str, name: str) -> Simulator:
    # Keyed by hash: a rebuilt bundle loads its new sealed world.
    return simulator_class(name).from_bundle(Bundle(Path(root)))


def simulator_for(bundle: Bundle) -> Simulator:
    return _simulator(str(bundle.root), bundle.hash, lab_section(bundle).simulator)


def lab_for_bundle(bundle: Bundle, owner: str | None = None, *, in_memory: bool = False) -> Lab:
    """A Lab on this bundle; queries go to the store unless ``in_memory`` (tests, dry runs)."""
    simulator = simulator_for(bundle)
    log = MemoryQueryLog() if in_memory else \
        StoreQueryLog(bundle.manifest.id, bundle.hash, owner or get_settings().owner)
    return Lab(bundle.manifest.id, simulator, log, bundle.manifest.budget.experiments or 0)


def open_lab(challenge_id: str, owner: str | None = None) -> Lab:
    """``lab = open_lab("insecticide-design-v1")``: builds the bundle on first use."""
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
    """`tiltyard lab query ID FILE`: measure the file's designs, store the query."""
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
    """`tiltyard lab inspect ID [PART] [--run DESIGN ...]`: the list of parts, one part's
    text, or (with ``run_on``) that part run alone on the given designs."""
    lab = open_lab(challenge_id)
    shown = lab.inspect(part)
    if run_on is None or part is None:
        return str(shown)
    return shown.run(run_on)


def save_exploration_plot(bundle: Bundle, designs: pd.DataFrame, path: Path,
                          owner: str | None = None) -> Path:
    """The plot saved beside a lab report: everything this owner measured, and the final
    designs (``Grade.evidence``)."""
    measured = lab_for_bundle(bundle, owner).export()
    return simulator_for(bundle).exploration_plot(measured, designs, Path(path), title=bundle.manifest.id)
