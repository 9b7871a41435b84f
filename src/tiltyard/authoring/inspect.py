"""``tiltyard author inspect``: a profile of the author's data, and what the checker would
refuse once it is a bundle — before anything is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from tiltyard.authoring.build import Authored, recipe_for
from tiltyard.authoring.spec import TODO_WORD
from tiltyard.authoring.split import test_mask
from tiltyard.kinds.table import screening
from tiltyard.kinds.table.builder import independent_seeds

Severity = Literal["refused", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: str  # the checker's id that would refuse it, or the kind of warning
    message: str


@dataclass
class Inspection:
    profile: pd.DataFrame
    rows: int
    train_rows: int
    test_rows: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def refused(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "refused"]


def profile(authored: Authored) -> pd.DataFrame:
    frame, spec = authored.frame, authored.spec
    rows = []
    for name in frame.columns:
        values = frame[name]
        entry = spec.columns.get(name)
        rows.append({"column": name, "type": entry.type if entry else "id", "missing": int(values.isna().sum()),
                     "distinct": int(values.nunique()),
                     "example": "" if values.dropna().empty else str(values.dropna().iloc[0])[:30]})
    return pd.DataFrame(rows)


def inspect(authored: Authored) -> Inspection:
    frame, task, spec = authored.frame, authored.task, authored.spec
    _, stream = independent_seeds(spec.challenge.seed, 2)
    mask = test_mask(frame, spec.split, task, stream)
    train, test = frame.loc[~mask], frame.loc[mask]
    features = [c for c in frame.columns if c not in (task.id_column, task.target)]
    result = Inspection(profile(authored), len(frame), len(train), len(test))
    add = result.findings.append
    for where in spec.unfilled():
        add(Finding("refused", "table.no_todo", f"{where} still says TODO"))
    story = authored.folder / spec.challenge.story
    if not story.is_file() or TODO_WORD.search(story.read_text(encoding="utf-8")):
        add(Finding("refused", "table.no_todo", f"{spec.challenge.story} is missing or still says TODO"))
    for copy in screening.target_copies(frame, task.target):
        add(Finding("refused", "table.no_undeclared_leak", f"{copy} is the target under another name: drop it"))
    declared = {step.get("name") for step in spec.corrupt if step.get("op") == "leakage_column"}
    for leak in screening.leaks(screening.single_column_scores(frame, task, features, seed=spec.challenge.seed)):
        if leak.column not in declared:
            add(Finding("refused", "table.no_undeclared_leak", f"{leak.column} alone scores {leak.what} "
                        f"{leak.score:.3f} in cross-validation: it gives the answer away (known only after "
                        "the outcome?); drop it, or make it a declared leakage_column step"))
    shared = screening.shared_rows(train, test, features)
    if shared and not spec.split.duplicates_across_splits:
        add(Finding("refused", "table.no_shared_rows", f"{shared} test rows repeat a train row: drop the "
                    "repeats, or say why they are real in [split] duplicates_across_splits"))
    repeated = screening.repeated_rows(frame, features)
    if repeated:
        add(Finding("warning", "repeated rows", f"{repeated} rows repeat another row's every feature"))
    for name in screening.constant_columns(frame):
        add(Finding("warning", "constant column", f"{name} holds one value: it teaches nothing; drop it"))
    for name, why in screening.personal_data(frame.drop(columns=[task.id_column])).items():
        add(Finding("warning", "personal data", f"{name} looks like personal data ({why}): publish it only "
                    "if you may"))
    tie = screening.order_tie(authored.original.reset_index(drop=True), task)
    if tie >= screening.ORDER_TIE:
        add(Finding("warning", "row order", f"the file's row order is tied to the target (rank "
                    f"correlation {tie:.2f}): the build redraws the ids and reorders the rows, so the "
                    "bundle will not be, but ask why the file was sorted"))
    if spec.corrupt:
        recipe_for(authored)  # refuses a bad recipe with its own message
    return result
