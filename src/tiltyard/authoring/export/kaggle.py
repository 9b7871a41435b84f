"""Kaggle (Community competitions): the host's files — the data learners download, the
solution file with its ``Usage`` column (Public / Private, Kaggle keeps it hidden), the sample
submission, and a metadata JSON with what the host form asks for."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tiltyard.authoring.export.plan import OutputFile, copy_from, text
from tiltyard.authoring.export.table_bundle import (
    SPLIT_COLUMN,
    answers_file,
    column_descriptions,
    public_copies,
    public_tables,
    require_table,
)
from tiltyard.challenges.bundle import Bundle, write_csv
from tiltyard.metrics import get_metric

NAME = "kaggle"
SUMMARY = "Kaggle host files (data, solution with Usage, sample submission, metadata JSON)"
USAGE = {"public": "Public", "private": "Private"}
# Kaggle's name for each metric where it has one (its evaluation list); otherwise the host
# uploads the generated Codabench scorer's logic as a custom metric.
KAGGLE_METRICS = {"accuracy": "Categorization Accuracy", "roc_auc": "AUC", "log_loss": "Log Loss",
                  "f1": "F-Score", "average_precision": "Average Precision", "rmse": "RMSE",
                  "rmsle": "RMSLE", "mae": "MAE", "r2": "R2 Score"}


def solution_frame(bundle: Bundle) -> pd.DataFrame:
    """Id, the answer in the submission's own encoding, and Usage."""
    manifest = bundle.manifest
    task, metric = manifest.task, get_metric(manifest.metric.primary)
    answers = pd.read_csv(answers_file(bundle), dtype={task.target: str} if task.type != "regression"
                          else None, keep_default_na=False)
    solution = pd.DataFrame({task.id_column: answers[task.id_column]})
    if task.type == "multiclass" and metric.needs_proba:
        for label in task.classes:
            solution[label] = (answers[task.target] == label).astype(int)
    elif task.type == "binary" and metric.needs_proba:
        solution[task.target] = (answers[task.target] == task.positive_label).astype(int)
    else:
        solution[task.target] = answers[task.target]
    solution["Usage"] = answers[SPLIT_COLUMN].map(USAGE)
    return solution


def metadata(bundle: Bundle) -> dict:
    manifest = bundle.manifest
    task, primary = manifest.task, get_metric(manifest.metric.primary)
    split = manifest.split
    return {
        "title": manifest.title, "subtitle": manifest.summary, "slug": manifest.id,
        "source_bundle": {"id": manifest.id, "bundle_hash": bundle.hash},
        "evaluation": {
            "tiltyard_metric": primary.name,
            "kaggle_metric": KAGGLE_METRICS.get(primary.name),
            "direction": primary.direction,
            "note": None if primary.name in KAGGLE_METRICS else
            f"Kaggle has no built-in {primary.title}: add it as a custom metric",
            "secondary_metrics": manifest.metric.secondary,
            "id_column": task.id_column,
            "solution_columns": [c for c in solution_columns(bundle) if c != task.id_column],
            "public_percentage": round(100 * split.public_rows / max(1, split.test_rows), 2),
            "public_rows": split.public_rows, "private_rows": split.private_rows},
        "daily_submission_limit": manifest.budget.submissions_per_day,
        "license": manifest.provenance.licence, "source": manifest.provenance.source,
        "url": manifest.provenance.url, "citation": manifest.provenance.citation,
        "data_files": {f"data/{t.relative}": t.description for t in public_tables(bundle)},
        "columns": column_descriptions(manifest),
    }


def solution_columns(bundle: Bundle) -> list[str]:
    manifest = bundle.manifest
    task, metric = manifest.task, get_metric(manifest.metric.primary)
    if task.type == "multiclass" and metric.needs_proba:
        return [task.id_column, *task.classes, "Usage"]
    return [task.id_column, task.target, "Usage"]


def _write_solution(bundle: Bundle):
    def write(target: Path) -> None:
        write_csv(solution_frame(bundle), target)
    return write


def files(bundle: Bundle, version: str) -> list[OutputFile]:
    manifest = require_table(bundle)
    planned = public_copies(bundle) + [
        OutputFile("solution.csv", "ANSWERS with Usage Public/Private (upload as the solution; "
                   "Kaggle keeps it hidden)", _write_solution(bundle), answers=True),
        OutputFile("description.md", "the brief, for the Overview tab",
                   copy_from(bundle.root / manifest.brief)),
        OutputFile("competition-metadata.json", "what the host form asks (metric, usage split)",
                   text(json.dumps(metadata(bundle), indent=2, ensure_ascii=False) + "\n"))]
    return planned


NEXT_STEP = ("On kaggle.com/competitions → Host a competition: upload data/ as the data, "
             "solution.csv as the solution, sample_submission.csv as the sample; "
             "competition-metadata.json says which metric and columns to pick")
