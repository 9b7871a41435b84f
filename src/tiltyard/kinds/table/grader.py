"""The grader: the only code that reads a table challenge's sealed answers."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Task
from tiltyard.core import Grade, ReportSection
from tiltyard.kinds.table.cleaning import CLEANING, cleaning_section
from tiltyard.kinds.table.diagnostics import chart_data
from tiltyard.kinds.table.validation import read_predictions
from tiltyard.metrics import Metric, get_metric

ANSWERS = "answers.csv"
SPLIT_COLUMN = "split"


@dataclass(frozen=True)
class Answers:
    ids: np.ndarray
    y_true: np.ndarray  # encoded as the metrics expect
    public: np.ndarray  # boolean mask
    labels: frozenset[str] = frozenset()  # the distinct labels as written (classification)


def encode_target(values: pa.ChunkedArray, task: Task) -> np.ndarray:
    """Labels as the metrics want them: 0/1 for binary, class index for multiclass."""
    if task.type == "regression":
        return values.to_numpy().astype(np.float64)
    labels = values.cast(pa.string())
    if task.type == "binary":
        return pc.equal(labels, task.positive_label).to_numpy(zero_copy_only=False).astype(np.int64)
    return pc.index_in(labels, value_set=pa.array(task.classes)).to_numpy(zero_copy_only=False).astype(np.int64)


class Grader:
    """Grades predictions files for one table bundle. Answers are read once and kept."""

    def __init__(self, bundle: Bundle):
        manifest = bundle.manifest
        self.bundle = bundle
        self.task: Task = manifest.task
        self.metrics: list[Metric] = [get_metric(n) for n in
                                      [manifest.metric.primary, *manifest.metric.secondary]]
        self.primary = self.metrics[0]

    @cached_property
    def answers(self) -> Answers:
        task = self.task
        types = {SPLIT_COLUMN: pa.string()}
        if task.type != "regression":
            types[task.target] = pa.string()
        table = pa_csv.read_csv(self.bundle.sealed_file(ANSWERS),
                                convert_options=pa_csv.ConvertOptions(column_types=types))
        ids = table.column(task.id_column).to_numpy(zero_copy_only=False)
        public = pc.equal(table.column(SPLIT_COLUMN), "public").to_numpy(zero_copy_only=False)
        target = table.column(task.target)
        labels = frozenset() if task.type == "regression" else \
            frozenset(pc.unique(target.cast(pa.string())).to_pylist())
        return Answers(ids=np.asarray(ids), y_true=encode_target(target, task), public=public,
                       labels=labels)

    def grade_file(self, path: Path, *, max_bytes: int) -> Grade:
        """Validate and score; raises SubmissionError with a precise reason on bad input."""
        answers = self.answers
        started = time.perf_counter()
        predictions = read_predictions(path, self.task, self.primary, answers.ids,
                                       max_bytes=max_bytes)
        validated = time.perf_counter()
        public, private = self.score(predictions.values)
        # Public rows only: nothing in a report may tell about the private split.
        charts = chart_data(self.task, self.primary, answers.y_true[answers.public],
                            predictions.values[answers.public])
        sections = [ReportSection(kind="table", name="diagnostics", title="Diagnostics (public rows)",
                                  data=charts)] if charts else []
        if self.cleaning is not None:
            sections.append(cleaning_section(self.cleaning, private[self.primary.name]))
        if self.damage:
            from tiltyard.kinds.table.corruption.trips import corruption_section

            trips = corruption_section(self.damage, self.task.type, self.primary.needs_proba,
                                       answers.y_true[answers.public], predictions.values[answers.public])
            sections += [trips] if trips else []
        return Grade(public_scores=public, private_scores=private, warnings=predictions.warnings,
                     sections=sections, read_and_validate_s=validated - started,
                     score_s=time.perf_counter() - validated)

    @cached_property
    def cleaning(self) -> dict | None:
        """The naive and clean-oracle rungs of a messy challenge (None for a clean one)."""
        if not any(e.path == f"sealed/{CLEANING}" for e in self.bundle.manifest.files):
            return None
        return json.loads(self.bundle.sealed_file(CLEANING).read_text(encoding="utf-8"))

    @cached_property
    def damage(self) -> list | None:
        """A messy challenge's damage on the public test rows (None for a clean challenge)."""
        from tiltyard.kinds.table.corruption.trips import sealed_damage

        return sealed_damage(self.bundle, self.answers.ids[self.answers.public])

    def score(self, values: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        """Scores of predictions already in answer order, on the public and private rows."""
        answers = self.answers
        splits = []
        for mask in (answers.public, ~answers.public):
            splits.append({m.name: m(answers.y_true[mask], values[mask]) for m in self.metrics})
        return splits[0], splits[1]
