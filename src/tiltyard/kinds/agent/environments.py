"""The one factory every agent environment is built by, locally and on the grader.

It builds the base environment (a registered id of a pinned package, or a factory Tiltyard
provides), applies what the learner asked for, then the server's own wrappers outermost: a time
limit (the section's episode cap) and episode statistics. Packages that need a hand to meet
Gymnasium's contract get it here (MinAtar registers no time limit and does not seed through
``reset``; :class:`MinAtarEnv` does)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.errors import BundleError
from tiltyard.kinds.agent.section import EnvironmentSpec

Wrapper = Callable[[gym.Env], gym.Env]


class MinAtarEnv(gym.Env):
    """A MinAtar game as a Gymnasium environment that passes ``check_env``: seeded through
    ``reset(seed=...)`` from ``self.np_random``, with MinAtar's own sticky actions
    (``sticky_action_prob``, 0.1 by default, as MinAtar defines them)."""

    metadata = {"render_modes": []}

    def __init__(self, game: str, use_minimal_action_set: bool = True, sticky_action_prob: float = 0.1,
                 difficulty_ramping: bool = True):
        from minatar import Environment

        self.game = Environment(env_name=game, sticky_action_prob=sticky_action_prob,
                                difficulty_ramping=difficulty_ramping)
        self.action_set = (self.game.minimal_action_set() if use_minimal_action_set
                           else list(range(self.game.num_actions())))
        self.action_space = gym.spaces.Discrete(len(self.action_set))
        self.observation_space = gym.spaces.Box(0, 1, shape=self.game.state_shape(), dtype=bool)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        # MinAtar draws from its own NumPy RandomState: seed it from ours, so one seed fixes an episode.
        self.game.seed(int(self.np_random.integers(2**31 - 1)))
        self.game.reset()
        return self._observation(), {}

    def step(self, action):
        if not self.action_space.contains(action):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        reward, terminated = self.game.act(self.action_set[int(action)])
        return self._observation(), float(reward), bool(terminated), False, {}

    def _observation(self) -> np.ndarray:
        return np.asarray(self.game.state(), dtype=bool)


def _minatar(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
    from minatar.gym import register_envs

    if env_id not in gym.registry:
        register_envs()
    spec = gym.spec(env_id)
    return MinAtarEnv(**{**spec.kwargs, **kwargs})


def _registered(package: str) -> Callable[[str, dict[str, Any]], gym.Env]:
    def make(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
        importlib.import_module(package)  # registers its ids (popgym does on import)
        # The base environment alone: the factory applies the time limit and the checks itself.
        return gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped

    return make


# How to build a registered id of each package (a package not named here registers its ids on import).
PACKAGES: dict[str, Callable[[str, dict[str, Any]], gym.Env]] = {"minatar": _minatar}


def installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def version_problem(spec: EnvironmentSpec) -> str | None:
    """Why the installed package is not the one the bundle pins, or None."""
    if spec.package is None:
        return None
    installed = installed_version(spec.package)
    if installed == spec.version:
        return None
    return (f"{spec.package} {installed or 'is not installed'}" if installed is None
            else f"{spec.package} {installed} is installed, the bundle pins {spec.version}")


def load_factory(reference: str) -> Callable[..., gym.Env]:
    module_name, _, name = reference.partition(":")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise BundleError(f"The environment factory {reference!r} cannot be loaded",
                          expected="'module:callable' importable here", got=str(error),
                          hint="Install the package that provides it") from error


def base_environment(spec: EnvironmentSpec, kwargs: dict[str, Any] | None = None) -> gym.Env:
    merged = {**spec.kwargs, **(kwargs or {})}
    if spec.factory is not None:
        return load_factory(spec.factory)(**merged)
    if installed_version(spec.package) is None:
        raise BundleError(f"The environment {spec.id} needs the package {spec.package}",
                          expected=f"{spec.package}=={spec.version} installed", got="not installed",
                          hint=f"pip install {spec.package}=={spec.version}")
    return PACKAGES.get(spec.package, _registered(spec.package))(spec.id, merged)


def make_env(spec: EnvironmentSpec, *, max_episode_steps: int, kwargs: dict[str, Any] | None = None,
             wrappers: Sequence[Wrapper] = ()) -> gym.Env:
    """The environment, with ``wrappers`` (the learner's) inside and the server's outside."""
    env = base_environment(spec, kwargs)
    for wrap in wrappers:
        env = wrap(env)
    env = gym.wrappers.TimeLimit(env, max_episode_steps=max_episode_steps)
    return gym.wrappers.RecordEpisodeStatistics(env)
