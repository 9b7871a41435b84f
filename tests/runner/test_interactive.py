"""The runner's interactive mode, kind-free: a harness that defines converse() talks to the
sandboxed code over pipes; a verdict it stops the run with is the outcome; a hang is killed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tiltyard.runner.interactive import Channel, ReplyTimeout, StopRun
from tiltyard.runner.outcomes import Outcome
from tiltyard.runner.sandbox import run_in_sandbox
from tiltyard.runner.seam import Verdict

from .conftest import SMALL_BUDGET, needs_bubblewrap

ENTRY = '''
def run(config, api):
    module = api.import_submission()
    for request in api.requests():
        api.stage("answer")
        api.reply({"answer": module.answer(request)})
    return {"status": "ok"}, None
'''


@dataclass
class Doubler:
    """Asks the code to answer each number; keeps what came back."""

    entry_script: Path
    questions: list
    stop_at: int | None = None
    data_files: tuple = ()
    entry_point: str = "answer(number)"
    output_noun: str = "answers"
    reproduce: str = "answer(2)"
    stage_words: dict = field(default_factory=lambda: {"answer": "in answer()"})
    answers: list = field(default_factory=list)

    def stage_inputs(self, folder):
        return {}

    def settings(self):
        return {}

    def converse(self, channel: Channel) -> None:
        for number in self.questions:
            if number == self.stop_at:
                raise StopRun(Verdict(Outcome.INVALID_OUTPUT, f"stopped at {number}"))
            try:
                self.answers.append(channel.ask(number, timeout=1.0)["answer"])
            except ReplyTimeout:
                raise StopRun(Verdict(Outcome.TIMEOUT, f"no answer to {number} within 1 s")) from None

    def check_output(self, header, payload):
        return Verdict(Outcome.OK, f"{len(self.answers)} answers")


def harness(tmp_path, **changes) -> Doubler:
    entry = tmp_path / "entry.py"
    entry.write_text(ENTRY)
    return Doubler(entry, **changes)


@needs_bubblewrap
def test_a_conversation_runs_to_its_end_and_its_verdicts_are_the_outcome(tmp_path):
    code = tmp_path / "answer.py"
    code.write_text("import time\ndef answer(n):\n    if n == 7:\n        time.sleep(30)\n    return 2 * n\n")
    talk = harness(tmp_path, questions=list(range(5)))
    assert run_in_sandbox(talk, code, budget=SMALL_BUDGET).ok and talk.answers == [0, 2, 4, 6, 8]
    stopped = run_in_sandbox(harness(tmp_path, questions=[1, 2, 3], stop_at=3), code, budget=SMALL_BUDGET)
    assert stopped.outcome is Outcome.INVALID_OUTPUT and stopped.message == "stopped at 3"
    hung = run_in_sandbox(harness(tmp_path, questions=[6, 7, 8]), code, budget=SMALL_BUDGET)
    assert hung.outcome is Outcome.TIMEOUT and "no answer to 7" in hung.message and hung.wall_s < 10


@needs_bubblewrap
def test_code_that_fails_mid_conversation_is_classed_by_its_stage(tmp_path):
    code = tmp_path / "answer.py"
    code.write_text("def answer(n):\n    return 1 / (n - 2)\n")
    failed = run_in_sandbox(harness(tmp_path, questions=[1, 2, 3]), code, budget=SMALL_BUDGET)
    assert failed.outcome is Outcome.EXCEPTION and "ZeroDivisionError in answer()" in failed.message


@needs_bubblewrap
def test_an_answer_that_is_not_json_is_invalid_output(tmp_path):
    code = tmp_path / "answer.py"
    code.write_text("import os\ndef answer(n):\n    os.write(CHANNEL, b'not json\\n')\n    return n\n"
                    "import json, sys\nCHANNEL = json.loads(sys.argv[1])['conversation_fds'][1]\n")
    garbled = run_in_sandbox(harness(tmp_path, questions=[1, 2]), code, budget=SMALL_BUDGET)
    assert garbled.outcome is Outcome.INVALID_OUTPUT and "could not be read" in garbled.message


@needs_bubblewrap
def test_a_request_larger_than_a_pipe_holds_goes_through_or_times_out(tmp_path):
    code = tmp_path / "answer.py"
    code.write_text("def answer(data):\n    return [len(data), data[-3:].decode()]\n")
    big = b"x" * 3_000_000 + b"end"  # dozens of pipe buffers: the grader's write waits for room
    talk = harness(tmp_path, questions=[big, b"abc"])
    assert run_in_sandbox(talk, code, budget=SMALL_BUDGET).ok
    assert talk.answers == [[len(big), "end"], [3, "abc"]]
    asleep = tmp_path / "asleep.py"  # never reads its requests: the pipe stays full
    asleep.write_text("import time\ntime.sleep(30)\ndef answer(data):\n    return 0\n")
    stuck = run_in_sandbox(harness(tmp_path, questions=[big]), asleep, budget=SMALL_BUDGET)
    assert stuck.outcome is Outcome.TIMEOUT and "no answer to" in stuck.message and stuck.wall_s < 10
