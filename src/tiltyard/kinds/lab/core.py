"""The lab contract shared by every simulator: query, budget, sealed parameters.

A *simulator* turns a batch of designs into one result row per design, and can show its
parts (equations, priors, code) and run one part alone. A :class:`Lab` wraps a simulator
for one learner: it counts designs against the budget and stores every query before
returning it, so nothing measured is ever lost.

Budget rules (the same for every lab): a design is charged once, the first time it is
measured; a design RDKit (or the lab) refuses costs nothing; asking again for a design
already measured returns the stored row for free. A batch that would overrun the budget is
refused whole, before anything is stored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.core import Grade, SubmissionFormat
from tiltyard.errors import TiltyardError, did_you_mean
from tiltyard.metrics import Metric

MAX_BATCH_DESIGNS = 5_000
# Simulators are entry points in this group, named as a bundle's [lab] section names them.
SIMULATORS = "tiltyard.lab_simulators"


class LabError(TiltyardError):
    """A lab refused a request (bad batch, budget spent, unknown part)."""

    code = "lab"


@dataclass(frozen=True)
class Part:
    """One readable, runnable piece of a simulation."""

    name: str
    summary: str
    equations: str
    priors: pd.DataFrame
    code: str
    run: Callable[[Sequence[str]], pd.DataFrame]

    def __str__(self) -> str:
        """Markdown: the priors as a table and the code fenced, so a terminal (rich) and a
        notebook show them as a table and as code, not as run-on paragraphs."""
        lines = [f"# {self.name}", "", self.summary, "", "## Equations", "",
                 (self.equations or "").strip()]
        if len(self.priors):
            lines += ["", "## Priors (the drawn values are sealed)", "", markdown_table(self.priors)]
        lines += ["", "## Code", "", fenced(self.code.rstrip(), "python"), "",
                  f"Run it alone: `lab.inspect({self.name!r}).run(['CCO', ...])`"]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return str(self)


def markdown_table(frame: pd.DataFrame) -> str:
    """A pipe table (GitHub-flavoured markdown) of every row and column, cells on one line."""
    def cell(value) -> str:
        text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
        return " ".join(text.split()).replace("|", "\\|")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def fenced(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


TINY = 1e-4


def readable(value: float) -> str:
    """0.0467, 23.7, 1,234, "< 0.0001"; scientific only for the huge (every digit is in
    `tiltyard lab export` and --json)."""
    if pd.isna(value):
        return ""
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value:.2g}"
    if abs(value) < TINY:
        return "< 0.0001" if value > 0 else "> -0.0001"
    return _figure(value)


def _figure(value: float) -> str:
    decimals = max(0, min(4, 2 - math.floor(math.log10(abs(value))))) if value else 0
    return f"{value:,.{decimals}f}"


class Simulator(Protocol):
    """What a lab needs of a simulation: everything particular to one simulator lives in it."""

    key_column: ClassVar[str]  # identifies a design once normalised (canonical SMILES)
    metric: ClassVar[Metric]  # how final designs are scored
    design_format: ClassVar[SubmissionFormat]  # what a query or a final submission is written in
    summary_columns: ClassVar[list[str]]  # what a person reads first in a result table

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> Simulator:
        """The simulator of one lab instance, its sealed parameters loaded."""

    def run(self, designs: Sequence[str]) -> pd.DataFrame:
        """One row per design, in order, with a boolean ``valid`` and an ``error`` column."""

    def parts(self) -> dict[str, Part]: ...

    def grade_file(self, path: Path, *, max_bytes: int | None) -> Grade:
        """Score final designs on the sealed world; ``Grade.evidence`` is the design table."""

    def exploration_plot(self, measured: pd.DataFrame, designs: pd.DataFrame, path: Path,
                         title: str) -> Path: ...


@dataclass
class StoredQuery:
    id: int
    created_at: datetime
    designs: int
    charged: int
    rows: list[dict]


class QueryLog(Protocol):
    """Where a lab keeps its queries (the store's ``lab_queries`` table, or memory in tests)."""

    def used(self) -> int: ...

    def append(self, designs: int, charged: int, rows: list[dict]) -> StoredQuery: ...

    def queries(self) -> list[StoredQuery]: ...


@dataclass
class MemoryQueryLog:
    """A query log that lives as long as the Python object: for tests and dry runs."""

    stored: list[StoredQuery] = field(default_factory=list)

    def used(self) -> int:
        return sum(q.charged for q in self.stored)

    def append(self, designs: int, charged: int, rows: list[dict]) -> StoredQuery:
        query = StoredQuery(len(self.stored) + 1, datetime.now(UTC), designs, charged, rows)
        self.stored.append(query)
        return query

    def queries(self) -> list[StoredQuery]:
        return list(self.stored)


def rows_as_records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe records (NaN becomes null) so the store and the export agree exactly."""
    return json.loads(frame.to_json(orient="records", double_precision=15))


def read_designs(path: Path) -> list[str]:
    """Designs from a text file: one per line; a line starting with '#' is a comment ('#'
    inside a SMILES is a triple bond); a SMILES may be followed by whitespace and a name,
    which is dropped."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"No file at {path}", expected="a text file with one design per line",
                       got="nothing there", hint="Check the path", code="file_not_found")
    designs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text and not text.startswith("#"):
            designs.append(text.split()[0])
    if not designs:
        raise LabError(f"{path} holds no designs", expected="at least one SMILES line",
                       got="an empty file (or only comments)",
                       hint="Write one SMILES per line, e.g. CN1CCC[C@H]1c1cccnc1",
                       code="empty_batch")
    return designs


class Lab:
    """One learner's bench: ``lab.query([...])``, ``lab.export()``, ``lab.inspect(part)``."""

    def __init__(self, challenge_id: str, simulator: Simulator, log: QueryLog, budget: int):
        self.challenge_id = challenge_id
        self.simulator = simulator
        self.log = log
        self.budget = budget

    def __repr__(self) -> str:
        return (f"<Lab {self.challenge_id}: {self.used} of {self.budget} experiments used, "
                f"{self.remaining} left>")

    @property
    def used(self) -> int:
        return self.log.used()

    @property
    def remaining(self) -> int:
        return max(self.budget - self.used, 0)

    def query(self, designs: Sequence[str] | str | Path) -> pd.DataFrame:
        """Measure a batch; returns one row per design, in order, and stores the query."""
        designs = self._as_batch(designs)
        results = self.simulator.run(designs)
        key = self.simulator.key_column
        measured_before = {row[key] for q in self.log.queries() for row in q.rows if row.get(key)}
        new_keys = set(results.loc[results["valid"], key]) - measured_before
        charged = len(new_keys)
        if charged > self.remaining:
            raise LabError(
                f"This batch needs {charged} new experiments but {self.remaining} of the "
                f"budget of {self.budget} remain",
                expected=f"at most {self.remaining} new valid designs", got=f"{charged}",
                hint="Query fewer designs; invalid or already-measured designs cost nothing",
                code="budget_exceeded")
        results.insert(0, "charged", results[key].isin(new_keys)
                       & ~results[key].duplicated(keep="first"))
        stored = self.log.append(len(designs), charged, rows_as_records(results))
        results.insert(0, "query_id", stored.id)
        return results

    def export(self) -> pd.DataFrame:
        """Every row of every stored query, oldest first, ready for a surrogate model."""
        frames = []
        for q in self.log.queries():
            frame = pd.DataFrame.from_records(q.rows)
            frame.insert(0, "queried_at", pd.Timestamp(q.created_at))
            frame.insert(0, "query_id", q.id)
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["query_id", "queried_at", "charged", "smiles", "valid"])
        return pd.concat(frames, ignore_index=True)

    def inspect(self, part: str | None = None) -> Part | str:
        """A part of the simulation (equations, priors, code, ``.run``), or the list of parts."""
        parts = self.simulator.parts()
        if part is None:
            width = max(map(len, parts))
            return "\n".join(f"{name.ljust(width)}  {p.summary}" for name, p in parts.items())
        if part not in parts:
            raise LabError(f"The lab has no part {part!r}", expected=", ".join(parts), got=part,
                           hint=did_you_mean(part, parts, cutoff=0.6) or "Call lab.inspect() to list them",
                           code="unknown_part")
        return parts[part]

    def _as_batch(self, designs: Sequence[str] | str | Path) -> list[str]:
        suffixes = (*self.simulator.design_format.suffixes, ".csv")
        if isinstance(designs, Path) or (isinstance(designs, str) and Path(designs).suffix
                                         in suffixes and Path(designs).is_file()):
            return read_designs(Path(designs))
        if isinstance(designs, str):
            designs = [designs]
        designs = [str(d) for d in designs]
        if not designs:
            raise LabError("The batch is empty", expected="at least one design",
                           got="an empty list", code="empty_batch")
        if len(designs) > MAX_BATCH_DESIGNS:
            raise LabError(f"A batch holds at most {MAX_BATCH_DESIGNS} designs",
                           expected=f"<= {MAX_BATCH_DESIGNS}", got=str(len(designs)),
                           hint="Split it into several queries", code="batch_too_large")
        return designs


@cache
def _simulators() -> dict[str, Any]:
    return {point.name: point for point in entry_points(group=SIMULATORS)}


@cache
def simulator_class(name: str) -> type[Simulator]:
    points = _simulators()
    if name not in points:
        raise LabError(f"No simulator named {name!r}", expected="one of " + ", ".join(sorted(points)),
                       got=name, code="unknown_lab", hint=did_you_mean(name, points)
                       or f"The bundle's [lab] section names its simulator (entry points {SIMULATORS!r})")
    return points[name].load()


def reload_simulators() -> None:
    """Forget what was loaded (tests that install a simulator at run time)."""
    _simulators.cache_clear()
    simulator_class.cache_clear()
