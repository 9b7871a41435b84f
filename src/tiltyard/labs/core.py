"""The lab contract shared by every simulator: query, budget, sealed parameters."""

from __future__ import annotations

from tiltyard.errors import TiltyardError


class LabError(TiltyardError):
    """A lab refused a request (bad batch, budget spent, unknown part)."""

    code = "lab"
