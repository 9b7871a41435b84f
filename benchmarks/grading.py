"""How fast is grading? A 1,000,000-row binary predictions file, graded by Tiltyard, against
(a) the floor: PyArrow reads the file, NumPy computes ROC AUC on rows already in order;
(b) a typical grader: pandas.read_csv, a merge on the id, sklearn.metrics.roc_auc_score.

Run: python benchmarks/grading.py [--rows N] [--repeat K]
Goal: within 1.5x of the floor, and faster than the typical grader.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pa_csv
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sklearn.metrics import roc_auc_score

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest, MetricSpec, Provenance, Split, Task
from tiltyard.kinds.table.grader import Grader


def make_bundle(root: Path, rows: int) -> tuple[Bundle, Path]:
    rng = np.random.default_rng(0)
    ids = np.arange(1, rows + 1)
    y = rng.integers(0, 2, rows)
    public = rng.random(rows) < 0.3
    (root / "sealed").mkdir(parents=True)
    pd.DataFrame({"row_id": ids, "label": y, "split": np.where(public, "public", "private")}).to_csv(
        root / "sealed/answers.csv", index=False)
    predictions = root / "predictions.csv"
    pd.DataFrame({"row_id": ids, "label": np.clip(y * 0.3 + rng.random(rows) * 0.7, 0, 1)}).to_csv(
        predictions, index=False)
    manifest = Manifest(
        id="benchmark-v1", title="Benchmark", kind="table", summary="1M rows", difficulty="beginner",
        builder="benchmarks/grading.py", provenance=Provenance(source="synthetic", licence="CC0"),
        metric=MetricSpec(primary="roc_auc"),
        task=Task(type="binary", target="label", id_column="row_id", classes=["0", "1"], positive_label="1"),
        split=Split(method="random", description="synthetic", public_fraction=0.3, seed=0,
                    train_rows=0, test_rows=rows, public_rows=int(public.sum()),
                    private_rows=int((~public).sum())))
    return Bundle(root, manifest), predictions


def floor(path: Path, y: np.ndarray) -> float:
    table = pa_csv.read_csv(path)
    score = table.column("label").to_numpy()
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(score.size)
    ranks[order] = np.arange(1, score.size + 1)
    positive = y == 1
    n_pos = positive.sum()
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * (score.size - n_pos))


def typical(path: Path, answers: pd.DataFrame) -> float:
    submission = pd.read_csv(path)
    merged = answers.merge(submission, on="row_id", suffixes=("_true", ""))
    return roc_auc_score(merged["label_true"], merged["label"])


def timed(function, repeat: int, label: str) -> float:
    times = []
    for _ in track(range(repeat), description=label, transient=True):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as folder:
        bundle, predictions = make_bundle(Path(folder), args.rows)
        answers = pd.read_csv(bundle.sealed_file("answers.csv"))
        y = answers["label"].to_numpy()
        warm = Grader(bundle)
        warm.answers  # noqa: B018 - a server keeps answers in memory between submissions
        results = {
            "floor (pyarrow + numpy, rows in order)": timed(lambda: floor(predictions, y), args.repeat, "floor"),
            "typical (pandas.read_csv + merge + sklearn)":
            timed(lambda: typical(predictions, answers), args.repeat, "typical"),
            "tiltyard, answers in memory":
            timed(lambda: warm.grade_file(predictions, max_bytes=1 << 40), args.repeat, "tiltyard warm"),
            "tiltyard, answers read each time":
            timed(lambda: Grader(bundle).grade_file(predictions, max_bytes=1 << 40), args.repeat,
                  "tiltyard cold"),
        }
        check = warm.grade_file(predictions, max_bytes=1 << 40)
        reference = roc_auc_score(y[answers["split"] == "public"],
                                  pd.read_csv(predictions)["label"][answers["split"] == "public"])
        assert abs(check.public_scores["roc_auc"] - reference) < 1e-12
    base = results["floor (pyarrow + numpy, rows in order)"]
    out = Table(title=f"Grading a {args.rows:,}-row binary predictions file (median of {args.repeat})")
    for column in ["grader", "seconds", "× floor"]:
        out.add_column(column)
    for name, seconds in results.items():
        out.add_row(name, f"{seconds:.3f}", f"{seconds / base:.2f}")
    console.print(out)
    typical_s = results["typical (pandas.read_csv + merge + sklearn)"]
    console.print(f"tiltyard (warm) is {typical_s / results['tiltyard, answers in memory']:.1f}× faster "
                  f"than the typical grader; goal ≤ 1.5× floor.")


if __name__ == "__main__":
    main()
