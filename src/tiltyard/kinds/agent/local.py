"""Play a policy in this process: the ladder's own rungs at build time and ``ch.evaluate`` on
a learner's machine. The loop is the grader's (:func:`play.play_phase`), so a rung scored
here regrades to the same returns in the sandbox."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tiltyard.errors import SubmissionError
from tiltyard.kinds.agent.harness import PhasePlan
from tiltyard.kinds.agent.play import EpisodeLog, LocalPolicy, PolicyPort, Where, play_phase
from tiltyard.kinds.agent.submission import POLICY_FILE

_loads = itertools.count()


def load_make_policy(folder: Path) -> Callable[..., Any]:
    """``make_policy`` from ``folder/policy.py`` (its folder first on the path while it loads)."""
    path = Path(folder) / POLICY_FILE
    spec = importlib.util.spec_from_file_location(f"tiltyard_policy_{next(_loads)}", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    make_policy = getattr(module, "make_policy", None)
    if not callable(make_policy):
        raise SubmissionError(f"{path} does not define make_policy", code="no_make_policy",
                              expected="def make_policy(observation_space, action_space): ... return policy",
                              got="no such function", hint="Define it; see the starter's policy.py")
    return make_policy


def play_plans(port: PolicyPort, plans: list[PhasePlan]) -> dict[str, dict[str, EpisodeLog]]:
    in_flight: list[Where] = []
    return {plan.name: {split: play_phase(port, plan.env_for(split), seeds, split=split, phase=plan.name,
                                          reveal_rewards=plan.reveal_rewards, in_flight=in_flight)
                        for split, seeds in plan.seeds.items()}
            for plan in plans}


def play_folder(folder: Path, plans: list[PhasePlan], observation_space,
                action_space) -> dict[str, dict[str, EpisodeLog]]:
    make_policy = load_make_policy(folder)
    return play_plans(LocalPolicy(make_policy(observation_space, action_space)), plans)
