"""Policies for a two-action series task (ramp down, ramp up), the rungs of power-ramp-v1's
ladder: one that sees only the current reading, one that remembers the last reading (momentum),
and a model of the next change that reads a window of the readings it kept itself."""

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


def fitted_change_model(env, window: int, seed: int = 0) -> PredictedChange:
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = windowed_rows(env, window)
    model = HistGradientBoostingRegressor(max_iter=200, random_state=seed).fit(X, y)
    return PredictedChange(model, env.observation_space.shape[-1], window)
