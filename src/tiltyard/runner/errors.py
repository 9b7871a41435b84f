"""Errors of the runner: the sandbox cannot run here, or it failed before the learner's code ran."""

from __future__ import annotations

from tiltyard.errors import TiltyardError


class SandboxUnavailable(TiltyardError):
    code = "sandbox_unavailable"


class SandboxFailure(TiltyardError):
    """The sandbox itself failed before the learner's code ran: not the learner's fault."""

    code = "sandbox_failed"
