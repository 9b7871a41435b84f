"""Runs inside the sandbox (staged beside the runner's harness): build the learner's policy with
``make_policy(observation_space, action_space)`` and answer the grader's calls, in order, until
it has no more. Imports nothing from tiltyard; never sees a seed or an environment.

The first request is ``[("make_policy", observation_space, action_space, step_seconds)]``; the
next ones are lists of calls: ``("start_phase", name)``, ``("reset",)``, ``("observe", reward)``,
``("act", observation)``, and ``("act_arrays", dtype, shape, count, bytes)`` for observations
that are NumPy arrays (several acts in one request: one per episode played side by side). A
request with ``make_policy`` or acts is answered with one JSON line: the list of their answers
(one per act), in order.

Each hook and act runs under an interval timer of the per-step limit: one still running when it
rings is interrupted, and the request's answers end with ``{"late": call}``."""

import os
import signal

OPTIONAL_HOOKS = ("reset", "observe", "start_phase")
SKIP_TEARDOWN = True  # the answers are all a policy run gives: what it wrote to disk is not kept


def run(config: dict, api):
    folder = os.path.dirname(config["submission_path"])
    # Files a policy loads are beside policy.py; relative paths are read from there.
    os.chdir(folder)
    try:
        module = api.import_submission()
    except FileNotFoundError as error:
        missing = _missing_file(error, folder, "importing policy.py")
        if missing is None:
            raise
        return api.contract_error("import", missing), None
    make_policy = getattr(module, "make_policy", None)
    if not callable(make_policy):
        return api.contract_error("import", "Your policy.py does not define make_policy(observation_space, "
                                  "action_space); define it and return an object with act(observation) "
                                  "-> action (and, optionally, reset() and observe(reward))"), None
    requests = api.requests()
    first = next(requests, None)
    if first is None:
        return {"status": "ok"}, None
    _, observation_space, action_space, step_seconds = first[0]
    api.stage("make_policy")
    try:
        policy = make_policy(observation_space, action_space)
    except FileNotFoundError as error:
        missing = _missing_file(error, folder, "make_policy()")
        if missing is None:
            raise
        return api.contract_error("make_policy", missing), None
    if not callable(getattr(policy, "act", None)):
        return api.contract_error("make_policy", f"make_policy() returned {type(policy).__name__}, which has "
                                  "no act(observation) method; return an object with act(observation) -> "
                                  "action"), None
    api.reply([{"ready": True, "hooks": [hook for hook in OPTIONAL_HOOKS if callable(getattr(policy, hook, None))]}])
    signal.signal(signal.SIGALRM, _ring)
    for calls in requests:
        answers = []
        try:
            for call in calls:
                name = call[0]
                if name == "act_arrays":
                    for observation in _arrays(*call[1:]):
                        api.stage(f"act {len(answers)}")
                        signal.setitimer(signal.ITIMER_REAL, step_seconds)  # (again) a call's own limit
                        answers.append({"action": _plain(policy.act(observation))})
                elif name == "act":
                    api.stage(f"act {len(answers)}")
                    signal.setitimer(signal.ITIMER_REAL, step_seconds)
                    answers.append({"action": _plain(policy.act(call[1]))})
                else:  # an optional hook: the grader sends only those the policy has
                    api.stage(name)
                    signal.setitimer(signal.ITIMER_REAL, step_seconds)
                    getattr(policy, name)(*call[1:])
        except LateCall:
            api.reply([*answers, {"late": "act" if api.current.startswith("act") else api.current}])
            return {"status": "ok"}, None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if answers:
            api.reply(answers)
    return {"status": "ok"}, None


class LateCall(BaseException):
    """The per-step limit rang during a call (a BaseException, so that a policy's own
    ``except Exception`` does not swallow it)."""


def _ring(signum, frame):
    raise LateCall()


def _arrays(dtype: str, shape: tuple, count: int, data: bytes):
    """The observations the grader sent as ``("act_arrays", dtype, shape, count, bytes)``: one per
    episode played side by side, each a writable NumPy array (as the environment's was), a row
    of a buffer made for this request. NumPy is imported when the first one comes, so a policy
    that never sees an array never pays for it."""
    import numpy as np

    return np.frombuffer(bytearray(data), dtype=dtype).reshape((count, *shape))


def _plain(action):
    """The action as JSON can carry it (the grader checks it against the action space)."""
    if hasattr(action, "tolist"):
        action = action.tolist()
    if isinstance(action, (bool, int, float, type(None))):
        return action
    if isinstance(action, (list, tuple)):
        return [_plain(item) for item in action]
    return {"unreadable": type(action).__name__, "repr": repr(action)[:80]}


def _missing_file(error: FileNotFoundError, folder: str, doing: str):
    name = error.filename
    if not isinstance(name, str):
        return None
    if name.endswith(".zip.zip"):  # Stable-Baselines3's load(NAME) tries NAME.zip last, and names that
        name = name[:-len(".zip")]
    path = os.path.normpath(os.path.join(folder, name))
    if not (path == folder or path.startswith(folder + os.sep)):
        return None  # a path outside the submission: the sandbox's refusal says more
    held = []
    for root, _, files in os.walk(folder):
        held += [os.path.relpath(os.path.join(root, file), folder) for file in files]
    held = sorted(file for file in held if "__pycache__" not in file)
    return (f"{doing} could not open {os.path.relpath(path, folder)}: it is not in your submission, "
            f"which holds {', '.join(held[:12])}{' ...' if len(held) > 12 else ''}. Put the files your "
            "policy loads beside policy.py, hand in the folder (or a .zip/.tar.gz of it), and open them "
            "relative to policy.py")
