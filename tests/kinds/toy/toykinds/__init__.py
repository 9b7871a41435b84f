"""A toy agent kind (named "corridor": the real agent kind is built in) that lives only in the
tests: a corridor environment, policies evaluated in the sandbox on sealed seeds, two
baselines. It is registered as a third-party package would be (an entry point in the
``tiltyard.kinds`` group) and needs no edit of Tiltyard's generic code."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import ChallengeKind, Check, EvaluationFailed, Grade, NamedCheck, ReportSection, SubmissionFormat
from tiltyard.metrics import Metric
from tiltyard.runner.outcomes import Outcome
from tiltyard.runner.sandbox import run_in_sandbox
from tiltyard.runner.seam import Verdict

SEEDS_FILE = "seeds.json"
POLICY = SubmissionFormat((".py",), "a policy (a .py file defining make_policy())",
                          "Hand in a .py file defining make_policy(observation_space, action_space)",
                          runs_code=True)


MEAN_RETURN = Metric("mean_return", "Mean return", "maximize", "values", ("agent",),
                     lambda y_true, y_pred: float(np.mean(y_pred)))


class AgentSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environment: str
    episodes: int
    max_steps: int


@dataclass
class CorridorHarness:
    """Runs the learner's policy for one episode per sealed seed, inside the sandbox."""

    seeds: list[int]
    max_steps: int
    data_files: tuple[Path, ...] = ()
    entry_script: Path = Path(__file__).with_name("corridor_entry.py")
    entry_point: str = "make_policy()"
    output_noun: str = "episode returns"
    reproduce: str = "run your policy on a few corridor episodes"
    stage_words: dict[str, str] = field(default_factory=lambda: {"make_policy": "in make_policy()",
                                                                 "episodes": "while running episodes"})

    def stage_inputs(self, folder: Path) -> dict[str, str]:
        return {}

    def settings(self) -> dict:
        return {"seeds": self.seeds, "max_steps": self.max_steps}

    def check_output(self, header: dict, payload: bytes) -> Verdict:
        returns = np.load(io.BytesIO(payload), allow_pickle=False)
        if returns.shape != (len(self.seeds),) or not np.isfinite(returns).all():
            return Verdict(Outcome.INVALID_OUTPUT, f"expected {len(self.seeds)} finite returns, got {returns.shape}")
        return Verdict(Outcome.OK, f"Ran {len(self.seeds)} episodes.", predictions=returns)


class AgentKind(ChallengeKind):
    name = "corridor"
    section_model = AgentSection
    submission_formats = (POLICY,)
    templates = Path(__file__).with_name("templates")

    def primary_metric(self, manifest: Manifest) -> Metric:
        return MEAN_RETURN

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        section = self.section(bundle.manifest)
        seeds = json.loads(bundle.sealed_file(SEEDS_FILE).read_text())
        run = run_in_sandbox(CorridorHarness(seeds["public"] + seeds["private"], section.max_steps), path)
        usage = ReportSection(kind="corridor", name="episodes", title="Episodes",
                              data={"outcome": run.outcome.value, "message": run.message,
                                    "returns": None if run.predictions is None else run.predictions.tolist()})
        if not run.ok:
            raise EvaluationFailed(run.message, code=run.outcome.value, sections=[usage])
        returns = run.predictions
        public = float(np.mean(returns[: len(seeds["public"])]))
        private = float(np.mean(returns[len(seeds["public"]):]))
        metric = bundle.manifest.metric.primary
        return Grade({metric: public}, {metric: private}, sections=[usage])

    def checks(self) -> list[NamedCheck]:
        return [NamedCheck("corridor.seeds_sealed", seeds_sealed)]

    def summary(self, section: ReportSection) -> str | None:
        returns = section.data.get("returns")
        return None if returns is None else f"{len(returns)} episodes, mean return {np.mean(returns):.2f}"


def seeds_sealed(bundle: Bundle) -> list[Check]:
    seeds = json.loads(bundle.sealed_file(SEEDS_FILE).read_text())
    enough = len(seeds["public"]) >= 2 and len(seeds["private"]) >= 2
    return [Check("corridor.seeds_sealed", "seeds sealed", enough,
                  f"{len(seeds['public'])} public and {len(seeds['private'])} private seeds")]


KIND = AgentKind()
