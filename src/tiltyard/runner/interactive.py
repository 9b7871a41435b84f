"""The interactive mode of a sandboxed run: the grader talks to a long-lived process over pipes.

A harness that defines ``converse(channel)`` gets this mode: the sandboxed entry script reads
requests and answers them, and ``converse`` runs in a thread of the grader while the process
lives (the grader keeps what the code must not see, such as an environment and its seeds, on its
own side). Nothing here knows what is being said.

Requests (grader to code) are pickled: the direction the sandbox trusts. Replies (code to
grader) are single JSON lines, read with a size limit and never unpickled. End of the request
stream (the grader closing its end) tells the code the conversation is over.

Both ends run on one CPU (the one the grader was on when the run began): a request and its
reply are then a switch between two processes on one core, not a wake-up of the other core,
which on these virtual machines costs over 100 us a round trip where one core's switch costs
under 10 (measured with a bare pipe ping-pong). The two never compute at the same time, so
nothing is lost; a policy's own threads (torch's) share that CPU.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tiltyard.runner.outcomes import Outcome
from tiltyard.runner.seam import Verdict

LENGTH = struct.Struct("<I")
REPLY_LIMIT = 1 << 20  # one reply line, bytes
READ_CHUNK = 1 << 16
STOPPED = "stopped_by_grader"  # a FinishedProcess.killed_for of a conversation that ended the run


class ChannelClosed(Exception):
    """The code's end of the conversation went away (it crashed, was killed or returned)."""


class ReplyTimeout(Exception):
    """No reply within the time a request allows."""

    def __init__(self, seconds: float):
        super().__init__(f"no reply within {seconds:g} s")
        self.seconds = seconds


class BadReply(Exception):
    """A reply that is not one JSON line of a bounded size."""


class StopRun(Exception):  # noqa: N818 - a request to stop, not an error of the grader
    """Raised by ``converse`` to end the run with a classed outcome (a step that took too long,
    an answer outside what the contract allows); the process is killed."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


class Channel:
    """The grader's end: send requests, wait for replies with a deadline."""

    def __init__(self, requests: int, replies: int):
        self._requests, self._replies = requests, replies
        for fd in (requests, replies):  # waits go through select, with the request's deadline
            os.set_blocking(fd, False)
        self._buffer = bytearray()

    def send(self, message: object, *, timeout: float) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(LENGTH.pack(len(data)) + data)
        deadline = None
        while view:
            try:  # non-blocking: a pipe with room takes it at once, without a select first
                view = view[os.write(self._requests, view):]
                continue
            except BlockingIOError:
                pass
            except OSError as error:  # BrokenPipeError among them: the code went away
                raise ChannelClosed(str(error)) from error
            deadline = deadline or time.monotonic() + timeout
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([], [self._requests], [], remaining)[1]:
                raise ReplyTimeout(timeout)  # the code stopped reading

    def receive(self, *, timeout: float) -> object:
        """The next reply, parsed from JSON."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            try:  # non-blocking: a reply already written is read without a select first
                chunk = os.read(self._replies, READ_CHUNK)
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self._replies], [], [], remaining)[0]:
                    raise ReplyTimeout(timeout) from None
                continue
            if not chunk:
                raise ChannelClosed("the code closed its end")
            self._buffer += chunk
            if len(self._buffer) > REPLY_LIMIT and b"\n" not in self._buffer:
                raise BadReply(f"a reply longer than {REPLY_LIMIT} bytes")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        try:
            return json.loads(line)
        except ValueError as error:
            raise BadReply(f"a reply that is not JSON ({error})") from error

    def ask(self, message: object, *, timeout: float) -> object:
        started = time.monotonic()
        self.send(message, timeout=timeout)
        return self.receive(timeout=max(timeout - (time.monotonic() - started), 0.0))


def _this_cpu() -> set[int] | None:
    """The CPU the calling thread runs on, as a set for ``os.sched_setaffinity``; None if unknown."""
    try:  # field 39 of the thread's stat line; fields after the command's closing parenthesis
        cpu = int(Path("/proc/thread-self/stat").read_text().rsplit(")", 1)[1].split()[36])
    except (OSError, IndexError, ValueError):
        return None
    return {cpu} if cpu in os.sched_getaffinity(0) else None


def _pin(cpus: set[int] | None) -> None:
    """Keep the calling thread (and what it starts) on ``cpus``, if the machine lets it."""
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, cpus)


class Conversation:
    """Two pipes and the thread that runs ``converse`` on the grader's side."""

    def __init__(self, converse: Callable[[Channel], None]):
        self._converse = converse
        self.cpus = _this_cpu()  # where both ends run (see the module's notes)
        self.child_requests, self._requests = os.pipe()
        self._replies, self.child_replies = os.pipe()
        self.stopped: Verdict | None = None
        self.failure: BaseException | None = None  # the grader's own bug, raised after the run
        self._thread: threading.Thread | None = None

    @property
    def child_fds(self) -> tuple[int, int]:
        return self.child_requests, self.child_replies

    @contextlib.contextmanager
    def spawning(self):
        """Around the spawn: the child inherits the spawning thread's CPU, the conversation's."""
        before = os.sched_getaffinity(0)
        _pin(self.cpus)
        try:
            yield
        finally:
            _pin(before)

    def start(self) -> None:
        """After the process started: keep only the grader's ends, and talk."""
        os.close(self.child_requests)
        os.close(self.child_replies)
        self._thread = threading.Thread(target=self._run, name="tiltyard-conversation", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        _pin(self.cpus)  # this thread only: the grader's other threads go where they will
        try:
            self._converse(Channel(self._requests, self._replies))
        except StopRun as stop:
            self.stopped = stop.verdict
        except BadReply as error:
            self.stopped = Verdict(Outcome.INVALID_OUTPUT, f"The code's answer could not be read: {error}. Let the "
                                   "harness answer, and write nothing to inherited file descriptors.")
        except (ChannelClosed, ReplyTimeout):
            pass  # the process's own report (or its absence) says what happened
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            self.failure = error
        finally:
            os.close(self._requests)  # end of requests: the code returns

    def stop_reason(self) -> str | None:
        return STOPPED if self.stopped is not None or self.failure is not None else None

    def finish(self) -> None:
        if self._thread is not None:
            self._thread.join()
        else:  # never started: the process did not start either
            for fd in (self.child_requests, self.child_replies, self._requests):
                _close_quietly(fd)
        _close_quietly(self._replies)


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass
