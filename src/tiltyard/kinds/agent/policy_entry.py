"""Runs inside the sandbox (staged beside the runner's harness): build the learner's policy with
``make_policy(observation_space, action_space)`` and answer the grader's calls, in order, until
it has no more. Imports nothing from tiltyard; never sees a seed or an environment.

A request is a list of calls: ``("make_policy", observation_space, action_space)``,
``("phase", name)``, ``("reset",)``, ``("observe", reward)``, ``("act", observation)``, and
``("act_array", dtype, shape, bytes)`` for an observation that is a NumPy array. Only
``make_policy`` and the acts are answered (one JSON line each)."""

import os

OPTIONAL_HOOKS = ("reset", "observe", "start_phase")


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
    policy = None
    for calls in api.requests():
        for call in calls:
            name = call[0]
            if name == "make_policy":
                api.stage("make_policy")
                try:
                    policy = make_policy(call[1], call[2])
                except FileNotFoundError as error:
                    missing = _missing_file(error, folder, "make_policy()")
                    if missing is None:
                        raise
                    return api.contract_error("make_policy", missing), None
                if not callable(getattr(policy, "act", None)):
                    return api.contract_error("make_policy", f"make_policy() returned {type(policy).__name__}, "
                                              "which has no act(observation) method; return an object with "
                                              "act(observation) -> action"), None
                api.reply({"ready": True, "hooks": [h for h in OPTIONAL_HOOKS
                                                    if callable(getattr(policy, h, None))]})
            elif name == "act_array":
                api.stage("act")
                api.reply({"action": _plain(policy.act(_array(*call[1:])))})
            elif name == "act":
                api.stage("act")
                api.reply({"action": _plain(policy.act(call[1]))})
            else:  # an optional hook: the grader sends only those the policy has
                api.stage(name)
                getattr(policy, name)(*call[1:])
    return {"status": "ok"}, None


def _array(dtype: str, shape: tuple, data: bytes):
    """The observation the grader sent as ``("act_array", dtype, shape, bytes)``: a NumPy array
    of its own (writable, as the environment's was). NumPy is imported when the first one
    comes, so a policy that never sees an array never pays for it."""
    import numpy as np

    return np.frombuffer(bytearray(data), dtype=dtype).reshape(shape)


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
