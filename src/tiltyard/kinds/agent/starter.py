"""The learner's workspace for an agent challenge: train.py (a short SB3 script that trains
within the budget and beats random as it is), policy.py (what is handed in), budget.py (the
step counter) and a notebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import nbformat

BUDGET_SOURCE = Path(__file__).with_name("budget_wrapper.py")


@dataclass(frozen=True)
class Recipe:
    """How the starter trains: an SB3 algorithm, its policy network and hyperparameters."""

    algorithm: str  # "PPO", "DQN", "RecurrentPPO"
    policy: str  # "MlpPolicy", "MlpLstmPolicy"
    steps: int  # what train.py spends, within the challenge's budget
    hyperparameters: dict = field(default_factory=dict)

    @property
    def import_line(self) -> str:
        package = "sb3_contrib" if self.algorithm == "RecurrentPPO" else "stable_baselines3"
        return f"from {package} import {self.algorithm}"


def train_script(challenge_id: str, recipe: Recipe) -> str:
    arguments = "".join(f", {name}={value!r}" for name, value in recipe.hyperparameters.items())
    return f'''"""Train a policy for {challenge_id} within its step budget, save it in submission/ and
check it on the public seeds. Run: python train.py   Then: tiltyard submit {challenge_id} submission"""

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

from stable_baselines3.common.callbacks import BaseCallback

import tiltyard
from budget import BudgetSpent, StepBudget, StepCounter
{recipe.import_line}

STEPS = {recipe.steps:_}  # environment steps this script spends (the challenge allows its step_budget)
SEED = int(os.environ.get("TILTYARD_TRAINING_SEED", 0))  # the verified track trains this script on 3 seeds

challenge = tiltyard.load("{challenge_id}")
counter = StepCounter(challenge.step_budget)
env = StepBudget(challenge.make_env(seed=SEED), counter)


class Curve(BaseCallback):
    """The learning curve: mean return of the episodes finished since the last point."""

    def __init__(self, every: int = max(STEPS // 20, 1)):
        super().__init__()
        self.every, self.points, self.finished = every, [], []

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", []):
            if "episode" in info:
                self.finished.append(float(info["episode"]["r"]))
        if self.num_timesteps % self.every == 0 and self.finished:
            self.points.append({{"step": self.num_timesteps, "mean_return": sum(self.finished) / len(self.finished)}})
            self.finished = []
        return True


model = {recipe.algorithm}("{recipe.policy}", env, seed=SEED, verbose=0{arguments})
curve = Curve()
try:
    model.learn(total_timesteps=STEPS, callback=curve)
except BudgetSpent as spent:
    print(spent)

folder = Path("submission")
folder.mkdir(exist_ok=True)
model.save(folder / "model.zip")
shutil.copyfile("policy.py", folder / "policy.py")
result = challenge.evaluate(folder)  # your policy on the public seeds, as the grader plays it
versions = {{name: metadata.version(name) for name in ("gymnasium", "stable-baselines3", "torch")}}
(folder / "report.json").write_text(json.dumps({{
    "algorithm": "{recipe.algorithm}", "steps_used": counter.steps, "mean_return": result.mean_return,
    "learning_curve": curve.points, "seeds": [SEED], "versions": versions}}, indent=2))
print(f"{{counter.steps:,}} steps used of {{challenge.step_budget:,}}; public seeds: {{result}}")
print("Hand it in: tiltyard submit {challenge_id} submission")
'''


def policy_script(recipe: Recipe) -> str:
    if recipe.algorithm == "RecurrentPPO":
        policy = """    class Policy:
        def reset(self):
            # The LSTM forgets the last episode.
            self.state, self.start = None, np.ones((1,), dtype=bool)

        def act(self, observation):
            action, self.state = model.predict(observation, state=self.state, episode_start=self.start,
                                               deterministic=True)
            self.start = np.zeros((1,), dtype=bool)
            return int(action)

    policy = Policy()
    policy.reset()
    return policy"""
        memory = "reset() is called at the start of every episode: the LSTM forgets the last one there."
    else:
        policy = """    class Policy:
        def act(self, observation):
            action, _ = model.predict(observation, deterministic=True)
            return int(action)

    return Policy()"""
        memory = ("A memoryless network needs no reset(): the grader then plays several episodes side by\n"
                  "side. Add reset() (called at each episode start) if you keep anything from one step to the\n"
                  "next, such as a stack of recent frames.")
    return f'''"""What you hand in: make_policy(observation_space, action_space) returns an object with
act(observation) -> action.
{memory}
The grader runs it in a sandbox (no network, no files but these) on sealed seeds."""

from pathlib import Path

{"import numpy as np" + chr(10) if recipe.algorithm == "RecurrentPPO" else ""}{recipe.import_line}


def make_policy(observation_space, action_space):
    model = {recipe.algorithm}.load(Path(__file__).with_name("model.zip"), device="cpu")

{policy}
'''


def notebook(challenge_id: str, title: str, recipe: Recipe) -> str:
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {title}\n\nRead `README.md` (the brief) first. This notebook looks at the environment, "
            "scores a random policy on the public seeds, trains a small agent within the budget and "
            "hands it in."),
        nbformat.v4.new_code_cell(
            "import tiltyard\nfrom gymnasium.utils.env_checker import check_env\n\n"
            f"challenge = tiltyard.load({challenge_id!r})\nenv = challenge.make_env(seed=0)\n"
            "check_env(env.unwrapped)\nprint(env.observation_space, env.action_space, challenge.step_budget)"),
        nbformat.v4.new_markdown_cell("## A random policy on the public seeds: the floor of the ladder"),
        nbformat.v4.new_code_cell(
            "class Random:\n    def __init__(self, space):\n        self.space = space\n"
            "    def act(self, observation):\n        return self.space.sample()\n\n"
            "challenge.evaluate(Random(env.action_space))"),
        nbformat.v4.new_markdown_cell("## Train within the budget, then hand in the folder\n\n"
                                      "`train.py` counts every step (`budget.py`) and writes `submission/`: "
                                      "`policy.py`, `model.zip` and `report.json` (your learning curve)."),
        nbformat.v4.new_code_cell("%run train.py"),
        nbformat.v4.new_code_cell("challenge.submit('submission')"),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"  # fixed ids keep the bundle hash stable
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nbformat.writes(book)


def starter_files(challenge_id: str, title: str, recipe: Recipe) -> dict[str, str]:
    return {"train.py": train_script(challenge_id, recipe), "policy.py": policy_script(recipe),
            "budget.py": BUDGET_SOURCE.read_text(encoding="utf-8"),
            f"{challenge_id}.ipynb": notebook(challenge_id, title, recipe)}
