"""The harness seam: what a kind hands the sandbox to run learner code (a :class:`Harness`), and
what the kind's judgement of a finished run says (a :class:`Verdict`). The isolation in
:mod:`tiltyard.runner.sandbox` is the same for every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from tiltyard.runner.outcomes import Outcome


class Verdict:
    """How a run ended (its outcome class and the message for the learner) and, when it ended
    well, what it sent back, already checked."""

    def __init__(self, outcome: Outcome, message: str, *, traceback_tail: str | None = None,
                 predictions: np.ndarray | None = None, classes: list | None = None):
        self.outcome, self.message, self.traceback_tail = outcome, message, traceback_tail
        self.predictions, self.classes = predictions, classes


class Harness(Protocol):
    """What a kind supplies to run learner code in the sandbox."""

    entry_script: Path  # defines run(config, api); runs inside, imports nothing from tiltyard
    entry_point: str  # what the learner's file defines, for messages: "build_model()"
    output_noun: str  # what a run sends back, for messages: "predictions"
    reproduce: str  # how to run it locally: "build_model().fit(X, y) on the public training data"
    stage_words: dict[str, str]  # stage -> "while fitting your model on the training data"
    data_files: tuple[Path, ...]  # public files readable at data/NAME from the working folder

    def stage_inputs(self, folder: Path) -> dict[str, str]:
        """Write the run's inputs into ``folder``; return {name: file name} for the entry script."""

    def settings(self) -> dict:
        """JSON-ready settings the entry script reads from its config."""

    def check_output(self, header: dict, payload: bytes) -> Verdict:
        """Judge what an ``ok`` run sent back (nothing the submission sent is trusted)."""

    # Optional, read with getattr by the sandbox:
    #   submission_file: str -- when the submission is a folder, the file in it the entry imports
    #   converse(channel) -> None -- makes the run interactive (tiltyard.runner.interactive): called
    #     in the grader's process while the code runs; the entry script answers through
    #     api.requests() and api.reply(); raising interactive.StopRun ends the run with its verdict
