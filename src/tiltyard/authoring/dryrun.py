"""``tiltyard author corrupt``: the dry run of the ``[[corrupt]]`` recipe — what each step does
to each split, a few cells before and after, and whether the mess has teeth (how much a model
trained on the messy files loses against the same model on the clean ones)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from threadpoolctl import threadpool_limits

from tiltyard.authoring.spec import AuthoringError
from tiltyard.kinds.table.builder import TableSpec, dictionary_columns
from tiltyard.metrics import get_metric

EXAMPLES = 3


@dataclass(frozen=True)
class StepSummary:
    number: int
    op: str
    says: str  # the brief's sentence, or "(not disclosed)"
    cells: dict[str, int]  # split -> cells changed
    rows_added: dict[str, int]
    rows_removed: dict[str, int]
    columns_added: list[str]
    examples: list[tuple[str, str, str, str]]  # split, column, before, after


@dataclass(frozen=True)
class DryRun:
    steps: list[StepSummary]
    encodings: dict[str, str]
    naive: float | None
    oracle: float | None
    metric: str

    @property
    def quiet(self) -> list[StepSummary]:
        return [s for s in self.steps if not (sum(s.cells.values()) or sum(s.rows_added.values())
                                              or sum(s.rows_removed.values()) or s.columns_added)]


def corrupted_splits(spec: TableSpec, folder: Path):
    """The recipe applied exactly as the build applies it (clean copy written, read back)."""
    from tiltyard.kinds.table.corruption.apply import apply_recipe, read_clean, write_clean

    frame = spec.load()
    mask = spec.test_mask(frame)
    write_clean({"train": frame.loc[~mask].reset_index(drop=True),
                 "test": frame.loc[mask].reset_index(drop=True)}, folder)
    return apply_recipe(spec.recipe, read_clean(folder), spec.seed)


def _summaries(corrupted) -> list[StepSummary]:
    log, steps = corrupted.log, corrupted.recipe.steps
    summaries = []
    for number, step in enumerate(steps):
        entries = log[log["step"] == number]

        def count(change: str, entries=entries) -> dict[str, int]:
            part = entries[entries["change"] == change]
            return {name: int((part["split"] == name).sum()) for name in ("train", "test")}

        cells = entries[entries["change"] == "cell"]
        examples = [(r.split, r.column, str(r.before), str(r.after)) for r in cells.head(EXAMPLES).itertuples()]
        summaries.append(StepSummary(
            number=number + 1, op=step.op, says=step.describe() if step.disclosed else "(not disclosed)",
            cells=count("cell"), rows_added=count("row_added"), rows_removed=count("row_removed"),
            columns_added=sorted(entries.loc[entries["change"] == "column_added", "column"].unique().tolist()),
            examples=examples))
    return summaries


def teeth(spec: TableSpec, corrupted, folder: Path) -> tuple[float, float]:
    """The boosted rung's test score trained on the messy files, and on the clean data."""
    from tiltyard.kinds.table.baselines import ladder, predict_for_metric
    from tiltyard.kinds.table.corruption.apply import write_public_files
    from tiltyard.kinds.table.messy import read_public_csv

    task, metric = spec.task, get_metric(spec.metric.primary)
    write_public_files(corrupted, folder / "public")
    messy = {name: read_public_csv(folder / "public" / f"{name}.csv") for name in ("train", "test")}
    answers = corrupted.splits["test"][[task.id_column, task.target]]
    scores = []
    for train, test in ((messy["train"], messy["test"]), (corrupted.clean["train"], corrupted.clean["test"])):
        columns = dictionary_columns(spec, {"train": train})
        rung = ladder(task, metric, train, columns)[-1]
        model = rung.make().fit(train.drop(columns=[task.target]), train[task.target])
        rows = test.set_index(task.id_column).reindex(answers[task.id_column]).reset_index()
        rows = rows[rows[task.id_column].isin(test[task.id_column])]
        truth = answers.set_index(task.id_column).loc[rows[task.id_column], task.target]
        predicted = predict_for_metric(model, rows, task, metric)
        scores.append(_score(metric, task, truth, predicted))
    return scores[0], scores[1]


def _score(metric, task, truth: pd.Series, predicted: pd.DataFrame) -> float:
    import numpy as np

    if task.type == "regression":
        return metric(truth.to_numpy(float), predicted[task.target].to_numpy(float))
    labels = truth.astype(str).to_numpy()
    if task.type == "binary":
        y = (labels == task.positive_label).astype(int)
        values = predicted[task.target].to_numpy()
        if not metric.needs_proba:
            values = (values.astype(str) == task.positive_label).astype(int)
        return metric(y, values)
    y = np.array([task.classes.index(v) for v in labels])
    if metric.needs_proba:
        return metric(y, predicted[task.classes].to_numpy())
    return metric(y, np.array([task.classes.index(v) for v in predicted[task.target].astype(str)]))


def dry_run(spec: TableSpec, *, with_teeth: bool = True) -> DryRun:
    if spec.recipe is None:
        raise AuthoringError("author.toml has no recipe", expected="[[corrupt]] steps", got="none",
                             hint="Add [[corrupt]] tables (see the example at the end of author.toml)")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        corrupted = corrupted_splits(spec, folder / "clean")
        with threadpool_limits(limits=1):  # small fits: threads only contend
            naive, oracle = teeth(spec, corrupted, folder) if with_teeth else (None, None)
    return DryRun(_summaries(corrupted), dict(corrupted.encodings), naive, oracle, spec.metric.primary)
