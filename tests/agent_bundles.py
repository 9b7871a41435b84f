"""A tiny CartPole bundle (a few short episodes) built by the agent kind's own builder: for the
agent kind's tests and the arena's."""

from __future__ import annotations

import dataclasses
import io
import textwrap
import zipfile
from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Budget
from tiltyard.kinds.agent.builder import AgentBuilder, Rung, random_rung, rung_file
from tiltyard.kinds.agent.challenges import CARTPOLE_BALANCE
from tiltyard.kinds.agent.starter import BUDGET_SOURCE

LEAN = rung_file("cartpole_lean.py")
VERIFIED = "tiny-verified-v1"
STEP_FOREVER = """
while True:
    for env in envs:
        _, _, done, cut, _ = env.step(env.action_space.sample())
        if done or cut:
            env.reset()
"""


def tiny_spec(challenge_id: str = "tiny-cartpole-v1", wall_seconds: float = 40, **section_changes):
    spec = CARTPOLE_BALANCE.spec
    section = spec.section.model_copy(update={"public_seeds": [1, 2, 3], "private_episodes": 4,
                                              "max_episode_steps": 60, "step_seconds": 2.0,
                                              "setup_seconds": 20.0, "reference_rung": "lean",
                                              "verified": None, **section_changes})
    return dataclasses.replace(
        spec, id=challenge_id, section=section,
        budget=Budget(environment_steps=section.step_budget, wall_seconds=wall_seconds, cpu_seconds=40,
                      memory_mb=600),
        rungs=lambda: [random_rung(), Rung("lean", "push toward the lean", {"policy.py": LEAN})])


def build_tiny(catalog: Path, challenge_id: str = "tiny-cartpole-v1", instance=None, **changes) -> Bundle:
    return AgentBuilder(tiny_spec(challenge_id, **changes)).build(catalog, instance=instance)


def train_script(body: str, *, catch: bool = True, challenge_id: str = VERIFIED) -> str:
    """A cheap train.py (no Stable-Baselines3): it steps three copies of the challenge's
    environment by hand (no learning), then writes submission/ with the lean policy."""
    loop = textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    guarded = f"try:\n{loop}except BudgetSpent as spent:\n    print(spent)\n" if catch else \
        textwrap.dedent(body)
    return ("import os, shutil, time\nfrom pathlib import Path\nimport tiltyard\nfrom budget import BudgetSpent\n"
            f"challenge = tiltyard.load({challenge_id!r})\n"
            "seed = int(os.environ['TILTYARD_TRAINING_SEED'])\n"
            "envs = [challenge.make_env(seed=seed * 10 + i) for i in range(3)]\n"
            f"{guarded}"
            "Path('submission').mkdir(exist_ok=True)\nshutil.copyfile('policy.py', 'submission/policy.py')\n")


def workspace_files(train: str) -> dict[str, str]:
    """A workspace as `tiltyard start` makes one, with ``train`` as its train.py."""
    return {"policy.py": LEAN, "budget.py": BUDGET_SOURCE.read_text(), "train.py": train}


def write_workspace(folder: Path, train: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in workspace_files(train).items():
        (folder / name).write_text(text)
    return folder


def zipped_workspace(train: str, **more: str) -> bytes:
    """The workspace as a .zip with its files at the top (what a learner uploads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {**workspace_files(train), **more}.items():
            archive.writestr(name, text)
    return buffer.getvalue()
