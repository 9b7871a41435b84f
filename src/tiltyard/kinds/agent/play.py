"""The episode loop, the same for a policy in this process (``ch.evaluate``, the ladder) and
one in the sandbox (grading): the environment is stepped here, with the seeds in a fixed
seed -> episode order; the policy only ever sees observations (and, where a phase reveals
them, rewards)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import gymnasium as gym
import numpy as np

from tiltyard.errors import SubmissionError


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


class InvalidAction(SubmissionError):
    code = "invalid_action"


class PolicyPort(Protocol):
    """A policy as the loop drives it: in this process, or across the sandbox's pipes."""

    def start_phase(self, name: str) -> None: ...

    def reset(self) -> None: ...

    def act(self, observation: Any) -> Any: ...

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
               phase: str, reveal_rewards: bool, where: Where,
               on_step: Callable[[], None] = lambda: None) -> EpisodeLog:
    """One episode per seed, in order; ``where`` is kept current for messages."""
    log = EpisodeLog()
    env = make_env()
    try:
        where.phase, where.split = phase, split
        policy.start_phase(phase)
        for index, seed in enumerate(seeds):
            where.episode, where.step, where.seed = index, 0, seed if split == "public" else None
            observation, _ = env.reset(seed=int(seed))
            policy.reset()
            total, done = 0.0, False
            while not done:
                action = coerce_action(env.action_space, policy.act(observation), where)
                observation, reward, terminated, truncated, _ = env.step(action)
                reward = float(reward)
                total += reward
                where.step += 1
                done = terminated or truncated
                if reveal_rewards:
                    policy.observe(reward)
                on_step()
            log.returns.append(total if math.isfinite(total) else float("nan"))
            log.lengths.append(where.step)
    finally:
        env.close()
    return log


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

    def start_phase(self, name: str) -> None:
        if callable(getattr(self.policy, "start_phase", None)):
            self.policy.start_phase(name)

    def reset(self) -> None:
        if callable(getattr(self.policy, "reset", None)):
            self.policy.reset()

    def act(self, observation: Any) -> Any:
        action = self.policy.act(observation)
        return action.tolist() if isinstance(action, (np.ndarray, np.generic)) else action

    def observe(self, reward: float) -> None:
        if callable(getattr(self.policy, "observe", None)):
            self.policy.observe(reward)
