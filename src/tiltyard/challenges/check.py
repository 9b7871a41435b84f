"""check_challenge: does a bundle folder keep the contract? Run over every built-in bundle
by the test suite, and offered to authors (`tiltyard check PATH`), like scikit-learn's
check_estimator."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.bundle import Bundle, list_files, write_csv
from tiltyard.challenges.manifest import Manifest
from tiltyard.errors import TiltyardError

SCORE_TOLERANCE = 1e-6  # manifests may round scores to six decimals
REFIT_TOLERANCE = 0.02  # refitted baselines may drift a little with library versions


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


@dataclass
class CheckResult:
    path: Path
    challenge_id: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)


def check_challenge(path: Path, *, refit: bool = False) -> CheckResult:
    path = Path(path)
    result = CheckResult(path=path, challenge_id=None)
    try:
        manifest = Manifest.read(path)
    except TiltyardError as error:
        result.add("manifest", False, str(error))
        return result
    result.challenge_id = manifest.id
    result.add("manifest", True, f"{manifest.id}: schema v{manifest.schema_version}, {manifest.kind}")
    bundle = Bundle(path, manifest)
    if not _check_files(result, bundle):
        return result
    result.add("brief", (path / manifest.brief).is_file() and (path / manifest.brief).stat().st_size > 200,
               f"{manifest.brief} tells the story")
    if manifest.kind == "table":
        _check_table(result, bundle, refit=refit)
    elif manifest.kind == "lab":
        _check_lab(result, bundle)
    return result


def _check_lab(result: CheckResult, bundle: Bundle) -> None:
    """A lab's baselines are design files graded by its simulator: they must grade the same."""
    from tiltyard.labs import grade_lab_file

    _regrade_baselines(result, bundle, lambda path: grade_lab_file(bundle, path),
                       bundle.manifest.metric.primary)


def _check_files(result: CheckResult, bundle: Bundle) -> bool:
    listed = {e.path: e for e in bundle.manifest.files}
    on_disk = {e.path: e for e in list_files(bundle.root)}
    missing = sorted(set(listed) - set(on_disk))
    unlisted = sorted(set(on_disk) - set(listed))
    changed = sorted(p for p in set(listed) & set(on_disk) if listed[p].sha256 != on_disk[p].sha256)
    ok = result.add("files present", not missing, f"missing: {missing}" if missing else f"{len(listed)} files")
    ok &= result.add("no unlisted files", not unlisted, f"not in the manifest: {unlisted}" if unlisted else "")
    ok &= result.add("hashes match", not changed, f"changed since the manifest was written: {changed}"
                     if changed else "every file's sha256 matches")
    return ok


def _check_table(result: CheckResult, bundle: Bundle, *, refit: bool) -> None:
    from tiltyard.grading.grader import ANSWERS, SPLIT_COLUMN, Grader
    from tiltyard.grading.metrics import get_metric

    manifest = bundle.manifest
    task, split = manifest.task, manifest.split
    try:
        metrics = [get_metric(m) for m in [manifest.metric.primary, *manifest.metric.secondary]]
    except TiltyardError as error:
        result.add("metric known", False, str(error))
        return
    result.add("metric known", True, ", ".join(m.name for m in metrics))
    fits = [m.name for m in metrics if task.type not in m.tasks]
    result.add("metric fits task", not fits, f"{fits} cannot score a {task.type} task" if fits else task.type)
    mixed = {m.needs for m in metrics if m.needs != "values"}
    result.add("metrics share a prediction format", len(mixed) <= 1,
               f"mixes {sorted(mixed)}" if len(mixed) > 1 else "")

    train = pd.read_csv(bundle.public_file("train.csv"))
    test = pd.read_csv(bundle.public_file("test.csv"))
    answers = pd.read_csv(bundle.sealed_file(ANSWERS), dtype={task.target: str} if task.type != "regression" else None)
    ident = task.id_column
    for name, frame in (("train", train), ("test", test), ("answers", answers)):
        if not result.add(f"id column in {name}", ident in frame, f"'{ident}'"):
            return
        dupes = int(frame[ident].duplicated().sum())
        result.add(f"ids unique in {name}", dupes == 0, f"{dupes} repeated ids" if dupes else "")
    overlap = np.intersect1d(train[ident], test[ident]).size
    result.add("train and test ids disjoint", overlap == 0, f"{overlap} ids in both" if overlap else "")
    same = set(answers[ident]) == set(test[ident])
    result.add("answers cover exactly the test ids", same, "" if same else "answers and test.csv list different ids")
    result.add("target sealed", task.target not in test, f"'{task.target}' must not be in test.csv")
    result.add("target in train", task.target in train, f"'{task.target}'")
    expected_test = [c for c in train.columns if c != task.target]
    result.add("test has train's features", list(test.columns) == expected_test,
               "" if list(test.columns) == expected_test else f"test columns {list(test.columns)[:6]}…")
    if task.classes:
        labels = set(answers[task.target].astype(str)) | set(train[task.target].astype(str))
        strange = sorted(labels - set(task.classes))
        result.add("labels among classes", not strange, f"unknown labels {strange[:5]}" if strange else "")
    described = {c.name for c in manifest.columns if c.table == "train"}
    undocumented = [c for c in train.columns if c not in described]
    result.add("data dictionary complete", not undocumented, f"undocumented: {undocumented[:6]}" if undocumented else "")
    counts = answers[SPLIT_COLUMN].value_counts().to_dict()
    public, private = counts.get("public", 0), counts.get("private", 0)
    result.add("split counts match manifest",
               (len(train), len(test), public, private) == (split.train_rows, split.test_rows,
                                                          split.public_rows, split.private_rows),
               f"train {len(train)}, test {len(test)}, public {public}, private {private}")
    fraction_ok = abs(public / max(len(test), 1) - split.public_fraction) < 0.01
    result.add("public fraction", fraction_ok, f"{public / max(len(test), 1):.3f} vs {split.public_fraction}")

    grader = Grader(bundle)
    try:
        grader.grade_file(bundle.public_file("sample_submission.csv"), max_bytes=1 << 40)
        result.add("sample submission grades", True, "")
    except TiltyardError as error:
        result.add("sample submission grades", False, str(error))
    _check_baselines(result, bundle, grader, metrics[0], refit=refit, train=train, test=test)


def _check_baselines(result: CheckResult, bundle: Bundle, grader, metric, *, refit: bool,
                     train: pd.DataFrame, test: pd.DataFrame) -> None:
    if _regrade_baselines(result, bundle, lambda path: grader.grade_file(path, max_bytes=1 << 40),
                          metric.name) and refit:
        _refit_baselines(result, bundle, grader, metric, train, test)


def _regrade_baselines(result: CheckResult, bundle: Bundle, grade_file, metric_name: str) -> bool:
    """Grade every baseline's stored submission again; the scores must be the manifest's."""
    manifest = bundle.manifest
    if not result.add("baselines listed", len(manifest.baselines) >= 2,
                      f"{len(manifest.baselines)} baselines"):
        return False
    for baseline in manifest.baselines:
        grade = grade_file(bundle.root / baseline.predictions)
        public, private = grade.public_scores[metric_name], grade.private_scores[metric_name]
        same = (math.isclose(public, baseline.public_score, abs_tol=SCORE_TOLERANCE)
                and math.isclose(private, baseline.private_score, abs_tol=SCORE_TOLERANCE))
        result.add(f"baseline {baseline.name} regrades", same,
                   f"stored {baseline.public_score:.6f}, regraded {public:.6f}")
    return True


def _refit_baselines(result: CheckResult, bundle: Bundle, grader, metric, train, test) -> None:
    """Fit the ladder again from the public files and grade it as a learner would be."""
    from tiltyard.grading.baselines import ladder, predict_for_metric

    manifest = bundle.manifest
    task = manifest.task
    with tempfile.TemporaryDirectory() as folder:
        for rung in ladder(task, metric, train, manifest.columns):
            model = rung.make().fit(train.drop(columns=[task.target]), train[task.target])
            path = Path(folder) / f"{rung.name}.csv"
            write_csv(pd.concat([test[[task.id_column]], predict_for_metric(model, test, task, metric)],
                                axis=1), path)
            public = grader.grade_file(path, max_bytes=1 << 40).public_scores[metric.name]
            stored = manifest.baseline(rung.name).public_score
            result.add(f"baseline {rung.name} reproducible", abs(public - stored) <= REFIT_TOLERANCE,
                       f"refitted {public:.4f}, stored {stored:.4f}")
