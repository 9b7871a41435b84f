"""A small fault-injection run (benchmarks/faults.py): tens of submissions of mixed kinds while
the server and the workers are killed with SIGKILL; nothing is lost, stuck or recorded twice,
and the boards equal a recomputation from the stored reports."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from arena_helpers import CHALLENGE, free_port, predictions_csv

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
import faults  # noqa: E402


@pytest.mark.slow
def test_kills_lose_nothing_and_grade_nothing_twice(arena_home, titanic_bundle):
    from tiltyard.config import get_settings

    env = {**os.environ, "TILTYARD_GRADING_WORKERS": "0", "TILTYARD_MAX_SUBMISSION_MB": "0.05"}
    answers, outcomes, problems, kills, _starts = faults.run(
        home=get_settings().home, env=env, challenge_id=CHALLENGE,
        valid=[predictions_csv(titanic_bundle, seed=n) for n in range(4)], submissions=30,
        kills=3, seconds=50, workers=2, learners=4, port=free_port())
    assert problems == dict.fromkeys(problems, 0), (problems, answers, outcomes)
    assert sum(kills.values()) == 3 and sum(answers.values()) == 30
    assert outcomes["graded"] > 0 and any(name.startswith("rejected") for name in outcomes)
