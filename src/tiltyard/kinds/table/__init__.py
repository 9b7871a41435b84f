"""The table kind: supervised learning on a real dataset, graded on sealed answers.

A learner hands in predictions (CSV or Parquet) or code (a ``.py`` defining ``build_model()``,
fitted and run in the sandbox); both are graded by the same :class:`Grader`."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.config import get_settings
from tiltyard.core import ChallengeKind, Grade, NamedCheck, ReportSection, SubmissionFormat
from tiltyard.kinds.table.charts import diagnostic_charts
from tiltyard.kinds.table.section import TableSection

# The kind is loaded to list challenges and start the CLI: the modules that bring in
# scikit-learn, pandas and the sandbox (grader, checks, code runs, the learner's handle) are
# imported by the methods that use them.

PREDICTIONS = SubmissionFormat((".csv", ".parquet"), "predictions (CSV or Parquet)",
                               "Hand in predictions: the id column and the prediction column(s), "
                               "as data/sample_submission.csv shows")
CODE = SubmissionFormat((".py",), "code (a .py file defining build_model())",
                        "Or hand in a .py file defining build_model() that returns a scikit-learn "
                        "estimator", runs_code=True)


@lru_cache(maxsize=16)
def _grader(root: str, bundle_hash: str):
    from tiltyard.kinds.table.grader import Grader

    # Keyed by hash too: a rebuilt bundle gets a fresh grader with fresh answers.
    return Grader(Bundle(Path(root)))


def grader_for(bundle: Bundle):
    return _grader(str(bundle.root), bundle.hash)


class TableKind(ChallengeKind):
    name = "table"
    section_model = TableSection
    submission_formats = (PREDICTIONS, CODE)
    templates = Path(__file__).with_name("templates")
    grading_modules = ("tiltyard.kinds.table.grader", "tiltyard.kinds.table.corruption.trips",
                       "tiltyard.kinds.table.code")

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        if self.format_for(bundle.manifest, path.name).runs_code:
            return self._evaluate_code(bundle, path, max_bytes)
        return grader_for(bundle).grade_file(path, max_bytes=max_bytes)

    def _evaluate_code(self, bundle: Bundle, path: Path, max_bytes: int) -> Grade:
        """Fit and predict in the sandbox, then grade the predictions like a file."""
        from tiltyard.kinds.table.code import CodeRunFailed, predict_with_code, run_section
        from tiltyard.kinds.table.handle import Challenge

        run = predict_with_code(Challenge(bundle), path, allow_weak_sandbox=get_settings().allow_weak_sandbox)
        if run.submission is None:
            raise CodeRunFailed(run.result)
        with tempfile.TemporaryDirectory() as folder:
            predictions = Path(folder) / "predictions.csv"
            run.submission.to_csv(predictions, index=False)
            grade = grader_for(bundle).grade_file(predictions, max_bytes=max_bytes)
        grade.sections.insert(0, run_section(run.result))
        return grade

    def checks(self) -> list[NamedCheck]:
        from tiltyard.kinds.table.checks import CHECKS
        from tiltyard.kinds.table.data_checks import CHECKS as DATA_CHECKS

        return [*CHECKS, *DATA_CHECKS]

    def workspace(self, bundle: Bundle, folder: Path) -> str:
        super().workspace(bundle, folder)
        return f"cd {folder} && python starter.py && tiltyard submit {bundle.manifest.id} submission.csv"

    def handle(self, bundle: Bundle):
        from tiltyard.kinds.table.handle import Challenge

        return Challenge(bundle)

    def describe(self, manifest: Manifest) -> dict:
        split = manifest.split
        return {"task": manifest.task.type if manifest.task else "table",
                "rows": split.train_rows + split.test_rows if split else None}

    def summary(self, section: ReportSection) -> str | None:
        if section.name == "cleaning":
            from tiltyard.kinds.table.cleaning import cleaning_line

            return cleaning_line(section.data)
        if section.name == "corruption":
            from tiltyard.kinds.table.corruption.trips import corruption_line

            return corruption_line(section.data)
        if section.name != "run":
            return None
        run, budget = section.data, section.data["budget"]
        limits_by = run.get("limits_enforced_by") or "rlimits"
        return (f"Ran in the sandbox ({run['sandbox']}): {run['wall_s']:.1f} s wall, "
                f"{run['cpu_s']:.1f} s CPU, {run['peak_memory_mb']:.0f} MB peak; budget "
                f"{budget['wall_seconds']:.0f} s wall, {budget['cpu_seconds']:.0f} s CPU, "
                f"{budget['memory_mb']} MB, {budget['threads']} threads; limits enforced by {limits_by} "
                f"({'each process on its own' if limits_by == 'rlimits' else 'the whole process tree'})")

    def charts(self, section: ReportSection) -> dict[str, dict]:
        return diagnostic_charts(section.data) if section.name == "diagnostics" else {}


KIND = TableKind()
