"""evaluate(challenge, file) -> Grade: the one way a file is graded, with no store at all.

Submissions, `tiltyard check` (baselines regraded), the catalog builders, authoring previews
and benchmark cells all call it; only :mod:`tiltyard.submissions` records what it returns."""

from __future__ import annotations

from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.registry import get_bundle
from tiltyard.config import get_settings
from tiltyard.core import Grade
from tiltyard.errors import SubmissionError
from tiltyard.plugins import kind_of


def evaluate(challenge: str | Path | Bundle, path: str | Path, *, max_bytes: int | None = None) -> Grade:
    """Grade the file at ``path`` for a challenge (an id, a bundle folder or a Bundle).

    Raises SubmissionError (code says why) for a file the challenge cannot grade."""
    bundle = challenge if isinstance(challenge, Bundle) else get_bundle(str(challenge))
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"No file at {path}", expected="the path of a submission file",
                              got="nothing there", hint="Check the path", code="file_not_found")
    kind = kind_of(bundle)
    kind.format_for(bundle.manifest, path.name)
    limit = get_settings().max_submission_bytes if max_bytes is None else max_bytes
    return kind.evaluate(bundle, path, max_bytes=limit)
