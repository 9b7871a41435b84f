"""The agent kind: an environment (Gymnasium API) in which a submitted policy is evaluated on
sealed seeds, under a budget of environment steps.

A learner hands in ``policy.py`` defining ``make_policy(observation_space, action_space)`` that
returns an object with ``act(observation) -> action`` and, optionally, ``reset()`` (called at
each episode start), ``observe(reward)`` (called after each ``act`` in a phase whose rewards are
revealed online) and ``start_phase(name)`` (called before each scored phase), beside any files
it loads and an optional ``report.json`` from training; as one folder, or a .zip/.tar.gz of it.
The policy runs in the sandbox; the environment is stepped outside it, on the sealed seeds."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import ChallengeKind, Grade, NamedCheck, ReportSection, SubmissionFormat
from tiltyard.kinds.agent.section import AgentSection
from tiltyard.metrics import Metric

# The kind is loaded to list challenges and start the CLI: Gymnasium, the sandbox and the
# environments are imported by the methods that use them.

POLICY = SubmissionFormat((".py", ".zip", ".gz", ".tgz"),
                          "a policy (policy.py, or a .zip/.tar.gz of its folder)",
                          "Hand in policy.py defining make_policy(observation_space, action_space), or zip the "
                          "folder holding it and the weights it loads", runs_code=True)


def _by_the_kind(y_true, y_pred) -> float:
    return float(np.mean(y_pred))


MEAN_RETURN = Metric("mean_return", "Mean episodic return", "maximize", "values", ("agent",), _by_the_kind)


class AgentKind(ChallengeKind):
    name = "agent"
    section_model = AgentSection
    submission_formats = (POLICY,)
    templates = Path(__file__).with_name("templates")
    grading_modules = ("tiltyard.kinds.agent.grading", "tiltyard.kinds.agent.verified_upload")

    def primary_metric(self, manifest: Manifest) -> Metric:
        return MEAN_RETURN

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        """A policy is played on the sealed seeds; a training folder (train.py at its top) is
        trained by the verified budget track first (verified_upload.py)."""
        from tiltyard.kinds.agent.grading import evaluate_policy
        from tiltyard.kinds.agent.verified_upload import grade_training, training_folder

        with tempfile.TemporaryDirectory(prefix="tiltyard-upload-") as scratch:
            folder = training_folder(path, Path(scratch), max_bytes=max_bytes)
            if folder is not None:
                return grade_training(bundle, folder)
        return evaluate_policy(bundle, path, max_bytes=max_bytes)

    def checks(self) -> list[NamedCheck]:
        from tiltyard.kinds.agent.checks import CHECKS

        return CHECKS

    def workspace(self, bundle: Bundle, folder: Path) -> str:
        super().workspace(bundle, folder)
        step = (f"cd {folder} && python train.py && tiltyard submit {bundle.manifest.id} submission "
                "(train.py trains within the budget and writes the folder submission/)")
        if self.section(bundle.manifest).verified is None:
            return step
        return (f"{step}; or hand in the workspace folder itself (tiltyard submit {bundle.manifest.id} {folder}): "
                "the grader trains train.py on its own training seeds, the verified budget track")

    def handle(self, bundle: Bundle):
        from tiltyard.kinds.agent.handle import AgentChallenge

        return AgentChallenge(bundle)

    def describe(self, manifest: Manifest) -> dict:
        section = self.section(manifest)
        return {"task": f"agent: {section.environment.id or section.environment.factory}",
                "rows": None}

    def summary(self, section: ReportSection) -> str | None:
        from tiltyard.kinds.agent.pages import summary

        return summary(section)

    def charts(self, section: ReportSection) -> dict[str, dict]:
        from tiltyard.kinds.agent.pages import charts

        return charts(section)


KIND = AgentKind()
