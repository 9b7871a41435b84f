"""Interval estimates for scores over seeds, splits and tasks, in NumPy.

The statistics of rliable (Agarwal et al., "Deep RL at the Edge of the Statistical Precipice",
NeurIPS 2021): the interquartile mean, percentile intervals from a (stratified) bootstrap, and
the probability of improvement. The package itself is archived and does not import under our
pins, so the few lines it needs are here. Every function takes a ``seed`` and is deterministic.

Shapes: ``scores[run, task]`` — runs (training seeds, outer splits, episodes) down, tasks
(challenges, environments) across. A 1-D array is one task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats

from tiltyard.errors import TiltyardError

Statistic = Callable[..., np.ndarray]
"""A statistic that reduces along ``axis`` (``np.mean``, ``np.median``, :func:`iqm`)."""

RESAMPLES = 2000


class StatsError(TiltyardError):
    code = "invalid_scores"


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.estimate:.4g} [{self.low:.4g}, {self.high:.4g}]"

    def as_dict(self) -> dict[str, float]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "confidence": self.confidence}

    def excludes(self, value: float) -> bool:
        """Whether ``value`` lies outside the interval (a difference that is not noise)."""
        return not self.low <= value <= self.high


def iqm(values, axis: int | None = None) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% of the values (rliable's aggregate)."""
    return _scipy_stats.trim_mean(np.asarray(values, dtype=float), 0.25, axis=axis)


def bootstrap_ci(values, statistic: Statistic = np.mean, *, confidence: float = 0.95,
                 n_resamples: int = RESAMPLES, seed: int = 0) -> Interval:
    """Percentile bootstrap interval of ``statistic`` over one sample."""
    sample = _as_runs(values, "values", ndim=1)
    rng = np.random.default_rng(seed)
    draws = sample[rng.integers(0, sample.size, size=(n_resamples, sample.size))]
    return _interval(float(statistic(sample)), statistic(draws, axis=1), confidence)


def stratified_bootstrap_ci(scores, statistic: Statistic = iqm, *, confidence: float = 0.95,
                            n_resamples: int = RESAMPLES, seed: int = 0) -> Interval:
    """Interval of an aggregate over ``scores[run, task]``, resampling runs within each task.

    The statistic sees all runs of all tasks at once (flattened), as rliable's aggregates do:
    the IQM over tasks and seeds is ``stratified_bootstrap_ci(scores)``.
    """
    table = _as_runs(scores, "scores", ndim=2)
    runs, tasks = table.shape
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, runs, size=(n_resamples, runs, tasks))
    draws = np.take_along_axis(np.broadcast_to(table, (n_resamples, runs, tasks)), rows, axis=1)
    estimate = float(statistic(table.reshape(-1)))
    return _interval(estimate, statistic(draws.reshape(n_resamples, -1), axis=1), confidence)


def probability_of_improvement(x, y, *, confidence: float = 0.95, n_resamples: int = RESAMPLES,
                               seed: int = 0) -> Interval:
    """P(X > Y) + ½ P(X = Y), averaged over tasks, for ``x[run, task]`` against ``y[run, task]``.

    0.5 means neither is better; the interval comes from resampling the runs of both within
    each task. ``x`` and ``y`` may have different numbers of runs but must share the tasks.
    """
    a, b = _as_runs(x, "x", ndim=2), _as_runs(y, "y", ndim=2)
    if a.shape[1] != b.shape[1]:
        raise StatsError("x and y must cover the same tasks", expected=f"{a.shape[1]} task column(s) in y",
                         got=f"{b.shape[1]}", hint="pass scores[run, task] for the same tasks in the same order")
    rng = np.random.default_rng(seed)
    estimate = float(_improvement(a[None], b[None])[0])
    draws_a = np.take_along_axis(np.broadcast_to(a, (n_resamples, *a.shape)),
                                 rng.integers(0, a.shape[0], size=(n_resamples, *a.shape)), axis=1)
    draws_b = np.take_along_axis(np.broadcast_to(b, (n_resamples, *b.shape)),
                                 rng.integers(0, b.shape[0], size=(n_resamples, *b.shape)), axis=1)
    return _interval(estimate, _improvement(draws_a, draws_b), confidence)


def paired_difference_ci(a, b, *, confidence: float = 0.95, n_resamples: int = RESAMPLES,
                         seed: int = 0) -> Interval:
    """Mean of ``a - b`` over paired observations (the same split and seed), with its interval."""
    first, second = _as_runs(a, "a", ndim=1), _as_runs(b, "b", ndim=1)
    if first.shape != second.shape:
        raise StatsError("a paired difference needs one b for every a", expected=f"{first.size} values in b",
                         got=f"{second.size}", hint="pair the scores by split and seed before comparing")
    return bootstrap_ci(first - second, np.mean, confidence=confidence, n_resamples=n_resamples, seed=seed)


def _improvement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per resample: the mean over tasks of the Mann–Whitney U of a against b, over n·m."""
    n, m = a.shape[1], b.shape[1]
    ranks = _scipy_stats.rankdata(np.concatenate([a, b], axis=1), axis=1)
    wins = ranks[:, :n].sum(axis=1) - n * (n + 1) / 2
    return (wins / (n * m)).mean(axis=-1)


def _interval(estimate: float, draws: np.ndarray, confidence: float) -> Interval:
    if not 0 < confidence < 1:
        raise StatsError("confidence must lie strictly between 0 and 1", expected="e.g. 0.95", got=str(confidence))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high), confidence)


def _as_runs(values, name: str, *, ndim: int) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1 and ndim == 2:
        array = array[:, None]
    if array.ndim != ndim or array.size == 0:
        shape = "a non-empty 1-D array" if ndim == 1 else "a non-empty array scores[run, task] (or 1-D for one task)"
        raise StatsError(f"{name} has the wrong shape", expected=shape, got=f"shape {array.shape}")
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise StatsError(f"{name} holds {bad} value(s) that are NaN or infinite", expected="finite scores",
                         got=f"{bad} of {array.size} not finite",
                         hint="score failed runs explicitly (e.g. at the constant rung) before aggregating")
    return array
