"""The damage a messy challenge's predictions still trip on, for its grade: from the sealed
log, the public test rows each operator touched; the coach compares the error there with the
error on the rows it left alone. Public rows only, like every chart of a grade."""

from __future__ import annotations

import tomllib

import numpy as np
import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.coach.corruption import Damage, row_errors, trips
from tiltyard.core import ReportSection
from tiltyard.kinds.table.corruption.apply import read_log
from tiltyard.kinds.table.corruption.edit import CELL, ROW_ADDED
from tiltyard.kinds.table.corruption.registry import OPERATORS

LOG = "corruption_log.parquet"  # in sealed/, beside the clean copy in sealed/clean/
RECIPE = "recipe.toml"  # sealed: the seed, the column types and the [[corrupt]] steps
SECTION = "corruption"


def undisclosed_steps(recipe: dict) -> set[int]:
    """Positions (0-based, as in the log) of the steps the brief does not tell about."""
    return {i for i, step in enumerate(recipe.get("corrupt", [])) if step.get("disclosed", True) is False}


def damage_on(log: pd.DataFrame, ids: np.ndarray, hidden: set[int] = frozenset()) -> list[Damage]:
    """One Damage per operator that changed a cell of (or added) a row among ``ids``. Columns
    an operator added are left out: a column added to every row leaves none to compare with.
    Damage from a step in ``hidden`` is named only when the predictions trip on it."""
    entries = log[(log["split"] == "test") & log["change"].isin([CELL, ROW_ADDED])]
    ids = np.asarray(ids).astype(str)
    damages = []
    for op, part in entries.groupby("op", sort=True):
        columns = sorted(part.loc[part["change"] == CELL, "column"].unique())
        what = op.replace("_", " ")
        label = f"{what} in {', '.join(f'`{c}`' for c in columns)}" if columns else f"{what} (added rows)"
        operator = OPERATORS[op]
        damages.append(Damage(op=op, label=label, lesson=operator.lesson, next_steps=operator.repairs,
                              touched=np.isin(ids, part["row"].astype(str).unique()),
                              disclosed=not hidden.intersection(part["step"].tolist())))
    return damages


def sealed_damage(bundle: Bundle, ids: np.ndarray) -> list[Damage] | None:
    """The damage among the test rows ``ids``, from a bundle's sealed log and recipe; None when
    the bundle has no log (a clean challenge)."""
    files = {entry.path for entry in bundle.manifest.files}
    if f"sealed/{LOG}" not in files:
        return None
    hidden = set()
    if f"sealed/{RECIPE}" in files:
        hidden = undisclosed_steps(tomllib.loads(bundle.sealed_file(RECIPE).read_text(encoding="utf-8")))
    return damage_on(read_log(bundle.sealed_file(LOG)), ids, hidden)


def corruption_section(damages: list[Damage], task_type: str, needs_proba: bool, y_true: np.ndarray,
                       values: np.ndarray) -> ReportSection | None:
    if not damages:
        return None
    errors, what = row_errors(task_type, needs_proba, y_true, values)
    findings, comparisons = trips(errors, damages, what)
    disclosed = {d.op for d in damages if d.disclosed}
    comparisons = [c for c in comparisons if c.trips or c.op in disclosed]  # a secret kept while handled
    if not comparisons:
        return None
    return ReportSection(kind="table", name=SECTION, title="Damage your predictions trip on (public rows)",
                         data={"what": what, "findings": [f.to_dict() for f in findings],
                               "comparisons": [c.as_dict() for c in comparisons]})


def corruption_line(data: dict) -> str:
    tripped = [c for c in data["comparisons"] if c["trips"]]
    handled = [c["label"] for c in data["comparisons"] if not c["trips"]]
    if not tripped:
        return f"Damage: no clear trip on the public rows ({', '.join(handled)} handled as well as clean rows)"
    parts = [f"{c['label']} ({data['what']} {c['error']:.3f} vs {c['other_error']:.3f}, "
             f"95% {c['low']:+.3f} to {c['high']:+.3f})" for c in tripped]
    lessons = sorted({f["lesson"] for f in data["findings"]})
    return (f"Damage your predictions still trip on: {'; '.join(parts)}. "
            f"Read: {', '.join(f'tiltyard lessons {lesson}' for lesson in lessons)}")
