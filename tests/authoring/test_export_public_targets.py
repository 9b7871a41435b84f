"""Kaggle host files keep the answers in solution.csv (Usage Public/Private) only; Croissant and
Frictionless exports carry only public files and pass their own libraries' validators."""

from __future__ import annotations

import subprocess
import sys

import mlcroissant as mlc
import pandas as pd
from frictionless import validate

from tiltyard.authoring.export import plan_export
from tiltyard.challenges.bundle import sha256_file
from tiltyard.challenges.registry import get_bundle


def written_hashes(folder):
    return {sha256_file(p) for p in folder.rglob("*") if p.is_file()}


def sealed_hashes(bundle):
    """The answers (the constant baseline's file may equal the public sample submission)."""
    return {bundle.manifest.file("sealed/answers.csv").sha256}


def test_kaggle_solution_has_usage_split_as_the_bundle_and_data_holds_no_answers(home, tmp_path):
    bundle = get_bundle("credit-risk-v1")
    export = plan_export(bundle, "kaggle", tmp_path / "kaggle").write()
    split, task = bundle.manifest.split, bundle.manifest.task
    solution = pd.read_csv(export / "solution.csv")
    assert list(solution.columns) == [task.id_column, task.target, "Usage"]
    assert solution["Usage"].value_counts().to_dict() == {"Private": split.private_rows,
                                                          "Public": split.public_rows}
    answers = pd.read_csv(bundle.sealed_file("answers.csv"))
    positive = (answers[task.target] == task.positive_label).astype(int)
    assert solution[task.target].tolist() == positive.tolist()  # AUC's solution: 1 = positive
    assert not written_hashes(export / "data") & sealed_hashes(bundle)
    assert task.target not in pd.read_csv(export / "data" / "test.csv").columns
    metadata = pd.read_json(export / "competition-metadata.json", typ="series")
    assert metadata["evaluation"]["kaggle_metric"] == "AUC"


def test_croissant_loads_with_mlcroissant_and_reads_records(home, tmp_path):
    bundle = get_bundle("titanic-v1")
    export = plan_export(bundle, "croissant", tmp_path / "croissant").write()
    dataset = mlc.Dataset(jsonld=str(export / "croissant.json"))
    assert not dataset.metadata.ctx.issues.errors
    train = list(dataset.records("train"))
    assert len(train) == bundle.manifest.split.train_rows
    assert train[0]["train/sex"] in (b"female", b"male")
    test_fields = {field.name for rs in dataset.metadata.record_sets if rs.name == "test"
                   for field in rs.fields}
    assert bundle.manifest.task.id_column in test_fields
    assert bundle.manifest.task.target not in test_fields
    assert not written_hashes(export) & sealed_hashes(bundle)


def test_datapackage_passes_frictionless_validate_and_holds_public_files_only(home, tmp_path):
    bundle = get_bundle("house-prices-v2")
    export = plan_export(bundle, "datapackage", tmp_path / "package").write()
    report = validate(str(export / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    command = subprocess.run([sys.executable, "-m", "frictionless", "validate", "datapackage.json"],
                             cwd=export, capture_output=True, text=True, timeout=120)
    assert command.returncode == 0, command.stdout[-2000:]
    assert {p.name for p in (export / "data").iterdir()} == {"train.csv", "test.csv",
                                                             "sample_submission.csv"}
    assert not written_hashes(export) & sealed_hashes(bundle)
