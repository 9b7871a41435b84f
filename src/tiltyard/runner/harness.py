"""Runs inside the sandbox: set the limits, run the kind's entry script on the learner's file,
send the result back.

The entry script (a kind's, such as the table kind's ``build_model`` fit-and-predict) is
staged beside this file and defines ``run(config, api) -> (header, array or None)``. Both are
executed by a fresh interpreter and must import nothing from tiltyard (the package is not
visible inside the sandbox). It is trusted code that runs in the same process
as untrusted code, so it enforces nothing that matters on its own: the limits are set here only so
that they apply before the learner's first line runs, and the sandbox around this process is what
keeps secrets out of reach. Whatever it reports is checked again by the parent.

Protocol on the result pipe: the line ``STARTED_MARKER`` as soon as the limits are in place, then
one JSON header line, then (for ``ok``) the predictions as a ``.npy`` payload.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import resource
import signal
import socket
import sys
import traceback

STARTED_MARKER = b"TILTYARD-HARNESS-STARTED\n"
ENTRY_MODULE = "tiltyard_entry"
MESSAGE_LIMIT = 2000
TRACEBACK_FRAMES = 8
PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
NETWORK_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.ECONNREFUSED,
                  errno.EADDRNOTAVAIL}
DENIED_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}


class CpuBudgetSpent(BaseException):
    """Raised from the SIGXCPU handler; a BaseException so ``except Exception`` cannot swallow it."""


def main() -> None:
    config = json.loads(sys.argv[1])
    result = os.fdopen(config["result_fd"], "wb")
    # The learner's own subprocesses must not inherit the result channel.
    os.set_inheritable(result.fileno(), False)
    for fd in config.get("conversation_fds") or ():
        os.set_inheritable(fd, False)
    apply_limits(config["limits"])
    if config.get("run_as_uid") is not None:
        drop_privileges(config["run_as_uid"])
    forbid_new_privileges()
    signal.signal(signal.SIGXCPU, raise_cpu_budget_spent)
    result.write(STARTED_MARKER)
    result.flush()
    harness_pid = os.getpid()
    header, predictions = run_submission(config)
    if os.getpid() != harness_pid:
        # A process the submission forked came back out into the harness: only the original reports.
        os._exit(0)
    send(result, header, predictions)
    if getattr(sys.modules.get(ENTRY_MODULE), "SKIP_TEARDOWN", False):
        # The entry says that nothing the code leaves behind is kept (its answers went through
        # the channels): end without the interpreter's teardown, which takes 45 ms once NumPy
        # and Gymnasium are loaded (10 runs of `python -c "import gymnasium"`: 1.80 s, and
        # 1.35 s ending with os._exit). What the code printed is flushed first.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(0)


def apply_limits(limits: dict[str, int]) -> None:
    # Soft and hard limits are equal (CPU excepted) so the learner's code cannot raise them.
    for name, value in limits.items():
        kind = getattr(resource, name)
        if name == "RLIMIT_CPU":
            # The soft limit raises SIGXCPU (a readable outcome); the hard limit two seconds later kills.
            resource.setrlimit(kind, (value, value + 2))
        else:
            resource.setrlimit(kind, (value, value))


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    # Changing uid clears the parent-death signal bubblewrap set; without it this process would
    # outlive a worker that dies.
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def forbid_new_privileges() -> None:
    # Set-uid programs visible in the sandbox must not hand the learner's code more rights.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def raise_cpu_budget_spent(signum, frame):
    raise CpuBudgetSpent()


class EntryApi:
    """What the kind's entry script may use: name the stage it is in, import the learner's file,
    refuse a broken contract, turn what the code returned into a plain array."""

    def __init__(self, config: dict):
        self.config = config
        self.current = "setup"  # the harness's own work; a failure here is the sandbox's
        fds = config.get("conversation_fds")
        self._requests = os.fdopen(fds[0], "rb") if fds else None
        self._replies = fds[1] if fds else None

    def requests(self):
        """An interactive run's requests from the grader, in order, until it says no more."""
        import pickle
        import struct

        while True:
            length = self._requests.read(4)
            if len(length) < 4:
                return
            yield pickle.loads(self._requests.read(struct.unpack("<I", length)[0]))

    def reply(self, message) -> None:
        """Answer the grader: one JSON line."""
        data = json.dumps(message, allow_nan=True).encode() + b"\n"
        view = memoryview(data)
        while view:
            view = view[os.write(self._replies, view):]

    def stage(self, name: str) -> None:
        self.current = name

    def import_submission(self):
        self.stage("import")
        return import_submission(self.config["submission_path"])

    contract_error = staticmethod(lambda stage, message: contract_error(stage, message))

    @staticmethod
    def to_plain_array(raw):
        import numpy as np
        import pandas as pd

        return to_plain_array(np, pd, raw)

    plain_scalar = staticmethod(lambda value: plain_scalar(value))


def run_submission(config: dict) -> tuple[dict, object]:
    """Run the kind's entry script (``run(config, api) -> (header, array or None)``) and class
    whatever escapes it by the stage it was in."""
    api = EntryApi(config)
    try:
        entry = import_file(config["entry_path"], ENTRY_MODULE)
        return entry.run(config, api)
    except CpuBudgetSpent:
        return {"status": "cpu_exceeded", "stage": api.current}, None
    except MemoryError as error:
        return {"status": "memory_exceeded", "stage": api.current,
                "detail": str(error)[:MESSAGE_LIMIT]}, None
    except SystemExit as error:
        return {"status": "exited_early", "stage": api.current,
                "detail": f"exit code {error.code!r}"}, None
    except BaseException as error:  # the learner's code may raise anything; each is a classed outcome
        return describe_exception(api.current, error, config), None


def import_file(path: str, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def import_submission(path: str):
    # The learner's folder first on the path: a submission may import the files beside it.
    sys.path.insert(0, os.path.dirname(path))
    return import_file(path, "submission")


def to_plain_array(np, pd, raw):
    """Predictions as a NumPy array that ``np.load(allow_pickle=False)`` can read back."""
    if isinstance(raw, (pd.DataFrame, pd.Series)):
        raw = raw.to_numpy()
    array = np.asarray(raw)
    if array.dtype == object:
        # Labels held as Python objects: numbers or booleans keep their type, anything else is text.
        inferred = pd.Series(array.ravel()).infer_objects()
        if inferred.dtype.kind in "biuf":
            array = inferred.to_numpy().reshape(array.shape)
        else:
            array = np.array([str(value) for value in array.ravel()], dtype=str).reshape(array.shape)
    return array


def plain_scalar(value):
    return value.item() if hasattr(value, "item") else value


def contract_error(stage: str, message: str) -> dict:
    return {"status": "exception", "stage": stage, "exception_type": "ContractError",
            "exception_message": message, "learner_traceback": None, "violation": None}


def describe_exception(stage: str, error: BaseException, config: dict) -> dict:
    submission_path = config["submission_path"]
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == submission_path]
    learner_traceback = None
    if frames:
        lines = ["Traceback (your code only, most recent call last):\n"]
        lines += traceback.format_list(frames[-TRACEBACK_FRAMES:])
        lines += traceback.format_exception_only(type(error), error)
        learner_traceback = "".join(lines)[-4 * MESSAGE_LIMIT:]
    return {"status": "exception", "stage": stage, "exception_type": type(error).__name__,
            "exception_message": str(error)[:MESSAGE_LIMIT], "learner_traceback": learner_traceback,
            "violation": find_violation(error, config["visible_roots"])}


def find_violation(error: BaseException | None, visible_roots: list[str]) -> str | None:
    """Name what the sandbox refused (network, a path), following wrapped and chained errors."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, socket.gaierror):
            return "network: a name lookup (DNS)"
        if (isinstance(error, BlockingIOError) and error.filename is None) or "can't start new thread" in str(error):
            return "processes"
        if isinstance(error, OSError):
            if error.errno in NETWORK_ERRNOS:
                return f"network: {os.strerror(error.errno)}"
            path = error.filename if isinstance(error.filename, str) else None
            if path and error.errno in DENIED_ERRNOS:
                return f"path: {path} ({os.strerror(error.errno)})"
            if path and error.errno == errno.ENOENT and os.path.isabs(path) and not is_visible(path, visible_roots):
                return f"path: {path} (outside the sandbox)"
        reason = getattr(error, "reason", None)  # urllib.error.URLError wraps the socket error
        error = reason if isinstance(reason, BaseException) else (error.__cause__ or error.__context__)
    return None


def is_visible(path: str, visible_roots: list[str]) -> bool:
    path = os.path.normpath(path)
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in visible_roots)


def send(result, header: dict, predictions) -> None:
    # Our own high-water mark (VmHWM is per address space, not inherited like ru_maxrss): the
    # parent's sampling of /proc can miss a spike just before the end.
    header = {**header, "peak_memory_mb": own_peak_memory_mb()}
    result.write(json.dumps(header).encode() + b"\n")
    if predictions is not None:
        import io

        import numpy as np

        buffer = io.BytesIO()  # np.save needs a seekable file, and a pipe is not one
        try:
            np.save(buffer, predictions, allow_pickle=False)
            result.write(buffer.getvalue())
        except (ValueError, TypeError) as error:
            # Refused by allow_pickle=False: the parent sees a truncated payload and says so.
            print(f"tiltyard: predictions could not be serialised: {error}", file=sys.stderr)
    result.close()


def own_peak_memory_mb() -> float:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    main()
