"""A named agent diagnosis and what it needs to run (the table coach's Diagnosis, for agents)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tiltyard.coach.findings import Finding
from tiltyard.kinds.agent.coach_case import AgentContext


@dataclass(frozen=True)
class AgentDiagnosis:
    """``needs``: curve, seeds, evaluation, self_report, policy (with an environment to probe it in)."""

    name: str
    run: Callable[[AgentContext], Iterable[Finding]]
    needs: tuple[str, ...] = ()

    def applies(self, context: AgentContext) -> bool:
        case = context.case
        available = {
            "curve": len(case.learning_curve) >= 3,
            "seeds": len(case.seed_scores) >= 3,
            "evaluation": bool(case.public_returns),
            "self_report": case.steps_used is not None or case.self_reported_mean is not None
            or bool(case.learning_curve),
            "policy": case.policy is not None and case.make_env is not None,
        }
        return all(available[need] for need in self.needs)
