"""Hostile submissions: each is stopped, classed, and leaves the worker healthy (see conftest)."""

from __future__ import annotations

import resource
import socket
import threading

from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import Outcome, SandboxMode

from .conftest import OTHER_LEARNER_SECRET, SECRET, SMALL_BUDGET, needs_bubblewrap

pytestmark = needs_bubblewrap

# A tiny estimator that keeps runs quick: importing scikit-learn alone costs most of a second.
MODEL = """
import numpy as np
class Constant:
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self
    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))
"""


def test_reading_sealed_answers_is_forbidden(submit, tiltyard_home):
    answers = tiltyard_home / "catalog" / "toy-v1" / "sealed" / "answers.csv"
    result = submit(MODEL + f"""
def build_model():
    print(open({str(answers)!r}).read())
    return Constant()
""")
    assert result.outcome is Outcome.FORBIDDEN
    assert str(answers) in result.message
    assert SECRET not in result.stdout_tail + result.stderr_tail + result.message
    assert "build_model" in result.traceback_tail and "harness" not in result.traceback_tail
    assert result.sandbox is SandboxMode.BUBBLEWRAP


WALK_BUDGET = SMALL_BUDGET.model_copy(update={"wall_seconds": 60, "cpu_seconds": 60})


def test_a_submission_that_hides_its_attempts_still_sees_nothing_of_the_home(submit, tiltyard_home):
    result = submit(MODEL + f"""
import os, sys
def build_model():
    # The system, and the library folders on the path (shown read-only: an editable install's
    # source tree among them), are not the home; reading all of them would outlast the budget.
    libraries = tuple(p for p in sys.path if p.startswith("/") and p != "/" and p != os.getcwd())
    system = ("/proc", "/sys", "/usr", "/dev", sys.prefix, sys.base_prefix) + libraries
    # Regular files only, and their first 64 kB (the planted secrets are small files): this
    # walk outlasted its 20 s twice in full runs, cause not found; a FIFO that blocks and a
    # large file are the two ways a walk can, so neither is read, and the budget is 60 s.
    import stat
    for folder, _, files in os.walk("/"):
        if folder.startswith(system):
            continue
        for name in files:
            path = os.path.join(folder, name)
            try:
                if stat.S_ISREG(os.lstat(path).st_mode):
                    with open(path, errors="replace") as handle:
                        print(handle.read(1 << 16))
            except Exception:
                pass
    for path in ({str(tiltyard_home)!r}, "/proc/1/root" + {str(tiltyard_home)!r}):
        try:
            print(os.listdir(path))
        except OSError as error:
            print("denied", error)
    return Constant()
""", budget=WALK_BUDGET)
    assert result.outcome is Outcome.OK
    assert "denied" in result.stdout_tail
    assert SECRET not in result.stdout_tail and OTHER_LEARNER_SECRET not in result.stdout_tail


def test_reading_another_learners_submission_is_forbidden(submit, tiltyard_home):
    other = tiltyard_home / "submissions" / "other-learner" / "solution.py"
    result = submit(MODEL + f"""
def build_model():
    print(open({str(other)!r}).read())
    return Constant()
""")
    assert result.outcome is Outcome.FORBIDDEN
    assert OTHER_LEARNER_SECRET not in result.stdout_tail


def test_opening_a_socket_is_forbidden_and_reaches_nothing(submit):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except TimeoutError:
                pass

    watcher = threading.Thread(target=accept)
    watcher.start()
    try:
        result = submit(MODEL + f"""
import socket
def build_model():
    try:
        socket.create_connection(("127.0.0.1", {port}), timeout=2)
    except OSError:
        pass
    socket.create_connection(("1.1.1.1", 443), timeout=2)
    return Constant()
""")
    finally:
        stop.set()
        watcher.join()
        listener.close()
    assert result.outcome is Outcome.FORBIDDEN
    assert "network" in result.message
    assert connections == []


def test_name_lookups_are_forbidden(submit):
    result = submit(MODEL + """
import urllib.request
def build_model():
    urllib.request.urlopen("https://example.org/answers.csv", timeout=2)
    return Constant()
""")
    assert result.outcome is Outcome.FORBIDDEN
    assert "network" in result.message


def test_a_fork_bomb_hits_the_process_limit(submit):
    result = submit(MODEL + """
import os
def build_model():
    while True:
        os.fork()
""")
    assert result.outcome is Outcome.EXCEPTION
    assert f"budget of {SMALL_BUDGET.processes}" in result.message


def test_a_fork_bomb_that_ignores_failures_is_stopped_by_the_clock(submit):
    result = submit(MODEL + """
import os
def build_model():
    while True:
        try:
            os.fork()
        except OSError:
            pass
""", budget=SMALL_BUDGET.model_copy(update={"wall_seconds": 2}))
    assert result.outcome is Outcome.TIMEOUT
    assert 2 <= result.wall_s < 5


def test_allocating_far_beyond_the_memory_budget(submit):
    result = submit(MODEL + """
import numpy as np
def build_model():
    blocks = []
    while True:
        blocks.append(np.ones(10_000_000))  # 80 MB at a time, touched
""")
    assert result.outcome is Outcome.MEMORY_EXCEEDED
    assert "600 MB" in result.message
    assert result.peak_memory_mb < 600 + 100


def test_one_huge_allocation(submit):
    result = submit(MODEL + """
def build_model():
    data = bytearray(64 * 1024**3)
    return Constant()
""")
    assert result.outcome is Outcome.MEMORY_EXCEEDED


def test_sleeping_forever_is_stopped_at_the_wall_time_budget(submit):
    result = submit(MODEL + """
import time
def build_model():
    time.sleep(10**6)
""", budget=SMALL_BUDGET.model_copy(update={"wall_seconds": 2}))
    assert result.outcome is Outcome.TIMEOUT
    assert "wall-time budget of 2 s" in result.message
    assert 2 <= result.wall_s < 4


def test_spinning_the_cpu_is_stopped_at_the_cpu_budget(submit):
    result = submit(MODEL + """
def build_model():
    while True:
        pass
""", budget=SMALL_BUDGET.model_copy(update={"cpu_seconds": 3}))
    assert result.outcome is Outcome.TIMEOUT
    assert "CPU budget of 3 s" in result.message
    assert 3 <= result.cpu_s < 6


def test_writing_outside_scratch_is_forbidden(submit, tmp_path):
    import sys

    targets = ["/usr/lib/evil.txt", f"{sys.prefix}/evil.txt", str(tmp_path / "evil.txt"), "/evil.txt"]
    result = submit(MODEL + f"""
def build_model():
    refusals = []
    for target in {targets!r}:
        try:
            open(target, "w").write("pwned")
        except OSError as error:
            refusals.append(error)
            print("refused", target)
    raise refusals[0]
""")
    assert result.outcome is Outcome.FORBIDDEN
    assert "/usr/lib/evil.txt (Read-only file system)" in result.message
    assert result.stdout_tail.count("refused") == len(targets)
    assert not (tmp_path / "evil.txt").exists()


def test_printing_gigabytes_is_cut_off_without_filling_the_worker(submit):
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = submit(MODEL + """
import sys
def build_model():
    line = "x" * (1 << 20)
    while True:
        sys.stdout.write(line)
""", budget=SMALL_BUDGET.model_copy(update={"wall_seconds": 2}))
    assert result.outcome is Outcome.TIMEOUT
    assert result.stdout_bytes > 100 * 2**20
    assert len(result.stdout_tail) <= 8192
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before < 50 * 1024


def test_killing_its_parent_and_everything_else_harms_nothing(submit):
    import os

    result = submit(MODEL + f"""
import os, signal
def build_model():
    for pid in (1, -1, {os.getpid()}, {os.getppid()}):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError as error:
            print("could not kill", pid, error)
    return Constant()
""")
    assert result.outcome is Outcome.OK
    assert "could not kill" in result.stdout_tail


def test_children_left_behind_are_killed_with_the_run(submit):
    result = submit(MODEL + """
import os, subprocess, time
def build_model():
    subprocess.Popen(["sleep", "987654"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(987654)
        os._exit(0)
    return Constant()
""")
    assert result.outcome is Outcome.OK  # the conftest checks that nothing is left running


def test_the_worker_environment_does_not_leak_in(submit, monkeypatch):
    monkeypatch.setenv("TILTYARD_SERVER_SECRET", "do-not-leak-93b1")
    result = submit(MODEL + """
import os
def build_model():
    print(sorted(os.environ.items()))
    return Constant()
""")
    assert result.outcome is Outcome.OK
    assert "do-not-leak" not in result.stdout_tail


def test_a_file_bigger_than_scratch_is_stopped(submit):
    result = submit(MODEL + """
def build_model():
    with open("big.bin", "wb") as handle:
        while True:
            handle.write(b"x" * (1 << 20))
""", budget=SandboxLimits(**{**SMALL_BUDGET.model_dump(), "scratch_mb": 16}))
    assert result.outcome in (Outcome.FORBIDDEN, Outcome.EXCEPTION)
    assert "16 MB" in result.message or "No space" in result.message or "too large" in result.message
