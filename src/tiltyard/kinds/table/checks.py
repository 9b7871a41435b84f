"""The table kind's named checks: the task, the split, the sealed answers, the ladder."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.bundle import Bundle, write_csv
from tiltyard.core import Check, NamedCheck
from tiltyard.kinds.table import grader_for
from tiltyard.kinds.table.adversarial import adversarial_split, claims_random_split
from tiltyard.kinds.table.baselines import ladder, predict_for_metric
from tiltyard.kinds.table.messy import read_public_csv
from tiltyard.metrics import get_metric

REFIT_TOLERANCE = 0.02  # refitted baselines may drift a little with library versions


@lru_cache(maxsize=4)
def _frames(root: str, bundle_hash: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    bundle = Bundle(Path(root))
    return read_public_csv(bundle.public_file("train.csv")), read_public_csv(bundle.public_file("test.csv"))


def frames(bundle: Bundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) as a learner reads them; read once per bundle for all checks."""
    return _frames(str(bundle.root), bundle.hash)


def task_declared(bundle: Bundle) -> list[Check]:
    manifest = bundle.manifest
    declared = manifest.task is not None and manifest.split is not None
    return [Check("table.task_declared", "task and split declared", declared,
                  "[task] and [split]" if declared else "a table challenge declares [task] and [split]")]


def metrics_fit_task(bundle: Bundle) -> list[Check]:
    manifest, task = bundle.manifest, bundle.manifest.task
    metrics = [get_metric(m) for m in [manifest.metric.primary, *manifest.metric.secondary]]
    unfit = [m.name for m in metrics if task.type not in m.tasks]
    mixed = {m.needs for m in metrics if m.needs != "values"}
    return [Check("table.metrics_fit_task", "metric fits task", not unfit,
                  f"{unfit} cannot score a {task.type} task" if unfit else task.type),
            Check("table.metrics_fit_task", "metrics share a prediction format", len(mixed) <= 1,
                  f"mixes {sorted(mixed)}" if len(mixed) > 1 else "")]


def ids(bundle: Bundle) -> list[Check]:
    task = bundle.manifest.task
    train, test = frames(bundle)
    answers = grader_for(bundle).answers
    ident = task.id_column
    checks = []
    for name, values in (("train", train.get(ident)), ("test", test.get(ident)),
                         ("answers", pd.Series(answers.ids))):
        if values is None:
            return [*checks, Check("table.ids", f"id column in {name}", False, f"no column '{ident}'")]
        repeated = int(pd.Series(values).duplicated().sum())
        checks.append(Check("table.ids", f"ids unique in {name}", repeated == 0,
                            f"{repeated} repeated ids" if repeated else f"'{ident}'"))
    overlap = np.intersect1d(train[ident].astype(str), test[ident].astype(str)).size
    same = set(map(str, answers.ids)) == set(test[ident].astype(str))
    return [*checks,
            Check("table.ids", "train and test ids disjoint", overlap == 0,
                  f"{overlap} ids in both" if overlap else ""),
            Check("table.ids", "answers cover exactly the test ids", same,
                  "" if same else "answers and test.csv list different ids")]


def columns(bundle: Bundle) -> list[Check]:
    manifest, task = bundle.manifest, bundle.manifest.task
    train, test = frames(bundle)
    expected_test = [c for c in train.columns if c != task.target]
    described = {c.name for c in manifest.columns if c.table == "train"}
    undocumented = [c for c in train.columns if c not in described]
    return [Check("table.columns", "target sealed", task.target not in test,
                  f"'{task.target}' must not be in test.csv"),
            Check("table.columns", "target in train", task.target in train, f"'{task.target}'"),
            Check("table.columns", "test has train's features", list(test.columns) == expected_test,
                  "" if list(test.columns) == expected_test else f"test columns {list(test.columns)[:6]}…"),
            Check("table.columns", "data dictionary complete", not undocumented,
                  f"undocumented: {undocumented[:6]}" if undocumented else "")]


def labels(bundle: Bundle) -> list[Check]:
    task = bundle.manifest.task
    if not task.classes:
        return [Check("table.labels", "labels among classes", True, "regression: no classes")]
    train, _ = frames(bundle)
    seen = set(train[task.target].astype(str)) | grader_for(bundle).answers.labels
    strange = sorted(seen - set(task.classes))
    return [Check("table.labels", "labels among classes", not strange,
                  f"unknown labels {strange[:5]}" if strange else ", ".join(task.classes))]


def split_counts(bundle: Bundle) -> list[Check]:
    split = bundle.manifest.split
    train, test = frames(bundle)
    public_mask = grader_for(bundle).answers.public
    public, private = int(public_mask.sum()), int((~public_mask).sum())
    counts = (len(train), len(test), public, private)
    fraction = public / max(len(test), 1)
    return [Check("table.split_counts", "split counts match manifest",
                  counts == (split.train_rows, split.test_rows, split.public_rows, split.private_rows),
                  f"train {len(train)}, test {len(test)}, public {public}, private {private}"),
            Check("table.split_counts", "public fraction", abs(fraction - split.public_fraction) < 0.01,
                  f"{fraction:.3f} vs {split.public_fraction}")]


def split_as_described(bundle: Bundle) -> list[Check]:
    """A split that claims to be random must not be told apart by a classifier (adversarial
    validation): house-prices-v1 said random and its test set was the last two years of sales."""
    manifest = bundle.manifest
    if not claims_random_split(manifest.split.method):
        return [Check("table.split_as_described", "split as described", True,
                      f"{manifest.split.method!r} claims no random split")]
    train, test = frames(bundle)
    features = [c for c in train.columns if c not in (manifest.task.id_column, manifest.task.target)]
    result = adversarial_split(train, test, feature_columns=features, seed=manifest.split.seed)
    return [Check("table.split_as_described", "random split cannot be told apart", result.passed,
                  result.detail)]


def sample_submission_grades(bundle: Bundle) -> list[Check]:
    grader_for(bundle).grade_file(bundle.public_file("sample_submission.csv"), max_bytes=1 << 40)
    return [Check("table.sample_submission_grades", "sample submission grades", True,
                  "public/sample_submission.csv")]


def baselines_reproducible(bundle: Bundle) -> list[Check]:
    """Fit the ladder again from the public files and grade it as a learner would be. A
    searched rung (automl) refits the configuration its record says it chose: searching
    again would cost the build's time and could stop elsewhere on a slower machine."""
    manifest, task = bundle.manifest, bundle.manifest.task
    metric = get_metric(manifest.metric.primary)
    train, test = frames(bundle)
    grader = grader_for(bundle)
    listed = {b.name for b in manifest.baselines}
    checks = []
    with tempfile.TemporaryDirectory() as folder:
        for rung in ladder(task, metric, train, manifest.columns, automl="automl" in listed):
            if rung.name not in listed:
                continue  # a rung that failed at build time: the manifest says why
            details = manifest.baseline(rung.name).details
            model = rung.replay(details) if rung.replay and details else rung.make()
            model.fit(train.drop(columns=[task.target]), train[task.target])
            path = Path(folder) / f"{rung.name}.csv"
            write_csv(pd.concat([test[[task.id_column]], predict_for_metric(model, test, task, metric)],
                                axis=1), path)
            public = grader.grade_file(path, max_bytes=1 << 40).public_scores[metric.name]
            stored = manifest.baseline(rung.name).public_score
            checks.append(Check("table.baselines_reproducible", f"baseline {rung.name} reproducible",
                                abs(public - stored) <= REFIT_TOLERANCE,
                                f"refitted {public:.4f}, stored {stored:.4f}"))
    return checks


CHECKS = [NamedCheck("table.task_declared", task_declared, fatal=True),
          NamedCheck("table.metrics_fit_task", metrics_fit_task),
          NamedCheck("table.ids", ids, fatal=True),
          NamedCheck("table.columns", columns),
          NamedCheck("table.labels", labels),
          NamedCheck("table.split_counts", split_counts),
          NamedCheck("table.split_as_described", split_as_described),
          NamedCheck("table.sample_submission_grades", sample_submission_grades),
          NamedCheck("table.baselines_reproducible", baselines_reproducible, refit=True)]
