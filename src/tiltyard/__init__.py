"""Tiltyard: learn machine learning by doing the real task.

>>> import tiltyard
>>> ch = tiltyard.load("titanic-v1")
>>> report = ch.submit(predictions)
"""

from __future__ import annotations

from pathlib import Path

from tiltyard.challenges.challenge import Challenge
from tiltyard.errors import TiltyardError
from tiltyard.grading.report import Report

__version__ = "0.1.0"


def load(challenge_id: str) -> Challenge:
    """A challenge by versioned id (built on first use) or by bundle folder path."""
    from tiltyard.challenges.registry import get_bundle

    return Challenge(get_bundle(challenge_id))


def challenges() -> list[str]:
    """Ids of every challenge this machine knows."""
    from tiltyard.challenges.registry import known_ids

    return known_ids()


def submit(challenge_id: str, path: str | Path) -> Report:
    """Store and grade a predictions file, as `tiltyard submit` does."""
    from tiltyard.submissions import submit_file

    return submit_file(challenge_id, Path(path))


def check_challenge(path: str | Path, *, refit: bool = False):
    """Check a bundle folder against the contract; see :mod:`tiltyard.challenges.check`."""
    from tiltyard.challenges.check import check_challenge as run

    return run(Path(path), refit=refit)


__all__ = ["Challenge", "Report", "TiltyardError", "challenges", "check_challenge", "load",
           "submit", "__version__"]
