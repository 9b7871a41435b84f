"""Policies for a two-action series task (ramp down, ramp up), the rungs of power-ramp-v1's
ladder: one that sees only the current reading, one that remembers the last reading (momentum),
and a linear model of the next change that reads the last three readings, kept by the policy
itself. NumPy only, so a rung's policy.py is this file and a few lines."""

from __future__ import annotations

from collections import deque

import numpy as np

DOWN, UP = 0, 1


class Momentum:
    """Ramp the way demand moved over the last half-hour (up at a day's first reading)."""

    def __init__(self, column: int = 0):
        self.column = column
        self.last: float | None = None

    def reset(self) -> None:
        self.last = None

    def act(self, observation) -> int:
        now = float(np.asarray(observation)[self.column])
        action = UP if self.last is None or now >= self.last else DOWN
        self.last = now
        return action


class Remembering:
    """Keeps the last ``window`` observations (zeros before the episode starts), most recent
    last, flattened: what a policy with memory sees of the past."""

    def __init__(self, n_features: int, window: int):
        self.n_features, self.window = n_features, window
        self.past: deque = deque(maxlen=window + 1)

    def reset(self) -> None:
        self.past.clear()

    def remember(self, observation) -> np.ndarray:
        self.past.append(np.asarray(observation, dtype=float).ravel())
        frame = np.zeros((self.window + 1, self.n_features))
        if self.past:
            frame[self.window + 1 - len(self.past):] = np.stack(self.past)
        return frame.ravel()


class PredictedChange(Remembering):
    """Ramp up when a regression of the next change (on the remembered window) says it rises.
    ``window=0`` sees only the current reading: the memoryless rung."""

    def __init__(self, model, n_features: int, window: int):
        super().__init__(n_features, window)
        self.model = model

    def act(self, observation) -> int:
        features = self.remember(observation)
        return UP if float(self.model.predict(features[None, :])[0]) > 0 else DOWN


class Linear:
    """A linear model of the next change, on the readings themselves or on what changed
    between the last three (``changes=True``: the readings' window must be 2)."""

    def __init__(self, coef, intercept: float, changes: bool = False):
        self.coef, self.intercept, self.changes = np.asarray(coef, dtype=float), float(intercept), changes

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return (recent_changes(rows) if self.changes else rows) @ self.coef + self.intercept


def recent_changes(rows: np.ndarray) -> np.ndarray:
    """From windows of three readings (demand, temperature, working day; oldest first): the last
    two changes in demand and their signs (0 where the day had not started), the current demand,
    temperature and working day, and two interactions."""
    window = np.asarray(rows, dtype=float).reshape(len(rows), 3, 3)
    demand = window[:, :, 0]
    last = np.where(demand[:, 1] == 0, 0.0, demand[:, 2] - demand[:, 1])
    before = np.where(demand[:, 0] == 0, 0.0, demand[:, 1] - demand[:, 0])
    now, temperature, working = demand[:, 2], window[:, 2, 1], window[:, 2, 2]
    return np.column_stack([last, before, np.sign(last), np.sign(before), now, temperature, working,
                            last * working, np.sign(last) * now])


def windowed_rows(env, window: int, episodes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(remembered windows, next change) from playing ``ramp up`` through each episode of a
    sequential TableEnv: the training set a learner can gather from the public environment."""
    keys = env.episode_keys if episodes is None else env.episode_keys[:episodes]
    memory = Remembering(env.observation_space.shape[-1], window)
    X, y = [], []
    for key in keys:
        observation, _ = env.reset(options={"episode": key})
        memory.reset()
        done = False
        while not done:
            X.append(memory.remember(observation))
            observation, reward, done, _, _ = env.step(UP)
            y.append(reward)
    return np.asarray(X), np.asarray(y)


def fitted_change_model(env, window: int) -> Linear:
    """Ridge regression of the next change: on the current reading (``window=0``, memoryless) or
    on the recent changes (``window=2``)."""
    from sklearn.linear_model import Ridge

    X, y = windowed_rows(env, window)
    changes = window == 2
    model = Ridge(alpha=1.0).fit(recent_changes(X) if changes else X, y)
    return Linear(model.coef_, float(model.intercept_), changes=changes)
