"""The tiny CartPole bundle (tests/agent_bundles.py), in one and two phases, and a way to write a
policy folder from source."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from agent_bundles import build_tiny

from tiltyard.challenges.bundle import Bundle
from tiltyard.kinds.agent.section import Phase


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
