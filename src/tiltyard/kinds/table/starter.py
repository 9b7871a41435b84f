"""Starter solutions: load the data, fit the simplest sensible model, write submission.csv."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from tiltyard.challenges.manifest import Manifest
from tiltyard.kinds.table.baselines import MAX_ONE_HOT_LEVELS, usable_columns
from tiltyard.metrics import get_metric


@dataclass(frozen=True)
class StarterStyle:
    categories: int
    """Categorical columns of at most this many levels are one-hot encoded."""
    categorical_step: str
    """The starter's code for its categorical columns."""


LINEAR_RUNG = StarterStyle(MAX_ONE_HOT_LEVELS, '    (OneHotEncoder(handle_unknown="infrequent_if_exist", '
                                               'min_frequency=10), categorical),')
"""The linear rung's columns and encoder (a missing category a level of its own): the starter
is that rung written out, so it scores what the rung scores."""
AS_FIRST_PUBLISHED = StarterStyle(12, '    (make_pipeline(SimpleImputer(strategy="most_frequent"), '
                                      'OneHotEncoder(handle_unknown="ignore")),\n     categorical),')
"""The starter house-prices-v1 was published with (fewer columns; it loses to its rung)."""


def starter_cells(manifest: Manifest, train: pd.DataFrame,
                  style: StarterStyle = LINEAR_RUNG) -> list[str]:
    task = manifest.task
    metric = get_metric(manifest.metric.primary)
    numeric, categorical = usable_columns(train, manifest.columns, style.categories, task.target)
    regression = task.type == "regression"
    log_target = metric.name == "rmsle"
    model = "Ridge()" if regression else "LogisticRegression(max_iter=2000)"
    model_import = ("from sklearn.linear_model import Ridge" if regression
                    else "from sklearn.linear_model import LogisticRegression")
    imports = "\n".join([
        f'"""Starter for {manifest.id}: {manifest.title}. Run: python starter.py"""',
        "import numpy as np" if log_target else "",
        "import pandas as pd",
        "from sklearn.compose import make_column_transformer",
        "from sklearn.impute import SimpleImputer",
        model_import,
        "from sklearn.pipeline import make_pipeline",
        "from sklearn.preprocessing import OneHotEncoder, StandardScaler",
    ]).replace("\n\n", "\n").lstrip("\n")
    texts = [c for c in numeric if not pd.api.types.is_numeric_dtype(train[c])]
    load = "\n".join([
        'train = pd.read_csv("data/train.csv")',
        'test = pd.read_csv("data/test.csv")',
        f"numeric = {numeric!r}",
        f"categorical = {categorical!r}",
        *([f"for column in {texts!r}:  # number columns holding text: what does not parse is missing",
           "    train[column] = pd.to_numeric(train[column], errors=\"coerce\")",
           "    test[column] = pd.to_numeric(test[column], errors=\"coerce\")"] if texts else []),
    ])
    fit = "\n".join([
        "features = make_column_transformer(",
        '    (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),',
        style.categorical_step,
        ")",
        f"model = make_pipeline(features, {model})",
        "X, X_test = train[numeric + categorical], test[numeric + categorical]",
        (f"model.fit(X, np.log1p(train[{task.target!r}]))  # RMSLE: fit the log of the target")
        if log_target else f"model.fit(X, train[{task.target!r}])",
    ])
    if log_target:
        predict = "prediction = np.expm1(model.predict(X_test)).clip(min=0)"
    elif regression:
        predict = "prediction = model.predict(X_test)"
    elif metric.needs_proba and task.type == "binary":
        positive = _typed_label(train[task.target], task.positive_label)
        predict = (f"positive = list(model.classes_).index({positive!r})\n"
                   "prediction = model.predict_proba(X_test)[:, positive]")
    else:
        predict = "prediction = model.predict(X_test)"
    write = "\n".join([
        predict,
        f"submission = pd.DataFrame({{{task.id_column!r}: test[{task.id_column!r}], "
        f"{task.target!r}: prediction}})",
        'submission.to_csv("submission.csv", index=False)',
        f'print("Wrote submission.csv. Next: tiltyard submit {manifest.id} submission.csv")',
    ])
    return [imports, load, fit, write]


def _typed_label(target: pd.Series, label: str):
    """The positive label as it appears in train.csv once pandas has read it."""
    return int(label) if pd.api.types.is_integer_dtype(target) else label


def write_starters(folder: Path, manifest: Manifest, train: pd.DataFrame,
                   style: StarterStyle = LINEAR_RUNG) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    cells = starter_cells(manifest, train, style)
    (folder / "starter.py").write_text("\n\n".join(cells) + "\n", encoding="utf-8")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"}}
    notebook.cells = [nbformat.v4.new_markdown_cell(
        f"# {manifest.title}\n\n{manifest.summary}\n\nThe brief is in `README.md`. "
        "Run the cells, then submit `submission.csv`.")]
    notebook.cells += [nbformat.v4.new_code_cell(cell) for cell in cells]
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # fixed ids: the same bytes on every build
    (folder / "starter.ipynb").write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
