"""Read a predictions file and check it against the task, with errors a learner can act on.

The happy path is built for speed (a million rows in well under a second): PyArrow reads
the file, ids in the expected order are recognised with one comparison, and predictions
stay NumPy arrays. Only when something is off do we spend time on a precise diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from tiltyard.challenges.manifest import Task
from tiltyard.errors import SubmissionError, did_you_mean
from tiltyard.metrics import Metric

SHOWN = 5  # how many offending ids or rows an error message quotes


@dataclass
class Predictions:
    """Predictions aligned to the answer ids, encoded for the metrics."""

    values: np.ndarray
    warnings: list[str] = field(default_factory=list)


def _plain(value):
    value = value.item() if isinstance(value, np.generic) else value
    return str(value) if isinstance(value, str) else value


def _few(values) -> str:
    values = list(values)
    shown = ", ".join(repr(_plain(v)) for v in values[:SHOWN])
    return shown + (f", … ({len(values) - SHOWN} more)" if len(values) > SHOWN else "")


def _line(row: int) -> int:
    """File line of a data row (the header is line 1)."""
    return int(row) + 2


def prediction_columns(task: Task, metric: Metric) -> list[str]:
    if task.type == "multiclass" and metric.needs_proba:
        return list(task.classes)
    return [task.target]


def describe_format(task: Task, metric: Metric) -> str:
    columns = prediction_columns(task, metric)
    if task.type == "regression":
        what = f"'{task.target}' holding a number per row"
    elif task.type == "binary" and metric.needs_proba:
        what = f"'{task.target}' holding the probability (0 to 1) that it is {task.positive_label!r}"
    elif metric.needs_proba:
        what = "one column per class (" + ", ".join(columns) + ") holding probabilities"
    else:
        what = f"'{task.target}' holding one of the labels {task.classes}"
    return f"a CSV or Parquet file with columns '{task.id_column}' and {what}"


def read_table(path: Path, *, max_bytes: int, string_columns: list[str]) -> pa.Table:
    size = path.stat().st_size
    if size > max_bytes:
        raise SubmissionError("The submission file is larger than this server accepts",
                              expected=f"at most {max_bytes / 2**20:.0f} MB",
                              got=f"{size / 2**20:.1f} MB",
                              hint="Submit only the id and prediction columns, or raise "
                                   "TILTYARD_MAX_SUBMISSION_MB", code="file_too_large")
    if size == 0:
        raise SubmissionError("The submission file is empty", expected="a header line and one "
                              "row per test id", got="0 bytes", code="empty_file")
    try:
        if path.suffix.lower() == ".parquet":
            return pq.read_table(path)
        with open(path, "rb") as handle:
            header = handle.readline().decode("utf-8", errors="replace").strip().split(",")
        types = {name.strip().strip('"'): pa.string() for name in header
                 if name.strip().strip('"') in string_columns}
        table = pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(
            column_types=types, strings_can_be_null=False))
        table.column_names  # noqa: B018 - Arrow checks the values' UTF-8, not the header's
        return table
    except UnicodeDecodeError as exc:
        raise SubmissionError("The submission's header line is not UTF-8 text",
                              expected="a CSV file in UTF-8 whose first line names the columns",
                              got=f"byte {exc.object[exc.start]:#04x} at position {exc.start} "
                                  "of a column name",
                              hint="Write it with pandas' DataFrame.to_csv(path, index=False)",
                              code="malformed_file") from exc
    except (pa.ArrowInvalid, OSError) as exc:
        detail = str(exc).splitlines()[0][:300]
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        raise SubmissionError(f"The submission is not a readable {kind} file", got=detail,
                              hint="Write it with pandas' DataFrame.to_csv(path, index=False)",
                              code="malformed_file") from exc


def _column(table: pa.Table, name: str, role: str, expected: list[str]) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name)
    same_but_case = [c for c in table.column_names if c.lower() == name.lower()]
    close = did_you_mean(name, table.column_names, cutoff=0.6) or \
        (did_you_mean(same_but_case[0], same_but_case) if same_but_case else None)
    hint = (f"{close} Rename it to {name!r}" if close
            else "Start from public/sample_submission.csv, which has the right columns")
    code = "missing_id_column" if role == "id" else "missing_prediction_column"
    raise SubmissionError(f"The submission has no {role} column {name!r}",
                          expected=f"columns {expected}", got=f"columns {table.column_names}",
                          hint=hint, code=code)


def _ids(column: pa.ChunkedArray, expected_ids: np.ndarray, id_name: str) -> np.ndarray:
    if column.null_count:
        rows = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
        raise SubmissionError(f"{column.null_count} rows have an empty '{id_name}'",
                              expected="an id on every row", got=f"empty ids on lines {_few(map(_line, rows))}",
                              code="missing_ids")
    if pa.types.is_integer(column.type):
        return column.to_numpy()
    values = column.to_numpy(zero_copy_only=False)
    if expected_ids.dtype.kind in "iu":
        try:
            as_float = pc.cast(column, pa.float64()).to_numpy()
        except pa.ArrowInvalid:
            as_text = np.asarray(values, dtype=str)
            bad = [v for v in as_text if not v.strip().lstrip("-").isdigit()]
            raise SubmissionError(f"Column '{id_name}' must hold whole-number ids",
                                  expected="integers like the ones in sample_submission.csv",
                                  got=f"values such as {_few(bad)}", code="wrong_id_type") from None
        if not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)):
            raise SubmissionError(f"Column '{id_name}' must hold whole-number ids",
                                  expected="integers", got=f"{_few(as_float[as_float != np.round(as_float)])}",
                                  code="wrong_id_type")
        return as_float.astype(np.int64)
    return np.asarray(values, dtype=expected_ids.dtype)


def align(ids: np.ndarray, expected_ids: np.ndarray, id_name: str) -> np.ndarray | None:
    """Row order that puts the submission in answer order; None if it already is."""
    if ids.shape == expected_ids.shape and np.array_equal(ids, expected_ids):
        return None
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    repeated = sorted_ids[1:] == sorted_ids[:-1]
    if repeated.any():
        dupes = np.unique(sorted_ids[1:][repeated])
        raise SubmissionError(f"{dupes.size} ids appear more than once in '{id_name}'",
                              expected="each test id exactly once", got=f"repeated ids {_few(dupes)}",
                              hint="Drop duplicate rows before writing the file",
                              code="duplicate_ids")
    missing = np.setdiff1d(expected_ids, sorted_ids, assume_unique=True)
    unknown = np.setdiff1d(sorted_ids, expected_ids, assume_unique=True)
    if missing.size or unknown.size:
        parts = []
        if missing.size:
            parts.append(f"{missing.size} test ids are missing ({_few(missing)})")
        if unknown.size:
            parts.append(f"{unknown.size} ids are not in the test set ({_few(unknown)})")
        code = "missing_ids" if missing.size else "unknown_ids"
        raise SubmissionError("The ids do not match the test set: " + "; ".join(parts),
                              expected=f"exactly the {expected_ids.size} ids of test.csv",
                              got=f"{ids.size} rows",
                              hint="Predict for every row of test.csv and keep its id column",
                              code=code)
    # Both are permutations of the same unique set: map expected order onto submission rows.
    return order[np.searchsorted(sorted_ids, expected_ids)]


def _numbers(column: pa.ChunkedArray, name: str, what: str) -> np.ndarray:
    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        try:
            column = pc.cast(column, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
            bad_rows = [i for i, v in enumerate(values) if not _is_number(v)]
            raise SubmissionError(f"Column '{name}' must hold {what}",
                                  expected="numbers", got=f"{_few(values[bad_rows])} on lines "
                                  f"{_few(map(_line, bad_rows))}", code="wrong_type") from None
    if column.null_count:
        rows = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
        raise SubmissionError(f"Column '{name}' has {rows.size} empty values",
                              expected=f"{what} on every row", got=f"blanks on lines {_few(map(_line, rows))}",
                              hint="Fill or predict every row; a model that cannot handle NaN "
                                   "needs an imputer", code="non_finite")
    values = column.to_numpy().astype(np.float64, copy=False)
    finite = np.isfinite(values)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise SubmissionError(f"Column '{name}' has {rows.size} NaN or infinite values",
                              expected=f"finite {what}", got=f"{_few(values[rows])} on lines "
                              f"{_few(map(_line, rows))}", code="non_finite")
    return values


def _is_number(value) -> bool:
    try:
        float(value)
        return True
    except (TypeError, ValueError):
        return False


def _probabilities(values: np.ndarray, name: str) -> np.ndarray:
    outside = (values < 0) | (values > 1)
    if outside.any():
        rows = np.flatnonzero(outside)
        raise SubmissionError(f"Column '{name}' has {rows.size} values outside [0, 1]",
                              expected="probabilities between 0 and 1",
                              got=f"{_few(values[rows])} on lines {_few(map(_line, rows))}",
                              hint="Use predict_proba(...)[:, 1], not decision_function or raw scores",
                              code="probability_out_of_range")
    return values


def _labels(column: pa.ChunkedArray, task: Task) -> np.ndarray:
    classes = list(task.classes)
    text = np.asarray(column.cast(pa.string()).to_numpy(zero_copy_only=False), dtype=object)
    text = np.where(text == None, "", text).astype(str)  # noqa: E711 (elementwise)
    text = np.char.strip(text)
    codes = _encode(text, classes)
    unknown = codes < 0
    if unknown.any() and all(c.lstrip("-").isdigit() for c in classes):
        # "1.0" for class "1": a float column written by pandas; accept integral numbers.
        floats = np.array([float(v) if _is_number(v) else np.nan for v in text[unknown]])
        integral = np.isfinite(floats) & (floats == np.round(floats))
        recovered = np.where(integral, np.nan_to_num(floats).astype(np.int64).astype(str), "")
        codes[unknown] = _encode(recovered, classes)
        unknown = codes < 0
    if unknown.any():
        rows = np.flatnonzero(unknown)
        values, counts = np.unique(text[rows], return_counts=True)
        seen = ", ".join(f"{_plain(v)!r} ×{c}" for v, c in list(zip(values, counts))[:SHOWN])
        raise SubmissionError(f"Column '{task.target}' has {rows.size} labels that are not classes "
                              "of this challenge", expected=f"one of {classes}",
                              got=f"{seen} (first on lines {_few(map(_line, rows))})",
                              code="unknown_labels")
    return codes


def _encode(text: np.ndarray, classes: list[str]) -> np.ndarray:
    lookup = {label: index for index, label in enumerate(classes)}
    return np.fromiter((lookup.get(v, -1) for v in text), dtype=np.int64, count=text.size)


def read_predictions(path: Path, task: Task, metric: Metric, expected_ids: np.ndarray,
                     *, max_bytes: int) -> Predictions:
    """Validate ``path`` and return its predictions in the order of ``expected_ids``.

    Binary label predictions come back as 0/1 (1 = positive label) and multiclass labels as
    class indices, matching :mod:`tiltyard.metrics`.
    """
    columns = prediction_columns(task, metric)
    label_columns = [] if metric.needs != "labels" else columns
    table = read_table(path, max_bytes=max_bytes,
                       string_columns=label_columns + ([task.id_column]
                                                       if expected_ids.dtype.kind not in "iu" else []))
    expected = [task.id_column, *columns]
    if table.num_rows == 0:
        raise SubmissionError("The submission has a header but no rows",
                              expected=f"{expected_ids.size} rows, one per test id", got="0 rows",
                              code="empty_file")
    ids = _ids(_column(table, task.id_column, "id", expected), expected_ids, task.id_column)
    order = align(ids, expected_ids, task.id_column)
    warnings = []
    extra = [c for c in table.column_names if c not in expected]
    if extra:
        warnings.append(f"Ignored columns not used for grading: {extra}")

    if metric.needs == "labels":
        values = _labels(_column(table, columns[0], "prediction", expected), task)
        if task.type == "binary":
            values = (values == task.classes.index(task.positive_label)).astype(np.int64)
    elif task.type == "multiclass":
        values = np.column_stack([
            _probabilities(_numbers(_column(table, c, "prediction", expected), c, "probabilities"), c)
            for c in columns])
        sums = values.sum(axis=1)
        if np.any(np.abs(sums - 1) > 1e-3):
            warnings.append("Some rows' class probabilities do not sum to 1; they were rescaled")
    else:
        name = columns[0]
        what = "probabilities" if metric.needs_proba else "numbers"
        values = _numbers(_column(table, name, "prediction", expected), name, what)
        if metric.needs_proba:
            _probabilities(values, name)
        elif metric.lower_bound is not None and np.any(values <= metric.lower_bound):
            rows = np.flatnonzero(values <= metric.lower_bound)
            raise SubmissionError(f"{metric.title} is undefined for predictions at or below "
                                  f"{metric.lower_bound:g}", expected=f"values above {metric.lower_bound:g}",
                                  got=f"{_few(values[rows])} on lines {_few(map(_line, rows))}",
                                  hint="Clip predictions at 0 (a price cannot be negative)",
                                  code="out_of_domain")
    if order is not None:
        values = values[order]
    return Predictions(values=values, warnings=warnings)
