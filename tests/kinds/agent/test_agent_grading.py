"""A policy is graded in the sandbox on the public and the sealed private seeds: scores with
their interval, every episode's return, the private figures in a section hidden until final."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from tiltyard.evaluate import evaluate
from tiltyard.kinds.agent import KIND
from tiltyard.kinds.agent.builder import rung_file
from tiltyard.kinds.agent.harness import PhasePlan, PolicyHarness
from tiltyard.kinds.agent.section import private_seeds
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.sandbox import bubblewrap_problem, run_in_sandbox

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")
LEAN = rung_file("cartpole_lean.py")

OBSERVING = """
class Observing:
    def __init__(self):
        self.phase, self.waiting = None, False
    def start_phase(self, name):
        self.phase = name
    def reset(self):
        self.waiting = False
    def act(self, observation):
        if self.waiting:
            raise RuntimeError(f"act() before observe() in phase {self.phase}")
        self.waiting = self.phase == "online"
        return int(observation[2] > 0)
    def observe(self, reward):
        if self.phase != "online":
            raise RuntimeError("observe() in a phase that reveals no rewards")
        assert reward == 1.0
        self.waiting = False

def make_policy(observation_space, action_space):
    return Observing()
"""


@needs_bubblewrap
def test_a_policy_is_graded_on_public_and_sealed_seeds(tiny, policy_folder):
    grade = evaluate(tiny, policy_folder(LEAN) / "policy.py")
    lean = tiny.manifest.baseline("lean")
    assert grade.public_scores["mean_return"] == pytest.approx(lean.public_score, abs=1e-6)
    assert grade.private_scores["mean_return"] == pytest.approx(lean.private_score, abs=1e-6)
    # The lean rung is this bundle's reference.
    assert grade.public_scores["normalised_score"] == pytest.approx(1.0, abs=1e-5)
    public = next(s for s in grade.sections if s.name == "episodes")
    private = next(s for s in grade.sections if s.name == "private_episodes")
    assert not public.private and private.private
    phase = public.data["phases"][0]
    assert len(phase["returns"]) == 3 and phase["seeds"] == [1, 2, 3]
    assert phase["interval"]["low"] <= np.mean(phase["returns"]) <= phase["interval"]["high"]
    assert len(private.data["phases"][0]["returns"]) == 4 and private.data["phases"][0]["seeds"] is None
    assert not any(str(seed) in str(public.data) for seed in private_seeds(tiny, KIND.section(tiny.manifest)))


@needs_bubblewrap
def test_online_rewards_reach_observe_in_the_phases_that_reveal_them(two_phases, policy_folder):
    grade = evaluate(two_phases, policy_folder(OBSERVING) / "policy.py")
    assert set(grade.public_scores) >= {"mean_return", "greedy_mean_return"}
    phases = next(s for s in grade.sections if s.name == "episodes").data["phases"]
    assert [p["name"] for p in phases] == ["online", "greedy"]
    assert len(phases[0]["returns"]) == 3 and len(phases[1]["returns"]) == 2


class _Grids(gym.Env):
    """Random boolean grids, and a reward only for naming each one's parity: the return is the
    number of steps only if every grid reached the policy intact."""

    observation_space = gym.spaces.Box(0, 1, (2, 3, 4), dtype=bool)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.grid, self.steps = self.np_random.random((2, 3, 4)) < 0.5, 0
        return self.grid[:, ::-1], {}  # not contiguous, as a wrapper's view may be

    def step(self, action):
        reward = float(action == self.grid.sum() % 2)
        self.grid, self.steps = self.np_random.random((2, 3, 4)) < 0.5, self.steps + 1
        return self.grid[:, ::-1], reward, False, self.steps == 20, {}


PARITY = """
import numpy as np
def make_policy(observation_space, action_space):
    class Parity:
        def act(self, observation):
            assert type(observation) is np.ndarray, type(observation)
            assert observation.dtype == bool and observation.shape == (2, 3, 4), observation.dtype
            observation |= False  # writable, as the environment's own array is
            return int(observation.sum() % 2)
    return Parity()
"""


@needs_bubblewrap
def test_an_array_observation_reaches_the_policy_intact_and_writable(policy_folder):
    env = _Grids()
    plan = PhasePlan("return", _Grids, {"public": [0, 1, 2]})
    harness = PolicyHarness(env.observation_space, env.action_space, [plan], step_seconds=5, setup_seconds=30)
    run = run_in_sandbox(harness, policy_folder(PARITY), budget=SandboxLimits(wall_seconds=60, cpu_seconds=60))
    assert run.ok, run.message
    assert harness.logs["return"]["public"].returns == [20.0, 20.0, 20.0]
