"""Runs inside the sandbox (staged beside the runner's harness): run the learner's ``train.py``
against environments the grader steps on its own side, then send back the folder it wrote
(``submission/``) as a zip. Imports nothing from tiltyard: ``tiltyard.load(ID)`` inside
train.py is a stand-in whose ``make_env`` returns such an environment.

The grader speaks first, ``("train", settings)``; then each call of an environment is one reply
(``{"reset": [env, seed]}``, ``{"step": [env, action]}``) answered by the next request
(``("reset", observation, info)``, ``("step", observation, reward, terminated, truncated, info)``
or ``("budget_spent", message)``). ``{"finished": true}`` ends the conversation."""

import io
import os
import runpy
import shutil
import sys
import types
import zipfile

OUTPUT_FOLDER = "submission"
SEED_VARIABLE = "TILTYARD_TRAINING_SEED"


class BudgetSpent(RuntimeError):
    """The grader's count of environment steps reached the cap (budget.py's class when it has one)."""


def run(config: dict, api):
    requests = api.requests()
    _, settings = next(requests)
    source = os.path.dirname(config["submission_path"])
    work = os.path.join(os.getcwd(), "work")
    shutil.copytree(source, work)
    os.chdir(work)
    sys.path.insert(0, work)
    os.environ[SEED_VARIABLE] = str(settings["seed"])
    spent = _budget_spent_class()
    link = _Link(api, requests, spent)
    sys.modules["tiltyard"] = _stand_in(settings, link)
    api.stage("train")
    try:
        runpy.run_path(config["submission_path"], run_name="__main__")
    except spent as error:
        if not link.spent:
            raise
        return api.contract_error("train", f"train.py reached the cap of {settings['step_budget']:,} environment "
                                  f"steps and did not stop ({error}); catch budget.BudgetSpent around "
                                  "learn() and save the model there, as the starter's train.py does"), None
    api.reply({"finished": True})
    folder = os.path.join(work, OUTPUT_FOLDER)
    if not os.path.isfile(os.path.join(folder, "policy.py")):
        return {"status": "no_predictions", "stage": "train",
                "detail": f"train.py wrote no {OUTPUT_FOLDER}/policy.py"}, None
    import numpy as np

    return {"status": "ok", "stopped_at_cap": link.spent}, np.frombuffer(_zipped(folder), dtype=np.uint8)


def _budget_spent_class():
    """budget.py's BudgetSpent when the folder has it (train.py catches that one), else ours."""
    try:
        import budget
    except ImportError:
        return BudgetSpent
    found = getattr(budget, "BudgetSpent", None)
    return found if isinstance(found, type) and issubclass(found, BaseException) else BudgetSpent


def _zipped(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                path = os.path.join(root, name)
                if not os.path.islink(path) and "__pycache__" not in path:
                    archive.write(path, os.path.relpath(path, folder))
    return buffer.getvalue()


ONE_PROCESS = ("the grader's environments are stepped from the process train.py runs in, and a "
               "SubprocVecEnv or AsyncVectorEnv steps them from child processes. Use DummyVecEnv "
               "(make_vec_env's default) or gymnasium.vector.SyncVectorEnv: the grader steps every copy "
               "on its side anyway, so more processes would make training no faster")


class _Link:
    """One call to the grader: a reply, answered by the next request."""

    def __init__(self, api, requests, spent):
        self.api, self.requests, self.spent_class, self.spent = api, requests, spent, False
        self.owner = os.getpid()

    def __reduce__(self):  # SubprocVecEnv cloudpickles make_env, and this link with it
        raise TypeError(ONE_PROCESS)

    def call(self, message):
        if os.getpid() != self.owner:  # a forked copy: its calls would cross the owner's
            raise RuntimeError(ONE_PROCESS)
        self.api.reply(message)
        answer = next(self.requests)
        if answer[0] == "budget_spent":
            self.spent = True
            raise self.spent_class(answer[1])
        return answer[1:]


def _plain(action):
    if hasattr(action, "tolist"):
        action = action.tolist()
    if isinstance(action, (list, tuple)):
        return [_plain(item) for item in action]
    return action


def _stand_in(settings: dict, link: _Link):
    import gymnasium as gym

    class GraderEnv(gym.Env):
        """An environment stepped by the grader: every step is counted there."""

        metadata = {"render_modes": []}

        def __init__(self, index: int):
            self.index = index
            self.observation_space, self.action_space = settings["observation_space"], settings["action_space"]

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            observation, info = link.call({"reset": [self.index, seed]})
            return observation, info

        def step(self, action):
            return tuple(link.call({"step": [self.index, _plain(action)]}))

        def __reduce__(self):  # sent to another process, by Process(args=...) or a vector env
            raise TypeError(ONE_PROCESS)

    class Evaluation:
        mean_return = None

        def __repr__(self):
            return "evaluated by the grader on the sealed seeds"

    class Challenge:
        id, step_budget, public_seeds = settings["challenge_id"], settings["step_budget"], settings["public_seeds"]
        made = 0

        def make_env(self, seed=None, **_options):
            Challenge.made += 1
            env = GraderEnv(Challenge.made - 1)
            if seed is not None:
                env.reset(seed=seed)
                env.action_space.seed(seed)
            return env

        def evaluate(self, policy):
            return Evaluation()

        def submit(self, path):
            raise RuntimeError("train.py runs in the grader's verified track: it hands in nothing itself")

    module = types.ModuleType("tiltyard")
    module.load = lambda challenge_id: Challenge()
    return module
