"""The lab kind: a simulator the learner queries under a budget of experiments, then hands in
final designs graded on the sealed world.

Everything particular to one simulation (its chemistry, its score, its design format, its
plot) lives in its simulator, found by the name the bundle's ``[lab]`` section gives among the
``tiltyard.lab_simulators`` entry points; this kind is the same for every lab."""

from __future__ import annotations

from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import ChallengeKind, Grade, SubmissionFormat
from tiltyard.kinds.lab.core import Lab, LabError, LabSection, Part, simulator_class
from tiltyard.kinds.lab.lab import (
    export_queries,
    inspect_part,
    lab_for_bundle,
    open_lab,
    query_file,
    save_exploration_plot,
    simulator_for,
)
from tiltyard.metrics import Metric

__all__ = ["KIND", "Lab", "LabError", "LabKind", "Part", "export_queries", "inspect_part",
           "lab_for_bundle", "open_lab", "query_file"]


class LabKind(ChallengeKind):
    name = "lab"
    section_model = LabSection
    templates = Path(__file__).with_name("templates")

    def _simulator_class(self, manifest: Manifest):
        return simulator_class(self.section(manifest).simulator)

    def primary_metric(self, manifest: Manifest) -> Metric:
        return self._simulator_class(manifest).metric

    def formats(self, manifest: Manifest) -> tuple[SubmissionFormat, ...]:
        return (self._simulator_class(manifest).design_format,)

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        return simulator_for(bundle).grade_file(path, max_bytes=max_bytes)

    def after_grade(self, bundle: Bundle, grade: Grade, folder: Path, stem: str,
                    owner: str) -> dict[str, str]:
        plot = folder / f"{stem}-exploration.png"
        save_exploration_plot(bundle, grade.evidence, plot, owner)
        return {"exploration_plot": str(plot)}

    def handle(self, bundle: Bundle) -> Lab:
        return lab_for_bundle(bundle)

    def register_cli(self, app, tools) -> None:
        from tiltyard.kinds.lab.cli import register  # Typer only when the CLI runs

        register(app, tools)

    def describe(self, manifest: Manifest) -> dict:
        return {"task": f"{self.section(manifest).simulator} lab", "rows": None}


KIND = LabKind()
