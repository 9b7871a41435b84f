"""Bad policies, each run for real in the sandbox: a classed outcome and a message that says
what was expected, what came and what to do; nothing of the sealed seeds reaches the policy."""

from __future__ import annotations

import zipfile

import pytest
from agent_bundles import build_tiny

from tiltyard.core import EvaluationFailed
from tiltyard.errors import SubmissionError
from tiltyard.evaluate import evaluate
from tiltyard.runner.sandbox import bubblewrap_problem

needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None, reason="bubblewrap cannot run here")


def policy(act: str, setup: str = "", *, memory: bool = False) -> str:
    """A policy whose act() runs ``act``; with ``memory`` it has reset() (its step count restarts
    each episode, played one at a time), without it the public episodes play side by side."""
    reset = "def reset(self):\n            self.steps = 0" if memory else ""
    return f"""
import time, socket
def make_policy(observation_space, action_space):
    {setup or 'pass'}
    class Policy:
        def __init__(self):
            self.steps = 0
        {reset}
        def act(self, observation):
            self.steps += 1
            {act}
    return Policy()
"""


def refused(bundle, folder) -> EvaluationFailed:
    with pytest.raises(EvaluationFailed) as caught:
        evaluate(bundle, folder / "policy.py")
    return caught.value


@needs_bubblewrap
@pytest.mark.parametrize("source, code, words", [
    ("def act(observation):\n    return 0\n", "exception", ["does not define make_policy"]),
    (policy("return 5"), "invalid_output",
     ["outside the action space at public episode 0 (seed 1), step 0", "Discrete(2)", "5 (outside 0..1)", "int"]),
    (policy("return 'left'"), "invalid_output", ["not a number", "str: 'left'"]),
    (policy("if self.steps == 4:\n                raise ValueError('the network is not trained')\n"
            "            return 0", memory=True),
     "exception", ["ValueError", "in act() at public episode 0 (seed 1), step 3", "the network is not trained"]),
    # Without reset() the three public episodes play side by side: the fourth call is episode 0's second.
    (policy("if self.steps == 4:\n                raise ValueError('the network is not trained')\n"
            "            return 0"),
     "exception", ["ValueError", "in act() at public episode 0 (seed 1), step 1", "the network is not trained"]),
    (policy("if self.steps == 3:\n                time.sleep(30)\n            return 0"), "timeout",
     ["per-step limit of 2 s", "act() at public episode 2 (seed 3), step 0"]),
    (policy("return 0", memory=True).replace("self.steps = 0\n        def act", "time.sleep(30)\n        def act"),
     "timeout", ["per-step limit of 2 s", "to answer reset() at public episode 0 (seed 1), step 0"]),
    (policy("time.sleep(30)"), "timeout", ["per-step limit of 2 s", "public episode 0 (seed 1), step 0"]),
    (policy("return 0", setup="open('weights.npz', 'rb')"), "exception",
     ["could not open weights.npz", "which holds policy.py", "beside policy.py"]),
    ("WEIGHTS = open('model.bin', 'rb').read()\n", "exception", ["importing policy.py could not open model.bin"]),
    # What Stable-Baselines3's PPO.load('model.zip') raises when the file is not there.
    (policy("return 0", setup="raise FileNotFoundError(2, 'No such file or directory', 'model.zip.zip')"),
     "exception", ["make_policy() could not open model.zip: it is not in your submission"]),
    (policy("return 0", setup="hog = bytearray(900 * 2**20)"), "memory_exceeded", ["600 MB"]),
    (policy("socket.create_connection(('93.184.216.34', 80), timeout=2)"), "forbidden", ["network"]),
])
def test_a_bad_policy_gets_a_classed_outcome_and_a_precise_message(tiny, policy_folder, source, code, words):
    error = refused(tiny, policy_folder(source))
    assert error.code == code, error.message
    text = " ".join(filter(None, [error.message, error.got]))
    for word in words:
        assert word in text, text
    assert error.sections and error.sections[0].name == "run"


@needs_bubblewrap
def test_reading_the_sealed_seeds_is_forbidden(tiny, policy_folder):
    seeds = tiny.root / "sealed" / "seeds.json"
    error = refused(tiny, policy_folder(policy("return 0", setup=f"open({str(seeds)!r}).read()")))
    assert error.code == "forbidden" and str(seeds) in error.message and "does not allow" in error.message


@needs_bubblewrap
def test_a_policy_over_the_total_time_is_stopped(tmp_path, policy_folder):
    slow = build_tiny(tmp_path / "catalog", "tiny-slow-v1", wall_seconds=4)
    error = refused(slow, policy_folder(policy("time.sleep(0.3)\n            return 0")))
    assert error.code == "timeout" and "wall-time budget of 4 s" in error.message


def zipped(path, files: dict[str, str | bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def test_archives_that_are_too_large_unsafe_or_without_a_policy_are_refused(tiny, tmp_path):
    big = zipped(tmp_path / "big.zip", {"policy.py": "def make_policy(o, a):\n    pass\n",
                                        "weights.bin": b"\0" * 50_000})
    with pytest.raises(SubmissionError) as caught:
        evaluate(tiny, big, max_bytes=10_000)
    assert caught.value.code == "too_large" and "unpacks to more than" in caught.value.message
    for name, files, code, shown in [("escape.zip", {"../policy.py": "x = 1\n"}, "unsafe_archive", "../policy.py"),
                                     ("empty.zip", {"agent/learn.py": "x = 1\n"}, "no_policy", "agent/learn.py"),
                                     # train.py at the top is a training folder, which tiny has no track for
                                     ("workspace.zip", {"agent/train.py": "x = 1\n"}, "no_verified_track",
                                      "train.py")]:
        with pytest.raises(SubmissionError) as caught:
            evaluate(tiny, zipped(tmp_path / name, files))
        assert caught.value.code == code and shown in caught.value.info().got
