"""The lab kind: a simulator the learner queries under a budget of experiments, then hands in
final designs graded on the sealed world.

Everything particular to one simulation (its chemistry, its score, its design format, its
plot) lives in its simulator, found by the name the bundle's ``[lab]`` section gives among the
``tiltyard.lab_simulators`` entry points; this kind is the same for every lab."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import ChallengeKind, Grade, SubmissionFormat
from tiltyard.metrics import Metric

# The kind is loaded to list challenges and start the CLI: the lab itself (pandas, the store's
# query log, the simulators) is imported by the methods that use it.


class LabSection(BaseModel):
    """A lab bundle's ``[lab]`` section: which simulator, and what it says of itself."""

    model_config = ConfigDict(extra="allow")  # the simulator's own facts (seed, parts, score)

    simulator: str


def _lab():
    from tiltyard.kinds.lab import lab

    return lab


class LabKind(ChallengeKind):
    name = "lab"
    grading_modules = ("tiltyard.kinds.lab.lab",)
    templates = Path(__file__).with_name("templates")

    section_model = LabSection

    def _simulator_class(self, manifest: Manifest):
        from tiltyard.kinds.lab.core import simulator_class

        return simulator_class(self.section(manifest).simulator)

    def primary_metric(self, manifest: Manifest) -> Metric:
        return self._simulator_class(manifest).metric

    def formats(self, manifest: Manifest) -> tuple[SubmissionFormat, ...]:
        return (self._simulator_class(manifest).design_format,)

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        return _lab().simulator_for(bundle).grade_file(path, max_bytes=max_bytes)

    def after_grade(self, bundle: Bundle, grade: Grade, folder: Path, stem: str,
                    owner: str) -> dict[str, str]:
        plot = folder / f"{stem}-exploration.png"
        _lab().save_exploration_plot(bundle, grade.evidence, plot, owner)
        return {"exploration_plot": str(plot)}

    def handle(self, bundle: Bundle):
        return _lab().lab_for_bundle(bundle)

    def describe(self, manifest: Manifest) -> dict:
        return {"task": f"{self.section(manifest).simulator} lab", "rows": None}


KIND = LabKind()
