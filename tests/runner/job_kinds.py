"""Job handlers for the queue tests, found by the worker's pool processes as ``module:function``."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def stall_first_attempt(payload: dict) -> dict:
    """The first attempt records its process id and stalls (its worker is then killed);
    later attempts finish at once."""
    marker = Path(payload["marker"])
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(payload["seconds"])
    return {"finished_by": os.getpid()}


def crash_first_attempt(payload: dict) -> dict:
    """The first attempt kills its own process, as the kernel's OOM killer would."""
    marker = Path(payload["marker"])
    if not marker.exists():
        marker.write_text("crashed")
        os.kill(os.getpid(), signal.SIGKILL)
    return {"survived": True}


def broken(payload: dict) -> dict:
    raise ValueError(f"this job's payload is wrong: {payload}")


GRADING_MODULES = ("tiltyard.kinds.table.grader", "tiltyard.kinds.table.corruption.trips",
                   "tiltyard.kinds.agent.grading", "sklearn")


def loaded_grading_modules(payload: dict) -> dict:
    """Which of the modules that grading imports on first use this pool process holds."""
    import sys

    return {"loaded": [name for name in GRADING_MODULES if name in sys.modules]}
