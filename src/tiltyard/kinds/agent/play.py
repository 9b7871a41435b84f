"""The episode loop, the same for a policy in this process (``ch.evaluate``, the ladder) and
one in the sandbox (grading): the environment is stepped here, with the seeds in a fixed
seed -> episode order; the policy only ever sees observations (and, where a phase reveals
them, rewards).

A policy without ``reset()`` has, by the contract, nothing to remember between steps: the loop
plays up to ``LANES`` of its episodes side by side (episode i in lane i % LANES, each lane's in
order, one environment per lane), and asks for one action per lane at a time, so a sandboxed
policy answers a lane's worth of steps in one round trip. A policy with ``reset()`` (memory), and
any phase that reveals rewards (a policy that learns online), plays one episode at a time."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from tiltyard.errors import SubmissionError

LANES = 16  # episodes played side by side by a policy without memory


@dataclass
class Where:
    """Where the episode loop is, for messages (a private seed is never named)."""

    phase: str = ""
    split: str = ""
    episode: int = -1  # index in the phase's seed list
    step: int = -1
    seed: int | None = None  # only for public seeds

    def describe(self) -> str:
        if self.episode < 0:
            return "before the first episode"
        seed = f" (seed {self.seed})" if self.seed is not None else ""
        phase = f" of phase {self.phase!r}" if self.phase not in ("", "return") else ""
        return f"at {self.split} episode {self.episode}{seed}{phase}, step {self.step}"


def describe_all(wheres: Sequence[Where]) -> str:
    """Where a round of act() calls was: one episode, or several played side by side."""
    if len(wheres) <= 1:
        return (wheres[0] if wheres else Where()).describe()
    shown = "; ".join(where.describe().removeprefix("at ") for where in wheres[:3])
    more = f"; and {len(wheres) - 3} more" if len(wheres) > 3 else ""
    return f"in one of {len(wheres)} episodes played side by side ({shown}{more})"


class InvalidAction(SubmissionError):
    code = "invalid_action"


class PolicyPort(Protocol):
    """A policy as the loop drives it: in this process, or across the sandbox's pipes."""

    remembers: bool  # it has reset(): its episodes are played one at a time

    def start_phase(self, name: str) -> None: ...

    def reset(self) -> None: ...

    def act_all(self, observations: list[Any], wheres: list[Where]) -> list[Any]:
        """One action per observation, in order (one per lane)."""
        ...

    def observe(self, reward: float) -> None: ...


@dataclass
class EpisodeLog:
    returns: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)


def coerce_action(space: gym.Space, raw: Any, where: Where) -> Any:
    """The action as the environment takes it, or InvalidAction saying what was wrong."""
    def refuse(detail: str) -> InvalidAction:
        return InvalidAction(f"act() returned an action outside the action space {where.describe()}",
                             expected=f"an action in {space}", got=f"{_short(raw)} ({detail})",
                             hint=_action_hint(space))

    if isinstance(space, gym.spaces.Discrete):
        value = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
        if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, float) \
                and not value.is_integer():
            raise refuse("not an integer")
        if not space.start <= value < space.start + space.n:  # Discrete.contains, at a third of its cost
            raise refuse(f"outside {space.start}..{space.start + space.n - 1}")
        return np.int64(value)
    try:
        action = np.asarray(raw, dtype=space.dtype)
    except (TypeError, ValueError) as error:
        raise refuse(str(error)) from None
    if action.dtype.kind == "f" and not np.isfinite(action).all():
        raise refuse("NaN or infinity")
    if not space.contains(action):
        raise refuse(f"shape {action.shape}" if hasattr(space, "shape") and action.shape != space.shape
                     else "out of bounds")
    return action


def _short(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "..."


def _action_hint(space: gym.Space) -> str:
    if isinstance(space, gym.spaces.Discrete):
        return (f"Return an int from {space.start} to {space.start + space.n - 1} "
                "(with SB3: action, _ = model.predict(obs, deterministic=True); return int(action))")
    return f"Return a NumPy array that {space} contains (clip it to the bounds)"


def play_phase(policy: PolicyPort, make_env: Callable[[], gym.Env], seeds: Sequence[int], *, split: str,
               phase: str, reveal_rewards: bool, in_flight: list[Where]) -> EpisodeLog:
    """One episode per seed, in lanes (see the module's notes); ``in_flight`` is kept current
    (the positions of the act() calls being asked), for messages."""
    count = 1 if reveal_rewards or policy.remembers else max(1, min(LANES, len(seeds)))
    log = EpisodeLog([math.nan] * len(seeds), [0] * len(seeds))
    episodes = list(enumerate(seeds))
    lanes = [_Lane(make_env(), iter(episodes[lane::count]), Where(phase, split)) for lane in range(count)]
    try:
        in_flight[:] = [Where(phase, split)]
        policy.start_phase(phase)
        active = [lane for lane in lanes if lane.begin(policy)]
        while active:
            in_flight[:] = [lane.where for lane in active]
            actions = policy.act_all([lane.observation for lane in active], in_flight)
            active = [lane for lane, action in zip(active, actions, strict=True)
                      if lane.step(coerce_action(lane.env.action_space, action, lane.where), policy,
                                   reveal_rewards, log)]
    finally:
        for lane in lanes:
            lane.env.close()
    return log


@dataclass
class _Lane:
    """One environment and the episodes it plays, in order."""

    env: gym.Env
    episodes: Iterator[tuple[int, int]]  # (index in the phase's seed list, seed)
    where: Where
    observation: Any = None
    total: float = 0.0

    def begin(self, policy: PolicyPort) -> bool:
        """Start the lane's next episode; False when it has none left."""
        index, seed = next(self.episodes, (None, None))
        if index is None:
            return False
        where = self.where
        where.episode, where.step, where.seed = index, 0, seed if where.split == "public" else None
        self.observation, _ = self.env.reset(seed=int(seed))
        self.total = 0.0
        policy.reset()
        return True

    def step(self, action: Any, policy: PolicyPort, reveal_rewards: bool, log: EpisodeLog) -> bool:
        """Play one step; at the episode's end, log it and begin the next. False when the lane is done."""
        self.observation, reward, terminated, truncated, _ = self.env.step(action)
        reward = float(reward)
        self.total += reward
        self.where.step += 1
        if reveal_rewards:
            policy.observe(reward)
        if not (terminated or truncated):
            return True
        log.returns[self.where.episode] = self.total if math.isfinite(self.total) else math.nan
        log.lengths[self.where.episode] = self.where.step
        return self.begin(policy)


class LocalPolicy:
    """A policy object in this process (the learner's own, or a ladder rung): the optional
    hooks are called when it has them."""

    def __init__(self, policy: Any):
        if not callable(getattr(policy, "act", None)):
            raise SubmissionError("The policy has no act(observation) method",
                                  expected="an object with act(observation) -> action",
                                  got=type(policy).__name__,
                                  hint="Return such an object from make_policy(observation_space, action_space)")
        self.policy = policy
        self.remembers = callable(getattr(policy, "reset", None))

    def start_phase(self, name: str) -> None:
        if callable(getattr(self.policy, "start_phase", None)):
            self.policy.start_phase(name)

    def reset(self) -> None:
        if callable(getattr(self.policy, "reset", None)):
            self.policy.reset()

    def act_all(self, observations: list[Any], wheres: list[Where]) -> list[Any]:
        actions = [self.policy.act(observation) for observation in observations]
        return [action.tolist() if isinstance(action, (np.ndarray, np.generic)) else action for action in actions]

    def observe(self, reward: float) -> None:
        if callable(getattr(self.policy, "observe", None)):
            self.policy.observe(reward)
