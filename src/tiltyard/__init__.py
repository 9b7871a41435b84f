"""Tiltyard: learn machine learning by doing the real task.

>>> import tiltyard
>>> ch = tiltyard.load("titanic-v1")
>>> report = ch.submit(predictions)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tiltyard import kernels

kernels.pin()  # before anything here loads NumPy (see tiltyard/kernels.py)

from tiltyard.errors import TiltyardError  # noqa: E402
from tiltyard.report import Report  # noqa: E402

__version__ = "0.1.0"

# The functions below import what they use when called: `import tiltyard` (and so every CLI
# start) stays quick, and a kind's package is imported only for a challenge of that kind.


def load(challenge_id: str) -> Any:
    """A challenge by versioned id (built on first use) or by bundle folder path: the kind's
    learner handle (a table's Challenge with .train, .X_test, .submit; a lab's Lab)."""
    from tiltyard.challenges.registry import get_bundle
    from tiltyard.plugins import kind_of

    bundle = get_bundle(challenge_id)
    return kind_of(bundle).handle(bundle)


def challenges(tag: str | None = None) -> list[str]:
    """Ids of every challenge this machine knows, or of those tagged ``tag`` (``"grid"``)."""
    from tiltyard.challenges.registry import ids_tagged, known_ids

    return known_ids() if tag is None else ids_tagged(tag)


def evaluate(challenge_id: str | Path, path: str | Path):
    """Grade a file without storing anything (no database needed); returns a Grade."""
    from tiltyard.evaluate import evaluate as run

    return run(challenge_id, path)


def submit(challenge_id: str, path: str | Path) -> Report:
    """Store and grade a file, as `tiltyard submit` does."""
    from tiltyard.submissions import submit_file

    return submit_file(challenge_id, Path(path))


def check_challenge(path: str | Path, *, refit: bool = False):
    """Check a bundle folder against the contract; see :mod:`tiltyard.check`."""
    from tiltyard.check import check_challenge as run

    return run(Path(path), refit=refit)


__all__ = ["Report", "TiltyardError", "challenges", "check_challenge", "evaluate", "load",
           "submit", "__version__"]
