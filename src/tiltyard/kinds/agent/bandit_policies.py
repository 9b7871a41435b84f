"""Policies for a two-action loan bandit (approve or decline), the rungs of credit-bandit-v1's
ladder: always approve, always decline, and a logistic model of "this loan goes bad" that
learns online from the loans it approved, either from nothing (epsilon-greedy) or warm from
the public history. Each follows the policy contract: ``act(observation)``, ``observe(reward)``
after each act while rewards are revealed, ``start_phase(name)`` when a scored pass begins."""

from __future__ import annotations

import numpy as np

APPROVE, DECLINE = 0, 1
FROZEN_PHASES = ("greedy",)  # passes where nothing is revealed: exploit, stop exploring


class Constant:
    """The same action for everyone."""

    def __init__(self, action: int):
        self.action = action

    def act(self, observation) -> int:
        return self.action


class OnlineLogistic:
    """Approve when the estimated chance of going bad is below ``break_even``.

    Only an approved loan reveals anything (its reward says good or bad; a decline earns 0
    whatever the applicant would have done), so the model learns from approvals alone and
    ``epsilon`` approves at random to keep learning about applicants it would decline.
    Features are standardised with running means (or the ones given), then one SGD step of
    logistic regression follows each revealed outcome."""

    def __init__(self, n_features: int, *, break_even: float, epsilon: float = 0.1, learning_rate: float = 0.05,
                 seed: int = 0, weights=None, bias: float = 0.0, mean=None, scale=None):
        self.break_even, self.epsilon, self.learning_rate = break_even, epsilon, learning_rate
        self.rng = np.random.default_rng(seed)
        self.weights = np.zeros(n_features) if weights is None else np.asarray(weights, dtype=float)
        self.bias = bias
        self.fixed_scaling = mean is not None
        self.count = 0
        self.mean = np.zeros(n_features) if mean is None else np.asarray(mean, dtype=float)
        self.scale = np.ones(n_features) if scale is None else np.asarray(scale, dtype=float)
        self._squares = np.zeros(n_features)
        self.frozen = False
        self._last: tuple[np.ndarray, int] | None = None

    def start_phase(self, name: str) -> None:
        self.frozen = name in FROZEN_PHASES

    def _standardise(self, x: np.ndarray) -> np.ndarray:
        if not (self.fixed_scaling or self.frozen):  # Welford's running mean and variance
            self.count += 1
            delta = x - self.mean
            self.mean += delta / self.count
            self._squares += delta * (x - self.mean)
            if self.count > 1:
                self.scale = np.sqrt(self._squares / (self.count - 1)) + 1e-6
        return (x - self.mean) / self.scale

    def chance_bad(self, z: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-np.clip(z @ self.weights + self.bias, -30, 30))))

    def act(self, observation) -> int:
        z = self._standardise(np.asarray(observation, dtype=float))
        explore = not self.frozen and self.rng.random() < self.epsilon
        action = APPROVE if explore or self.chance_bad(z) < self.break_even else DECLINE
        self._last = (z, action)
        return action

    def observe(self, reward: float) -> None:
        if self._last is None or self.frozen or self._last[1] != APPROVE:
            return
        z, _ = self._last
        went_bad = 1.0 if reward < 0 else 0.0
        error = went_bad - self.chance_bad(z)
        self.weights += self.learning_rate * error * z
        self.bias += self.learning_rate * error


def fitted_on_history(features: np.ndarray, went_bad: np.ndarray, *, break_even: float, seed: int = 0,
                      epsilon: float = 0.02) -> OnlineLogistic:
    """A logistic regression fitted on applicants whose outcome is known (the public history,
    every one approved), that keeps learning online from what it approves."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=2000).fit((features - mean) / scale, went_bad)
    return OnlineLogistic(features.shape[1], break_even=break_even, epsilon=epsilon, learning_rate=0.01,
                          seed=seed, weights=model.coef_[0], bias=float(model.intercept_[0]), mean=mean,
                          scale=scale)
