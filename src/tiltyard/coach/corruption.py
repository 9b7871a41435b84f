"""Which kinds of damage a learner's predictions still trip on.

A messy challenge knows, from its sealed log, which test rows each kind of damage touched. On
the graded rows, the error on the rows a kind of damage touched is set against the error on
the rows it left alone; a finding says so when the difference is clear of its 95% interval
(Welch's normal approximation: no random draws, the same answer every time). Plain inputs:
the kind that owns the log builds the :class:`Damage` list, and this module never reads a
bundle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tiltyard.coach.findings import Finding, Severity

Z95 = 1.959964
MIN_ROWS = 10  # on each side: fewer and the interval says nothing
SERIOUS_RATIO = 2.0  # touched rows at least twice as wrong as the others


@dataclass(frozen=True)
class Damage:
    """One kind of damage on the graded rows: a boolean mask, and how to repair it."""

    op: str
    label: str  # "typos in `city`"
    lesson: str
    touched: np.ndarray
    next_steps: tuple[str, ...] = ()
    disclosed: bool = True  # whether the brief tells about it


@dataclass(frozen=True)
class Comparison:
    op: str
    label: str
    rows: int
    other_rows: int
    error: float
    other_error: float
    low: float
    high: float

    @property
    def difference(self) -> float:
        return self.error - self.other_error

    @property
    def trips(self) -> bool:
        return self.low > 0

    def as_dict(self) -> dict:
        return {"op": self.op, "label": self.label, "rows": self.rows, "other_rows": self.other_rows,
                "error": self.error, "other_error": self.other_error, "difference": self.difference,
                "low": self.low, "high": self.high, "trips": self.trips}


def row_errors(task_type: str, needs_proba: bool, y_true: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, str]:
    """Each row's error, as predictions are encoded for the metrics, and what it is called."""
    y_true, values = np.asarray(y_true), np.asarray(values)
    if task_type == "regression":
        return np.abs(y_true.astype(float) - values.astype(float)), "absolute error"
    if not needs_proba:
        return (y_true.astype(np.int64) != values.astype(np.int64)).astype(float), "error rate"
    if values.ndim == 2:
        return 1.0 - values[np.arange(y_true.size), y_true.astype(np.int64)], \
            "1 − the probability given to the true class"
    return np.abs(y_true.astype(float) - values.astype(float)), "|label − probability|"


def compare(errors: np.ndarray, damage: Damage) -> Comparison | None:
    touched, other = errors[damage.touched], errors[~damage.touched]
    if touched.size < MIN_ROWS or other.size < MIN_ROWS:
        return None
    difference = touched.mean() - other.mean()
    spread = np.sqrt(touched.var(ddof=1) / touched.size + other.var(ddof=1) / other.size)
    return Comparison(op=damage.op, label=damage.label, rows=int(touched.size), other_rows=int(other.size),
                      error=float(touched.mean()), other_error=float(other.mean()),
                      low=float(difference - Z95 * spread), high=float(difference + Z95 * spread))


def _finding(comparison: Comparison, damage: Damage, what: str) -> Finding:
    ratio = comparison.error / comparison.other_error if comparison.other_error > 0 else np.inf
    return Finding(
        id=f"trips-on-{damage.op.replace('_', '-')}",
        severity=Severity.SERIOUS if ratio >= SERIOUS_RATIO else Severity.WARNING,
        title=f"Your predictions still trip on {damage.label}",
        evidence=(f"On the {comparison.rows} graded rows touched by {damage.label}, the {what} is "
                  f"{comparison.error:.3f}, against {comparison.other_error:.3f} on the {comparison.other_rows} "
                  f"rows it left alone: {comparison.difference:+.3f} (95% interval {comparison.low:+.3f} to "
                  f"{comparison.high:+.3f}). Whatever your pipeline does with these rows, it does not repair them."),
        next_steps=list(damage.next_steps) or ["Find the damaged values in train.csv and test.csv, and repair "
                                               "them the same way in both, inside your pipeline"],
        lesson=damage.lesson, numbers=comparison.as_dict())


def trips(errors: np.ndarray, damages: Sequence[Damage], what: str) -> tuple[list[Finding], list[Comparison]]:
    """A finding per kind of damage the rows' errors clearly trip on, and every comparison made
    (the damage a pipeline handles shows there too, as a difference within its interval)."""
    findings, comparisons = [], []
    for damage in damages:
        comparison = compare(np.asarray(errors, dtype=float), damage)
        if comparison is None:
            continue
        comparisons.append(comparison)
        if comparison.trips:
            findings.append(_finding(comparison, damage, what))
    return findings, comparisons
