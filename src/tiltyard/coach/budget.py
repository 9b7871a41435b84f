"""A wall-clock budget: long coaching runs stop starting new work once it is spent."""

from __future__ import annotations

import time


class TimeBudget:
    def __init__(self, seconds: float | None):
        if seconds is not None and seconds <= 0:
            raise ValueError(f"A time budget is a positive number of seconds, got {seconds}; "
                             "pass None for no limit")
        self.seconds = seconds
        self.started = time.perf_counter()

    @property
    def spent(self) -> float:
        return time.perf_counter() - self.started

    @property
    def remaining(self) -> float:
        return float("inf") if self.seconds is None else self.seconds - self.spent

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def allows(self, estimated_seconds: float) -> bool:
        """True when work expected to take ``estimated_seconds`` still fits."""
        return estimated_seconds <= self.remaining
