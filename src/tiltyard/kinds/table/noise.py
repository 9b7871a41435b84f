"""How much a public score moves by chance: the bootstrap over the public rows.

A learner who climbs the public board by less than this is reading noise; the cleaning credit
is not shown when the gap it divides by is smaller than this."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tiltyard.errors import TiltyardError
from tiltyard.kinds.table.validation import read_predictions

ROUNDS = 200


def public_noise(grader, predictions_file: Path, seed: int, rounds: int = ROUNDS) -> float:
    """The standard deviation of the primary metric of ``predictions_file`` over ``rounds``
    bootstrap resamples of the public rows (each seeded from ``seed``, so it is reproducible)."""
    answers, metric = grader.answers, grader.primary
    values = read_predictions(predictions_file, grader.task, metric, answers.ids, max_bytes=1 << 40).values
    y_true, y_pred = answers.y_true[answers.public], values[answers.public]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    scores = []
    for _ in range(rounds):
        rows = rng.integers(0, y_true.size, y_true.size)
        try:
            scores.append(metric(y_true[rows], y_pred[rows]))
        except (TiltyardError, ValueError):  # a resample without one of the classes: no score to take
            continue
    return float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0


def noise_rung(baselines: list, metric) -> object:
    """The rung the noise (and a messy challenge's naive and clean-oracle rungs) come from: the
    best fixed rung past the constant. A searched rung (automl: its entry keeps the search's
    record) is left out, since it would search again on the clean data."""
    fixed = [b for b in baselines[1:] if b.details is None]
    return sorted(fixed or baselines, key=lambda b: metric.sort_key(b.public_score))[0]
