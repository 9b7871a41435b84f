"""An author's data file: read it in a known encoding, detect what each column holds, and
refuse what cannot become a fair task (a target with gaps or one class, ids that repeat)."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.authoring.spec import AuthoringError
from tiltyard.challenges.manifest import ColumnType, Task
from tiltyard.errors import did_you_mean

COMMON_ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-15", "utf-16", "mac-roman", "cp850"]
MAX_CATEGORY_LEVELS = 50
BOOLEAN_VALUES = {frozenset({0, 1}), frozenset({"true", "false"}), frozenset({"yes", "no"}),
                  frozenset({"y", "n"}), frozenset({"t", "f"})}


def read_data(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """The CSV at ``path``: UTF-8 unless ``encoding`` names another, refused if it is neither."""
    path = Path(path)
    if not path.is_file():
        raise AuthoringError(f"No data file at {path}", expected="a CSV file", got="nothing there",
                             hint="Check the path (in author.toml: [data] file)")
    raw = path.read_bytes()
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise AuthoringError(f"{encoding!r} is not an encoding Python knows", expected="one of "
                                 + ", ".join(COMMON_ENCODINGS), got=repr(encoding),
                                 hint=did_you_mean(encoding, COMMON_ENCODINGS) or "Name the file's encoding "
                                 "in [data] encoding") from None
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as error:
        sample = raw[max(0, error.start - 12): error.end + 12]
        raise AuthoringError(f"{path.name} is not in the encoding {encoding or 'UTF-8'}",
                             expected=f"a file in {encoding or 'UTF-8'}",
                             got=f"byte 0x{raw[error.start]:02x} at position {error.start} ({sample!r})",
                             hint="Save the file as UTF-8, or say what it is in author.toml: [data] "
                                  "encoding = \"cp1252\" (Windows), \"latin-1\", …") from None
    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise AuthoringError(f"{path.name} is not a readable CSV", expected="a header line and rows "
                             "separated by commas", got=str(error).splitlines()[0][:200],
                             hint="Open it in a text editor; a quote left open is the usual cause") from None


def detect_type(column: pd.Series) -> ColumnType:
    values = column.dropna()
    if values.empty:
        return "categorical"
    distinct = set(values.astype(str).str.strip().str.lower()) if values.dtype == object else set(values.unique())
    if len(distinct) == 2 and any(frozenset(distinct) == b for b in BOOLEAN_VALUES):
        return "boolean" if pd.api.types.is_numeric_dtype(column) else "categorical"
    if pd.api.types.is_numeric_dtype(column):
        return "numeric"
    sample = values.astype(str).head(200)
    if sample.str.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$").mean() > 0.9:
        return "datetime"
    if values.nunique() <= max(MAX_CATEGORY_LEVELS, int(0.05 * len(values))):
        return "categorical"
    return "text"


def column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame:
        raise AuthoringError(f"The data have no {role} column {name!r}", expected="one of "
                             + ", ".join(map(str, frame.columns[:12])), got=repr(name),
                             hint=did_you_mean(name, map(str, frame.columns)) or "Check the column's name")
    return frame[name]


def check_target(frame: pd.DataFrame, target: str, task_type: str) -> list[str]:
    """The classes of a classification target (sorted, as text); [] for a regression."""
    values = column(frame, target, "target")
    gaps = int(values.isna().sum())
    if gaps:
        rows = np.flatnonzero(values.isna().to_numpy())[:5] + 2
        raise AuthoringError(f"The target {target!r} has {gaps} empty values", expected="a value on every row",
                             got=f"empty on lines {', '.join(map(str, rows))}" + (" …" if gaps > 5 else ""),
                             hint="Drop those rows from the data (a row without its answer cannot be graded)")
    if task_type == "regression":
        if not pd.api.types.is_numeric_dtype(values):
            raise AuthoringError(f"The target {target!r} of a regression is not numeric", expected="numbers",
                                 got=f"values such as {values.astype(str).head(3).tolist()}",
                                 hint="Use --task binary or multiclass for labels")
        return []
    classes = sorted(values.astype(str).unique())
    if len(classes) < 2:
        raise AuthoringError(f"The target {target!r} has one class only", expected="at least two classes",
                             got=repr(classes[0]), hint="A task with one answer has nothing to learn: pick "
                             "another target, or add the rows of the other classes")
    if task_type == "binary" and len(classes) > 2:
        raise AuthoringError(f"A binary target has two classes; {target!r} has {len(classes)}",
                             expected="two classes", got=", ".join(classes[:8]),
                             hint="Use --task multiclass, or merge classes into two before init")
    return classes


def check_ids(frame: pd.DataFrame, id_column: str) -> None:
    if id_column not in frame:
        return  # the build makes the column
    repeated = frame[id_column][frame[id_column].duplicated(keep=False)]
    if len(repeated):
        shown = ", ".join(map(repr, repeated.unique()[:5].tolist()))
        count = repeated.nunique()
        raise AuthoringError(f"The id column {id_column!r} repeats", expected="a different id on every row",
                             got=f"{count} {'id' if count == 1 else 'ids'} on more than one row ({shown})",
                             hint="Remove the repeated rows, or name a new --id-column (Tiltyard then "
                                  "numbers the rows itself)")


def task_for(frame: pd.DataFrame, target: str, task_type: str, id_column: str,
             classes: list[str] | None = None, positive: str | None = None) -> Task:
    found = check_target(frame, target, task_type)
    check_ids(frame, id_column)
    if task_type == "regression":
        return Task(type="regression", target=target, id_column=id_column)
    classes = classes or found
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise AuthoringError(f"The target {target!r} holds labels [task] classes do not list",
                             expected=", ".join(classes), got=", ".join(unknown[:6]),
                             hint="List every class in [task] classes")
    if task_type == "binary" and positive is None:
        counts = frame[target].astype(str).value_counts()
        positive = min(classes, key=lambda c: (counts.get(c, 0), c))  # the rarer class
    return Task(type=task_type, target=target, id_column=id_column, classes=classes,
                positive_label=positive if task_type == "binary" else None)
