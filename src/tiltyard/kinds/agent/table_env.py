"""A Gymnasium environment that walks the rows of a table.

At each step the agent sees one row's context (and, with a window, the rows before it in its
episode), picks an action, and earns that action's reward on that row; the rewards of the
actions it did not pick stay unseen, as in a contextual bandit. Rows never react to actions:
the table is the world as it happened.
"""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.kinds.agent.table_columns import Features, TableMappingError


class TableEnv(gym.Env):
    """Made by :func:`tiltyard.kinds.agent.tables.from_table`; read its docstring for the mapping.

    ``feature_names`` names the observation's last axis; ``action_names`` the actions in the
    order of the Discrete space; ``episode_keys`` the episodes (sequential tables only)."""

    metadata = {"render_modes": []}

    def __init__(self, features: Features, rewards: np.ndarray, action_names: list[str], *,
                 row_labels: list, episodes: list[np.ndarray] | None, episode_keys: list | None,
                 episode_length: int, window: int):
        self.feature_names = list(features.names)
        self.action_names = list(action_names)
        self.episode_keys = list(episode_keys) if episode_keys is not None else None
        self.window = window
        self._features = features.values
        self._rewards = rewards
        self._labels = row_labels
        self._episodes = episodes
        self._episode_length = episode_length
        self._pool = np.arange(len(self._features))  # the rows a bandit's episodes draw from
        low, high = self._features.min(axis=0), self._features.max(axis=0)
        if window:  # the rows before an episode's start read as zeros
            low, high = np.minimum(low, 0.0), np.maximum(high, 0.0)
            low, high = np.tile(low, (window + 1, 1)), np.tile(high, (window + 1, 1))
        self.observation_space = gym.spaces.Box(low=low.astype(np.float32), high=high.astype(np.float32),
                                                dtype=np.float32)
        self.action_space = gym.spaces.Discrete(len(action_names))
        self._rows: np.ndarray = np.empty(0, dtype=np.int64)
        self._step = 0

    def subset(self, *, rows=None, episodes=None, episode_length: int | None = None) -> TableEnv:
        """The same mapping (features, spaces, actions) over part of the table: a bandit's
        ``rows`` (positions), or a sequential table's ``episodes`` (keys), as train and test
        environments whose observations line up."""
        if self.sequential == (rows is not None) or (episodes is not None) != self.sequential:
            raise TableMappingError("subset takes rows of a bandit or episodes of a sequential table",
                                    expected="episodes=[keys]" if self.sequential else "rows=[positions]",
                                    got=f"rows={rows!r}, episodes={episodes!r}")
        clone = copy.copy(self)
        if self.sequential:
            unknown = [key for key in episodes if key not in self.episode_keys]
            if unknown or not episodes:
                raise TableMappingError("subset names episodes the table does not have",
                                        expected="keys from env.episode_keys", got=repr(unknown or episodes))
            clone.episode_keys = list(episodes)
            clone._episodes = [self._episodes[self.episode_keys.index(key)] for key in episodes]
            return clone
        clone._pool = np.asarray(rows, dtype=np.int64)
        clone._episode_length = episode_length or self._episode_length
        if not 1 <= clone._episode_length <= len(clone._pool):
            raise TableMappingError("episode_length is the number of rows an episode draws",
                                    expected=f"an integer in 1..{len(clone._pool)}", got=repr(episode_length))
        return clone

    @property
    def sequential(self) -> bool:
        return self._episodes is not None

    def _episode(self, options: dict | None) -> np.ndarray:
        options = options or {}
        if self.sequential:
            if "episode" in options:
                key = options["episode"]
                if key not in self.episode_keys:
                    raise TableMappingError(f"There is no episode {key!r}", expected="one of env.episode_keys",
                                            got=repr(key))
                return self._episodes[self.episode_keys.index(key)]
            return self._episodes[int(self.np_random.integers(len(self._episodes)))]
        return self.np_random.choice(self._pool, size=self._episode_length, replace=False)

    def _observation(self) -> np.ndarray:
        current = self._rows[min(self._step, len(self._rows) - 1)]
        if not self.window:
            return self._features[current].copy()
        start = min(self._step, len(self._rows) - 1)
        past = self._rows[max(0, start - self.window):start + 1]
        frame = np.zeros((self.window + 1, self._features.shape[1]), dtype=np.float32)
        frame[self.window + 1 - len(past):] = self._features[past]
        return frame

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._rows = np.asarray(self._episode(options))
        self._step = 0
        return self._observation(), {"row": self._labels[self._rows[0]]}

    def step(self, action):
        if self._step >= len(self._rows):
            raise TableMappingError("The episode is over", expected="env.reset() before the next step",
                                    got=f"a step after the last of {len(self._rows)} rows")
        if not self.action_space.contains(action):
            raise TableMappingError("An action outside the action space",
                                    expected=f"an integer in 0..{self.action_space.n - 1} "
                                             f"({', '.join(self.action_names)})", got=repr(action))
        row = self._rows[self._step]
        reward = float(self._rewards[row, int(action)])
        self._step += 1
        terminated = self._step >= len(self._rows)
        info = {"row": self._labels[row]}
        return self._observation(), reward, terminated, False, info
