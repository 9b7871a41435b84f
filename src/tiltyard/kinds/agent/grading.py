"""Grade a policy: run it in the sandbox on the public and the sealed private seeds, then turn
the episode returns into scores (mean episodic return, a 95% bootstrap interval, the score
normalised between the random and the reference rung) and report sections."""

from __future__ import annotations

import json
import math
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tiltyard.challenges.bundle import Bundle
from tiltyard.config import get_settings
from tiltyard.core import EvaluationFailed, Grade, ReportSection
from tiltyard.kinds.agent.environments import make_env, version_problem
from tiltyard.kinds.agent.harness import PhasePlan, PolicyHarness
from tiltyard.kinds.agent.play import EpisodeLog
from tiltyard.kinds.agent.section import AgentSection, Phase, private_seeds, section_of
from tiltyard.kinds.agent.submission import unpack
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import RunResult
from tiltyard.runner.sandbox import run_in_sandbox
from tiltyard.stats import bootstrap_ci

KIND = "agent"
PRIMARY_METRIC = "mean_return"
NORMALISED = "normalised_score"
SELF_REPORT = "report.json"
SELF_REPORT_LIMIT = 1 << 20
# A self-reported mean this far from the server's (in units of the server's interval) is a gap.
GAP_INTERVALS = 1.0


def score_name(phase: Phase, index: int) -> str:
    """The first phase's score is the primary one; others are named after their phase."""
    return PRIMARY_METRIC if index == 0 else f"{phase.name}_{PRIMARY_METRIC}"


class CurvePoint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    step: int = Field(ge=0)
    mean_return: float


class SelfReport(BaseModel):
    """What a learner's training says of itself (``report.json`` beside policy.py); shown beside
    the server's own figures, never trusted for a score."""

    model_config = ConfigDict(extra="ignore")

    steps_used: int | None = Field(None, ge=0)
    mean_return: float | None = None
    learning_curve: list[CurvePoint] = Field(default_factory=list, max_length=10_000)
    seeds: list[int] = Field(default_factory=list, max_length=1_000)
    versions: dict[str, str] = Field(default_factory=dict)
    algorithm: str | None = None


def read_self_report(folder: Path) -> tuple[SelfReport | None, str | None]:
    """The self-report and, when it cannot be read, why."""
    path = folder / SELF_REPORT
    if not path.is_file():
        return None, None
    if path.stat().st_size > SELF_REPORT_LIMIT:
        return None, f"{SELF_REPORT} is larger than {SELF_REPORT_LIMIT >> 10} kB and was not read"
    try:
        return SelfReport.model_validate(json.loads(path.read_text(encoding="utf-8"))), None
    except (ValueError, ValidationError) as error:
        return None, f"{SELF_REPORT} could not be read ({str(error).splitlines()[0][:200]})"


def budget_for(bundle: Bundle) -> SandboxLimits:
    budget = bundle.manifest.budget
    return SandboxLimits(wall_seconds=budget.wall_seconds, cpu_seconds=budget.cpu_seconds,
                         memory_mb=budget.memory_mb, threads=budget.threads)


def plans(section: AgentSection, splits: dict[str, list[int]]) -> list[PhasePlan]:
    def maker(kwargs: dict):
        return partial(make_env, section.environment, max_episode_steps=section.max_episode_steps, kwargs=kwargs)

    return [PhasePlan(phase.name, maker(phase.kwargs),
                      {split: seeds[: phase.episodes] for split, seeds in splits.items()}, phase.reveal_rewards,
                      maker({**phase.kwargs, **phase.private_kwargs}) if phase.private_kwargs else None)
            for phase in section.phases]


def spaces(section: AgentSection):
    env = make_env(section.environment, max_episode_steps=section.max_episode_steps)
    try:
        return env.observation_space, env.action_space
    finally:
        env.close()


def run_section(result: RunResult) -> ReportSection:
    return ReportSection(kind=KIND, name="run", title="The policy's run", data=result.model_dump(mode="json"))


def interval(returns: list[float]) -> dict[str, float]:
    values = np.asarray(returns, dtype=float)
    if values.size == 0 or not np.isfinite(values).all():
        return {"estimate": float("nan"), "low": float("nan"), "high": float("nan"), "confidence": 0.95}
    if values.size == 1 or np.ptp(values) == 0:
        mean = float(values.mean())
        return {"estimate": mean, "low": mean, "high": mean, "confidence": 0.95}
    return bootstrap_ci(values, np.mean, confidence=0.95, n_resamples=2000, seed=0).as_dict()


def rung_scores(bundle: Bundle, section: AgentSection) -> dict[str, tuple[float, float]] | None:
    """(public, private) scores of the random and the reference rung, when both are built."""
    names = {entry.name: entry for entry in bundle.manifest.baselines}
    if section.reference_rung is None or section.random_rung not in names or section.reference_rung not in names:
        return None
    return {role: (names[name].public_score, names[name].private_score)
            for role, name in (("random", section.random_rung), ("reference", section.reference_rung))}


def normalised(score: float, random: float, reference: float) -> float | None:
    span = reference - random
    return None if span <= 0 or not math.isfinite(score) else (score - random) / span


def phase_rows(section: AgentSection, logs: dict[str, dict[str, EpisodeLog]], split: str,
               seeds: list[int] | None) -> list[dict[str, Any]]:
    rows = []
    for index, phase in enumerate(section.phases):
        log = logs[phase.name][split]
        rows.append({"name": phase.name, "title": phase.title, "score": score_name(phase, index),
                     "returns": log.returns, "lengths": log.lengths,
                     "interval": interval(log.returns),
                     "seeds": None if seeds is None else seeds[: phase.episodes]})
    return rows


def evaluate_policy(bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
    started = time.perf_counter()
    section: AgentSection = section_of(bundle)
    with tempfile.TemporaryDirectory(prefix="tiltyard-policy-") as scratch:
        folder = unpack(Path(path), Path(scratch), max_bytes=max_bytes)
        self_report, unreadable = read_self_report(folder)
        observation_space, action_space = spaces(section)
        splits = {"public": list(section.public_seeds), "private": private_seeds(bundle, section)}
        harness = PolicyHarness(observation_space, action_space, plans(section, splits),
                                step_seconds=section.step_seconds, setup_seconds=section.setup_seconds)
        read_s = time.perf_counter() - started
        result = run_in_sandbox(harness, folder, budget=budget_for(bundle),
                                allow_weak_sandbox=get_settings().allow_weak_sandbox)
    if not result.ok:
        raise EvaluationFailed(result.message, code=result.outcome.value, sections=[run_section(result)],
                               got=result.traceback_tail or (result.stderr_tail[-600:] or None))
    return grade_from_logs(bundle, section, harness.logs, splits, result=result, self_report=self_report,
                           warnings=[w for w in [unreadable, _pin_warning(section)] if w],
                           read_s=read_s, score_s=time.perf_counter() - started - read_s)


def _pin_warning(section: AgentSection) -> str | None:
    problem = version_problem(section.environment)
    return None if problem is None else (f"The environment's package differs from the bundle's pin ({problem}); "
                                         "returns may not compare with the ladder's")


def grade_from_logs(bundle: Bundle, section: AgentSection, logs: dict[str, dict[str, EpisodeLog]],
                    splits: dict[str, list[int]], *, result: RunResult | None = None,
                    self_report: SelfReport | None = None, warnings: list[str] = (),
                    read_s: float = 0.0, score_s: float = 0.0) -> Grade:
    """Scores and sections from the episodes a policy played (in the sandbox or, for the
    ladder, in this process)."""
    scores: dict[str, dict[str, float]] = {"public": {}, "private": {}}
    for split in scores:
        for index, phase in enumerate(section.phases):
            returns = logs[phase.name][split].returns
            scores[split][score_name(phase, index)] = float(np.mean(returns)) if returns else float("nan")
    rungs = rung_scores(bundle, section)
    if rungs is not None:
        for position, split in enumerate(scores):
            value = normalised(scores[split][PRIMARY_METRIC], rungs["random"][position], rungs["reference"][position])
            if value is not None:
                scores[split][NORMALISED] = value
    public = phase_rows(section, logs, "public", splits["public"])
    common = {"environment": section.environment.describe(), "step_budget": section.step_budget,
              "max_episode_steps": section.max_episode_steps}
    sections = [ReportSection(kind=KIND, name="episodes", title="Episodes on the public seeds",
                              data={**common, "split": "public", "phases": public,
                                    "normalised": scores["public"].get(NORMALISED),
                                    "rungs": None if rungs is None else {k: v[0] for k, v in rungs.items()}}),
                ReportSection(kind=KIND, name="private_episodes", title="Episodes on the sealed private seeds",
                              private=True,
                              data={**common, "split": "private",
                                    "phases": phase_rows(section, logs, "private", None),
                                    "normalised": scores["private"].get(NORMALISED),
                                    "rungs": None if rungs is None else {k: v[1] for k, v in rungs.items()}})]
    if self_report is not None:
        sections.append(self_report_section(self_report, public[0], section))
    if result is not None:
        sections.append(run_section(result))
    return Grade(scores["public"], scores["private"], warnings=list(warnings), sections=sections,
                 read_and_validate_s=read_s, score_s=score_s)


def self_report_section(report: SelfReport, public: dict[str, Any], section: AgentSection) -> ReportSection:
    server = public["interval"]
    gap = None if report.mean_return is None else report.mean_return - server["estimate"]
    half_width = max(server["high"] - server["low"], 1e-9) / 2
    return ReportSection(kind=KIND, name="self_report", title="What your training reported", data={
        **report.model_dump(mode="json"), "server_mean_return": server["estimate"], "gap": gap,
        "gap_is_large": gap is not None and abs(gap) > GAP_INTERVALS * half_width + 1e-9,
        "step_budget": section.step_budget,
        "over_budget": report.steps_used is not None and report.steps_used > section.step_budget})
