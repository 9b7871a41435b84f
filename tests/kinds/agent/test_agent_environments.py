"""Every built-in agent environment is built by the one factory and passes Gymnasium's
check_env; the server's wrappers sit outside the learner's; the pins and the spec are checked."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from tiltyard.challenges.registry import builtin_builder
from tiltyard.errors import BundleError
from tiltyard.kinds.agent.budget_wrapper import BudgetSpent, StepBudget, StepCounter, VecStepBudget
from tiltyard.kinds.agent.environments import make_env, version_problem
from tiltyard.kinds.agent.section import AgentSection, EnvironmentSpec

BUILT_IN = ["cartpole-balance-v1", "minatar-breakout-v1", "memory-repeat-previous-v1"]


@pytest.mark.parametrize("challenge_id", BUILT_IN)
def test_every_built_in_environment_passes_check_env(challenge_id):
    section = builtin_builder(challenge_id).spec.section
    env = make_env(section.environment, max_episode_steps=section.max_episode_steps)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # advice (unbounded boxes), not failures
        check_env(env.unwrapped, skip_render_check=True)
        check_env(env, skip_render_check=True)
    assert version_problem(section.environment) is None
    assert isinstance(env, gym.wrappers.RecordEpisodeStatistics)
    assert isinstance(env.env, gym.wrappers.TimeLimit) and env.env._max_episode_steps == section.max_episode_steps


def test_minatar_needs_the_wrapper_to_pass_check_env():
    from minatar.gym import register_envs

    if "MinAtar/Breakout-v1" not in gym.registry:
        register_envs()
    with warnings.catch_warnings(), pytest.raises(AssertionError, match="random number generator"):
        warnings.simplefilter("ignore")
        check_env(gym.make("MinAtar/Breakout-v1").unwrapped, skip_render_check=True)


def test_the_learners_wrappers_go_inside_the_servers():
    seen = []

    class Clip(gym.RewardWrapper):
        def reward(self, reward):
            seen.append(reward)
            return 0.0

    env = make_env(EnvironmentSpec(package="gymnasium", version="1.4.0", id="CartPole-v1"), max_episode_steps=5,
                   wrappers=[Clip])
    env.reset(seed=0)
    for _ in range(5):
        *_, terminated, truncated, info = env.step(0)
        if terminated or truncated:
            break
    assert truncated or terminated
    assert isinstance(env.env.env, Clip) and seen


def test_a_section_names_a_pinned_environment_or_a_factory():
    with pytest.raises(ValueError, match="either package, version and id"):
        EnvironmentSpec(package="gymnasium", version="1.4.0", id="CartPole-v1", factory="a:b")
    with pytest.raises(ValueError, match="pinned version"):
        EnvironmentSpec(package="gymnasium", id="CartPole-v1")
    built = make_env(EnvironmentSpec(factory="gymnasium.envs.classic_control:CartPoleEnv"), max_episode_steps=9)
    assert built.observation_space.shape == (4,)
    assert "1.3.9" in version_problem(EnvironmentSpec(package="gymnasium", version="1.3.9", id="CartPole-v1"))
    with pytest.raises(BundleError, match="cannot be loaded"):
        make_env(EnvironmentSpec(factory="tiltyard.nowhere:make"), max_episode_steps=9)
    with pytest.raises(ValueError, match="phase names repeat"):
        AgentSection(environment=EnvironmentSpec(factory="a:b"), max_episode_steps=1, step_budget=1,
                     public_seeds=[1], private_episodes=1, phases=[{"name": "a"}, {"name": "a"}])


def test_the_budget_counts_every_step_of_every_vector_copy_and_stops_at_the_cap():
    from stable_baselines3.common.vec_env import DummyVecEnv

    spec = EnvironmentSpec(package="gymnasium", version="1.4.0", id="CartPole-v1")
    counter = StepCounter(10)
    copies = DummyVecEnv([lambda: StepBudget(make_env(spec, max_episode_steps=500), counter) for _ in range(4)])
    copies.reset()
    copies.step([0, 1, 0, 1])
    copies.step([0, 1, 0, 1])
    assert counter.steps == 8
    with pytest.raises(BudgetSpent, match="10 environment steps"):
        copies.step([0, 1, 0, 1])
    vector = VecStepBudget(DummyVecEnv([lambda: make_env(spec, max_episode_steps=500)] * 3), 6)
    vector.reset()
    vector.step([0, 0, 0])
    vector.step([0, 0, 0])
    assert vector.counter.steps == 6 and vector.counter.left == 0
    with pytest.raises(BudgetSpent):
        vector.step([0, 0, 0])
