"""One error hierarchy. Every message says what was expected, what came, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pydantic import BaseModel


class ErrorInfo(BaseModel):
    """The one shape of an error everywhere: in a report, in the HTTP API, in `--json`."""

    code: str
    message: str
    expected: str | None = None
    got: str | None = None
    hint: str | None = None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.5) -> str | None:
    """'Did you mean 'agent'?' for the closest choice, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"Did you mean {close[0]!r}?" if close else None


class TiltyardError(Exception):
    """Base of every error Tiltyard raises on purpose.

    ``code`` is a stable machine-readable name (used in reports and the HTTP API);
    ``expected``, ``got`` and ``hint`` make the message actionable.
    """

    code = "error"

    def __init__(self, message: str, *, expected: str | None = None, got: str | None = None,
                 hint: str | None = None, code: str | None = None):
        self.message = message
        self.expected = expected
        self.got = got
        self.hint = hint
        if code is not None:
            self.code = code
        super().__init__(self.render())

    def render(self) -> str:
        parts = [self.message.rstrip(".") + "."]
        if self.expected is not None:
            parts.append(f"Expected {self.expected}.")
        if self.got is not None:
            parts.append(f"Got {self.got}.")
        if self.hint is not None:
            parts.append(self.hint if self.hint.endswith(("?", "!", ".")) else self.hint + ".")
        return " ".join(parts)

    def info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=self.message, expected=self.expected,
                         got=self.got, hint=self.hint)


class ConfigError(TiltyardError):
    code = "config"


class ChallengeNotFound(TiltyardError):
    code = "challenge_not_found"


class BundleError(TiltyardError):
    """A bundle folder breaks the contract (manifest, hashes, files)."""

    code = "bundle_invalid"


class SubmissionError(TiltyardError):
    """A submission was rejected; ``code`` says why (missing_ids, nan_values, ...)."""

    code = "invalid_submission"


class SubmissionNotFound(TiltyardError):
    code = "submission_not_found"


class StoreError(TiltyardError):
    code = "store"
