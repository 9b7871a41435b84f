"""What ``tiltyard.load(ID)`` gives for an agent challenge: the public environment, the public
seeds, local evaluation exactly as the grader plays, and submission."""

from __future__ import annotations

import inspect
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.challenges.bundle import Bundle
from tiltyard.errors import SubmissionError
from tiltyard.kinds.agent.environments import Wrapper, make_env
from tiltyard.kinds.agent.grading import interval, normalised, plans, spaces
from tiltyard.kinds.agent.local import load_make_policy, play_plans
from tiltyard.kinds.agent.play import LocalPolicy
from tiltyard.kinds.agent.section import AgentSection
from tiltyard.kinds.agent.submission import unpack


@dataclass
class LocalEvaluation:
    """A policy's episodes on the public seeds (every phase), played here as the grader plays."""

    challenge_id: str
    returns: dict[str, list[float]]  # phase -> one return per public seed
    lengths: dict[str, list[int]]
    primary: str
    normalised_score: float | None

    @property
    def mean_return(self) -> float:
        return float(np.mean(self.returns[self.primary]))

    def interval(self, phase: str | None = None) -> dict[str, float]:
        return interval(self.returns[phase or self.primary])

    def __repr__(self) -> str:
        figure = self.interval()
        text = (f"mean return {figure['estimate']:.2f} [95% CI {figure['low']:.2f}, {figure['high']:.2f}] "
                f"over {len(self.returns[self.primary])} public seeds")
        if self.normalised_score is not None:
            text += f", normalised {self.normalised_score:.2f}"
        return text

    __str__ = __repr__


class AgentChallenge:
    def __init__(self, bundle: Bundle):
        from tiltyard.kinds.agent import KIND

        self.bundle = bundle
        self.manifest = bundle.manifest
        self.id = bundle.manifest.id
        self.section: AgentSection = KIND.section(bundle.manifest)

    def __repr__(self) -> str:
        s = self.section
        return (f"<{self.id}: {s.environment.describe()}, {s.step_budget:,} training steps, episodes capped at "
                f"{s.max_episode_steps:,}, {len(s.public_seeds)} public seeds>")

    @property
    def step_budget(self) -> int:
        return self.section.step_budget

    @property
    def public_seeds(self) -> list[int]:
        return list(self.section.public_seeds)

    @property
    def brief(self) -> str:
        return self.bundle.brief

    def make_env(self, seed: int | None = None, *, phase: str | None = None,
                 wrappers: Sequence[Wrapper] = ()) -> gym.Env:
        """The challenge's environment as the grader builds it (your ``wrappers`` inside its own
        time limit and episode statistics); ``seed`` seeds its first reset and its action space."""
        kwargs = {} if phase is None else next(p for p in self.section.phases if p.name == phase).kwargs
        env = make_env(self.section.environment, max_episode_steps=self.section.max_episode_steps, kwargs=kwargs,
                       wrappers=wrappers)
        if seed is not None:
            env.reset(seed=seed)
            env.action_space.seed(seed)
        return env

    def evaluate(self, policy: Any) -> LocalEvaluation:
        """Play ``policy`` on the public seeds: a folder or file holding policy.py, a
        ``make_policy`` function, or an object with ``act(observation)``."""
        observation_space, action_space = spaces(self.section)
        splits = {"public": self.public_seeds}
        with tempfile.TemporaryDirectory() as scratch:
            if isinstance(policy, (str, Path)):
                folder = unpack(Path(policy), Path(scratch), max_bytes=1 << 34)
                policy = load_make_policy(folder)(observation_space, action_space)
            elif inspect.isfunction(policy) and not hasattr(policy, "act"):
                policy = policy(observation_space, action_space)
            logs = play_plans(LocalPolicy(policy), plans(self.section, splits))
        primary = self.section.primary.name
        returns = {name: by_split["public"].returns for name, by_split in logs.items()}
        return LocalEvaluation(self.id, returns, {name: by_split["public"].lengths for name, by_split in logs.items()},
                               primary, self._normalised(float(np.mean(returns[primary]))))

    def _normalised(self, score: float) -> float | None:
        names = {entry.name: entry.public_score for entry in self.manifest.baselines}
        random, reference = names.get(self.section.random_rung), names.get(self.section.reference_rung or "")
        return None if random is None or reference is None else normalised(score, random, reference)

    def submit(self, path: str | Path):
        """Store and grade a policy (a folder, policy.py or an archive), as `tiltyard submit` does."""
        import tiltyard

        if not Path(path).exists():
            raise SubmissionError(f"No policy at {path}", expected="a folder holding policy.py, or an archive",
                                  got="nothing there", code="file_not_found",
                                  hint="Run train.py first: it writes the folder submission/")
        return tiltyard.submit(self.id, path)

    def verify(self, path: str | Path, **options) -> dict[str, Any]:
        """The verified budget track on a workspace folder (train.py beside policy.py), as
        `tiltyard agent verify` runs it: train on each seed in the sandbox, play on the sealed seeds."""
        from tiltyard.kinds.agent.verified import verify

        return verify(self.bundle, Path(path), **options)

    def coach(self, path: str | Path, *, folder: Path | None = None):
        """The agent coach on a policy folder: its report.json, its public episodes, the policy
        probed in the public environment; returns a CoachReport whose findings open lessons."""
        from tiltyard.kinds.agent.coach import case_from_folder, coach_agent

        return coach_agent(case_from_folder(self, Path(path)), folder=folder)
