"""The coach for agents: ``coach_agent(case)`` runs every check that applies and returns the
coach's own :class:`~tiltyard.coach.CoachReport` (findings, evidence, lessons), so the CLI,
the server and the lesson journal treat it as any other report.

The checks are registered as the table coach registers its own: a named diagnosis and what it
needs (a learning curve, seeds, the policy and an environment to probe it in)."""

from __future__ import annotations

import time
from pathlib import Path

from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.findings import CoachReport, Finding
from tiltyard.coach.plots import Charts
from tiltyard.kinds.agent import coach_checks as checks
from tiltyard.kinds.agent.coach_case import AgentCase, AgentContext
from tiltyard.kinds.agent.coach_diagnosis import AgentDiagnosis

AGENT_CHECKS: list[AgentDiagnosis] = [
    AgentDiagnosis("budget-overrun", checks.check_budget, needs=("self_report",)),
    AgentDiagnosis("no-learning", checks.check_no_learning, needs=("curve",)),
    AgentDiagnosis("unstable-across-seeds", checks.check_unstable_seeds, needs=("seeds",)),
    AgentDiagnosis("public-private-gap", checks.check_seed_gap, needs=("evaluation",)),
    AgentDiagnosis("self-report-gap", checks.check_self_report, needs=("self_report", "evaluation")),
    AgentDiagnosis("memoryless-policy", checks.check_memoryless, needs=("policy",)),
    AgentDiagnosis("collapsed-actions", checks.check_collapsed_actions, needs=("policy",)),
    AgentDiagnosis("dead-relu", checks.check_dead_relu, needs=("policy",)),
]


def coach_agent(case: AgentCase, *, folder: Path | None = None, budget_seconds: float | None = 120.0,
                seed: int = 0) -> CoachReport:
    """Every agent check that applies to ``case``; those the time budget does not reach are skipped."""
    started = time.perf_counter()
    context = AgentContext(case=case, charts=Charts(folder), budget=TimeBudget(budget_seconds), seed=seed)
    findings: list[Finding] = []
    skipped: list[str] = []
    timings: dict[str, float] = {}
    for check in AGENT_CHECKS:
        if not check.applies(context):
            continue
        if context.budget.exhausted:
            skipped.append(check.name)
            continue
        before = time.perf_counter()
        findings.extend(check.run(context))
        timings[check.name] = time.perf_counter() - before
    scores = {"public_mean": context.public_mean, "random": case.random_score, "reference": case.reference_score}
    return CoachReport(challenge_id=case.challenge_id, subject=type(case.policy).__name__ if case.policy is not None
                       else "self-report and evaluation", findings=findings, scores=scores, skipped=skipped,
                       seconds=time.perf_counter() - started, folder=folder, timings=timings)


def case_from_folder(challenge, folder: Path, *, private_returns: list[float] | None = None) -> AgentCase:
    """The case for a policy folder on a loaded agent challenge (``tiltyard.load(ID)``): its
    report.json, its returns on the public seeds (played here, as the grader plays them), the
    ladder's random and reference rungs, and the policy itself with the public environment to
    probe it in. ``private_returns`` come from a graded report, when there is one."""
    from tiltyard.kinds.agent.grading import read_self_report, spaces
    from tiltyard.kinds.agent.local import load_make_policy

    section = challenge.section
    report, _ = read_self_report(Path(folder))
    baselines = {entry.name: entry.public_score for entry in challenge.manifest.baselines}
    observation_space, action_space = spaces(section)
    evaluation = challenge.evaluate(Path(folder))
    return AgentCase(
        challenge_id=challenge.id, step_budget=section.step_budget,
        learning_curve=[(p.step, p.mean_return) for p in report.learning_curve] if report else [],
        steps_used=report.steps_used if report else None,
        self_reported_mean=report.mean_return if report else None,
        seed_scores={}, public_returns=evaluation.returns[evaluation.primary],
        private_returns=list(private_returns or []), random_score=baselines.get(section.random_rung),
        reference_score=baselines.get(section.reference_rung) if section.reference_rung else None,
        memory_task=section.memory_task, policy=load_make_policy(Path(folder))(observation_space, action_space),
        make_env=lambda: challenge.make_env(), public_seeds=list(section.public_seeds),
        curve_on_ladder_scale=not section.primary.kwargs)
