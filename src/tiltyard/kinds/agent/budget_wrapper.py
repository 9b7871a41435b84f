"""The step budget, counted on the learner's side (copied into every workspace as budget.py).

Every environment step counts, vector copies included: wrap each copy with the same
:class:`StepCounter` (``StepBudget(env, counter)``), or wrap an SB3 vector environment with
:class:`VecStepBudget`. At the cap a step raises :class:`BudgetSpent`, which ends training."""

from __future__ import annotations

import gymnasium as gym


class BudgetSpent(RuntimeError):
    """The challenge's budget of environment steps is used up."""


class StepCounter:
    def __init__(self, cap: int):
        self.cap, self.steps = int(cap), 0

    def spend(self, steps: int = 1) -> None:
        if self.steps + steps > self.cap:
            raise BudgetSpent(f"the budget of {self.cap:,} environment steps is spent ({self.steps:,} used); "
                              "save what you have, or train with fewer steps")
        self.steps += steps

    @property
    def left(self) -> int:
        return self.cap - self.steps


class StepBudget(gym.Wrapper):
    """Counts this environment's steps on a counter that other copies may share."""

    def __init__(self, env: gym.Env, counter: StepCounter | int):
        super().__init__(env)
        self.counter = counter if isinstance(counter, StepCounter) else StepCounter(counter)

    def step(self, action):
        self.counter.spend(1)
        return self.env.step(action)


def VecStepBudget(venv, counter: StepCounter | int):  # noqa: N802 - reads as the class it returns
    """An SB3 vector environment whose every step counts once per copy."""
    from stable_baselines3.common.vec_env import VecEnvWrapper

    shared = counter if isinstance(counter, StepCounter) else StepCounter(counter)

    class _VecStepBudget(VecEnvWrapper):
        counter = shared

        def step_async(self, actions):
            shared.spend(self.num_envs)
            self.venv.step_async(actions)

        def reset(self):
            return self.venv.reset()

        def step_wait(self):
            return self.venv.step_wait()

    return _VecStepBudget(venv)
