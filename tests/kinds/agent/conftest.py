"""A tiny CartPole bundle (a few short episodes) built by the agent kind's own builder, and a
way to write a policy folder from source."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Budget
from tiltyard.kinds.agent.builder import AgentBuilder, Rung, random_rung, rung_file
from tiltyard.kinds.agent.challenges import CARTPOLE_BALANCE
from tiltyard.kinds.agent.section import Phase

LEAN = rung_file("cartpole_lean.py")


def tiny_spec(challenge_id: str = "tiny-cartpole-v1", wall_seconds: float = 40, **section_changes):
    spec = CARTPOLE_BALANCE.spec
    section = spec.section.model_copy(update={"public_seeds": [1, 2, 3], "private_episodes": 4,
                                              "max_episode_steps": 60, "step_seconds": 2.0,
                                              "setup_seconds": 20.0, "reference_rung": "lean",
                                              **section_changes})
    return dataclasses.replace(
        spec, id=challenge_id, section=section,
        budget=Budget(environment_steps=section.step_budget, wall_seconds=wall_seconds, cpu_seconds=40,
                      memory_mb=600),
        rungs=lambda: [random_rung(), Rung("lean", "push toward the lean", {"policy.py": LEAN})])


def build_tiny(catalog: Path, challenge_id: str = "tiny-cartpole-v1", **changes) -> Bundle:
    return AgentBuilder(tiny_spec(challenge_id, **changes)).build(catalog)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Bundle:
    return build_tiny(tmp_path_factory.mktemp("agent-catalog"))


@pytest.fixture(scope="module")
def two_phases(tmp_path_factory) -> Bundle:
    """Online rewards in the first phase, none in the second (as a bandit's online and greedy scores)."""
    return build_tiny(tmp_path_factory.mktemp("agent-phases"), "tiny-phases-v1", phases=[
        Phase(name="online", title="Online return", reveal_rewards=True),
        Phase(name="greedy", title="Greedy return", episodes=2)])


@pytest.fixture
def policy_folder(tmp_path):
    def write(source: str, **files: str | bytes) -> Path:
        folder = tmp_path / "policy"
        folder.mkdir(exist_ok=True)
        (folder / "policy.py").write_text(textwrap.dedent(source))
        for name, content in files.items():
            target = folder / name.replace("__", ".")
            target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
        return folder

    return write
