"""What the agent coach looks at: the learner's self-report (report.json), the server's
evaluation, the ladder, and, when it has them, the policy itself and the public environment
to probe it in. Plain inputs, as the table coach's :class:`~tiltyard.coach.Case`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.coach.budget import TimeBudget
from tiltyard.coach.plots import Charts

PROBE_EPISODES = 3
PROBE_STEPS = 600  # at most, over every probe episode: probes stay quick on a loaded machine
HISTORY_PROBES = 30


@dataclass
class AgentCase:
    challenge_id: str | None = None
    learning_curve: list[tuple[int, float]] = field(default_factory=list)  # (steps, mean return)
    steps_used: int | None = None          # as the self-report says
    step_budget: int | None = None
    self_reported_mean: float | None = None
    public_returns: list[float] = field(default_factory=list)   # the server's, per episode
    private_returns: list[float] = field(default_factory=list)
    seed_scores: dict[int, float] = field(default_factory=dict)  # mean return per training seed
    random_score: float | None = None
    reference_score: float | None = None
    memory_task: bool = False
    policy: Any = None                      # the learner's policy object (make_policy's result)
    make_env: Callable[[], gym.Env] | None = None  # the public environment, to probe the policy in
    public_seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    # The learning curve's episodes are the ladder's (False when the scored phase plays other
    # episodes than training does, e.g. a whole stream against 100-row training episodes).
    curve_on_ladder_scale: bool = True

    @property
    def span(self) -> float | None:
        """Reference minus random: the yardstick of "a lot" for this challenge's returns."""
        if self.random_score is None or self.reference_score is None:
            return None
        gap = self.reference_score - self.random_score
        return gap if gap > 0 else None


@dataclass
class Probe:
    """The policy played on public episodes, and asked the same observation after different pasts."""

    observations: np.ndarray
    actions: list
    rewards: list[float]
    changed_by_past: int    # probes where a different past changed the action
    changed_by_chance: int  # probes where the same past, replayed, changed it (a stochastic policy)
    probes: int


def _call(policy: Any, name: str, *args) -> None:
    hook = getattr(policy, name, None)
    if callable(hook):
        hook(*args)


def _act(policy: Any, observation) -> Any:
    action = policy.act(observation)
    return action.tolist() if isinstance(action, np.ndarray | np.generic) else action


def probe_policy(policy: Any, make_env: Callable[[], gym.Env], seeds: list[int], rng: np.random.Generator) -> Probe:
    env = make_env()
    observations, actions, rewards = [], [], []
    try:
        for seed in seeds[:PROBE_EPISODES]:
            observation, _ = env.reset(seed=int(seed))
            _call(policy, "reset")
            done = False
            while not done and len(actions) < PROBE_STEPS:
                action = _act(policy, observation)
                observations.append(np.asarray(observation, dtype=np.float32))
                actions.append(action)
                observation, reward, terminated, truncated, _ = env.step(action)
                rewards.append(float(reward))
                done = terminated or truncated
    finally:
        env.close()
    stacked = np.stack(observations)
    by_past = by_chance = 0
    probes = min(HISTORY_PROBES, len(stacked))

    def replay(past: np.ndarray, now: np.ndarray) -> Any:
        _call(policy, "reset")
        for earlier in past:
            _act(policy, earlier)
        return _act(policy, now)

    for _ in range(probes):
        now, one, other = (stacked[rng.integers(len(stacked), size=4)] for _ in range(3))
        first = replay(one, now[0])
        by_chance += replay(one, now[0]) != first
        by_past += replay(other, now[0]) != first
    _call(policy, "reset")
    return Probe(stacked, actions, rewards, by_past, by_chance, probes)


@dataclass
class AgentContext:
    case: AgentCase
    charts: Charts
    budget: TimeBudget
    seed: int = 0
    probe_error: BaseException | None = None

    @cached_property
    def probe(self) -> Probe | None:
        case = self.case
        if case.policy is None or case.make_env is None:
            return None
        try:
            return probe_policy(case.policy, case.make_env, case.public_seeds, np.random.default_rng(self.seed))
        except Exception as error:  # noqa: BLE001 - a policy that fails here is graded elsewhere
            self.probe_error = error
            return None

    @property
    def public_mean(self) -> float | None:
        return float(np.mean(self.case.public_returns)) if self.case.public_returns else None
