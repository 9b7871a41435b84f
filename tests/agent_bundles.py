"""A tiny CartPole bundle (a few short episodes) built by the agent kind's own builder: for the
agent kind's tests and the arena's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Budget
from tiltyard.kinds.agent.builder import AgentBuilder, Rung, random_rung, rung_file
from tiltyard.kinds.agent.challenges import CARTPOLE_BALANCE

LEAN = rung_file("cartpole_lean.py")


def tiny_spec(challenge_id: str = "tiny-cartpole-v1", wall_seconds: float = 40, **section_changes):
    spec = CARTPOLE_BALANCE.spec
    section = spec.section.model_copy(update={"public_seeds": [1, 2, 3], "private_episodes": 4,
                                              "max_episode_steps": 60, "step_seconds": 2.0,
                                              "setup_seconds": 20.0, "reference_rung": "lean",
                                              "verified": None, **section_changes})
    return dataclasses.replace(
        spec, id=challenge_id, section=section,
        budget=Budget(environment_steps=section.step_budget, wall_seconds=wall_seconds, cpu_seconds=40,
                      memory_mb=600),
        rungs=lambda: [random_rung(), Rung("lean", "push toward the lean", {"policy.py": LEAN})])


def build_tiny(catalog: Path, challenge_id: str = "tiny-cartpole-v1", instance=None, **changes) -> Bundle:
    return AgentBuilder(tiny_spec(challenge_id, **changes)).build(catalog, instance=instance)
