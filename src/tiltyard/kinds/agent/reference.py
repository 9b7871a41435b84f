"""Train the reference rungs of the built-in agent challenges and store what was measured.

Run at build time by a developer, not by the product: for each training seed, train the rung's
SB3 agent with its documented hyperparameters at the challenge's budget (or a shorter run, said
so in the artefact), play it on the practice instance's public and private seeds exactly as the
grader plays, and write ``reference/ID/ladder.json`` (per-seed returns, the interval over seeds,
the command, package versions, the date, the machine note) and the median seed's weights, which
the bundle builder stores as the rung.

    nice -n 19 python -m tiltyard.kinds.agent.reference cartpole-balance-v1 --seeds 5

Seeds can train in parallel, one process each, writing to folders of their own (``--out``), then
be merged into the artefact (``--merge``), which fails on a seed measured twice or on runs of
different lengths:

    nice -n 19 python -m tiltyard.kinds.agent.reference ID --seeds 3 --out /tmp/a &
    nice -n 19 python -m tiltyard.kinds.agent.reference ID --seeds 2 --first-seed 3 --out /tmp/b
    python -m tiltyard.kinds.agent.reference ID --merge /tmp/a /tmp/b
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np

from tiltyard.errors import BundleError
from tiltyard.kinds.agent.builder import REFERENCE, AgentChallengeSpec, Rung, sb3_policy, score_rung
from tiltyard.kinds.agent.environments import make_env
from tiltyard.stats import bootstrap_ci, iqm

PACKAGES = ("gymnasium", "minatar", "popgym", "stable-baselines3", "sb3-contrib", "torch", "numpy")


@dataclass(frozen=True)
class Reference:
    """A trained rung: its algorithm and documented hyperparameters, at a number of steps."""

    name: str
    algorithm: str  # an SB3 class name, or RecurrentPPO (sb3-contrib)
    policy: str
    steps: int
    n_envs: int = 1
    hyperparameters: dict = field(default_factory=dict)
    source: str = ""  # where the hyperparameters come from
    window: int = 0  # past observations the training environment shows, which the policy keeps itself

    def describe(self, seeds: int, stored_seed: int, budget: int, median: bool = True) -> str:
        label = "" if self.steps == budget else f" (SHORTER RUN: {self.steps:,} of the {budget:,}-step budget)"
        which = (f"the median of {seeds}" if median else
                 f"of {seeds} (the median seed's weights were not kept: the nearest kept seed to it)")
        return f"{self.algorithm} ({self.policy}, SB3, {self.source}), {self.steps:,} steps{label}; training seed " \
               f"{stored_seed}, {which}"


REFERENCES: dict[str, list[Reference]] = {
    "cartpole-balance-v1": [Reference(
        "ppo", "PPO", "MlpPolicy", 100_000, n_envs=8, source="rl-baselines3-zoo's CartPole-v1 settings",
        hyperparameters={"n_steps": 32, "batch_size": 256, "gae_lambda": 0.8, "gamma": 0.98, "n_epochs": 20,
                         "ent_coef": 0.0, "learning_rate": 0.001, "clip_range": 0.2})],
    "minatar-breakout-v1": [Reference(
        "ppo", "PPO", "MlpPolicy", 1_000_000, n_envs=8, source="PPO on the flattened 10x10x4 frame",
        hyperparameters={"n_steps": 128, "batch_size": 256, "n_epochs": 4, "learning_rate": 0.00025,
                         "ent_coef": 0.01, "clip_range": 0.1, "gamma": 0.99})],
    "memory-repeat-previous-v1": [
        Reference("recurrent-ppo", "RecurrentPPO", "MlpLstmPolicy", 200_000, n_envs=8,
                  source="sb3-contrib; a 64-unit LSTM",
                  hyperparameters={"n_steps": 128, "batch_size": 256, "n_epochs": 4, "learning_rate": 0.001,
                                   "ent_coef": 0.01, "gamma": 0.9,
                                   "policy_kwargs": {"lstm_hidden_size": 64, "net_arch": [64]}}),
        Reference("memoryless-ppo", "PPO", "MlpPolicy", 200_000, n_envs=8,
                  source="no memory",
                  hyperparameters={"n_steps": 128, "batch_size": 256, "n_epochs": 4, "learning_rate": 0.001,
                                   "ent_coef": 0.01, "gamma": 0.9})],
    "power-ramp-v1": [Reference(
        "windowed-ppo", "PPO", "MlpPolicy", 200_000, n_envs=8, window=2,
        source="the last three readings (window=2, kept by the policy, as windowed-linear sees them); "
               "gamma 0, since a ramp does not change the demand that follows",
        hyperparameters={"n_steps": 256, "batch_size": 256, "n_epochs": 10, "learning_rate": 0.0003,
                         "ent_coef": 0.0, "gamma": 0.0}),
        Reference("recurrent-ppo", "RecurrentPPO", "MlpLstmPolicy", 200_000, n_envs=8,
                  source="sb3-contrib; a 64-unit LSTM on the current reading alone (window=0): its memory is "
                         "its own; gamma 0",
                  hyperparameters={"n_steps": 128, "batch_size": 256, "n_epochs": 4, "learning_rate": 0.001,
                                   "ent_coef": 0.0, "gamma": 0.0,
                                   "policy_kwargs": {"lstm_hidden_size": 64, "net_arch": [64]}})],
}


def algorithm_class(name: str):
    if name == "RecurrentPPO":
        from sb3_contrib import RecurrentPPO

        return RecurrentPPO
    import stable_baselines3

    return getattr(stable_baselines3, name)


def train(spec: AgentChallengeSpec, reference: Reference, seed: int, steps: int, folder: Path) -> float:
    """Train one seed on one core; return the seconds it took. Saves folder/model.zip."""
    import torch
    from stable_baselines3.common.env_util import make_vec_env

    torch.set_num_threads(1)
    section = spec.section
    kwargs = {**section.primary.kwargs, **({"window": reference.window} if reference.window else {})}
    venv = make_vec_env(lambda: make_env(section.environment, max_episode_steps=section.max_episode_steps,
                                         kwargs=kwargs),
                        n_envs=reference.n_envs, seed=seed)
    started = time.perf_counter()
    model = algorithm_class(reference.algorithm)(reference.policy, venv, seed=seed, verbose=0, device="cpu",
                                                 **reference.hyperparameters)
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - started
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.zip")
    venv.close()
    return seconds


def _spec(challenge_id: str) -> AgentChallengeSpec:
    from tiltyard.challenges.registry import builtin_builder

    return builtin_builder(challenge_id).spec


def measure(challenge_id: str, *, seeds: int, steps: int | None, only: str | None, note: str,
            first_seed: int = 0, out: Path | None = None) -> Path:
    """Train and play every seed; the artefact is rewritten after each seed, so a run stopped
    early keeps what it measured (and says how many seeds it holds). With ``first_seed`` > 0 the
    new seeds join those already measured (the median seed's weights are kept on disk). With
    ``out`` the artefact goes there instead, for ``merge`` to bring in."""
    spec = _spec(challenge_id)
    splits = {"public": list(spec.section.public_seeds), "private": spec.private_seeds(None)}
    target = out or REFERENCE / challenge_id
    target.mkdir(parents=True, exist_ok=True)
    for reference in REFERENCES[challenge_id]:
        if only is not None and reference.name != only:
            continue
        run_steps = steps or reference.steps
        earlier = next((rung for rung in _read(target).get("rungs", []) if rung["name"] == reference.name), None)
        per_seed: list[dict] = list(earlier["per_seed"]) if earlier and first_seed > 0 else []
        with tempfile.TemporaryDirectory() as scratch:
            if per_seed:  # the weights of the seed stored so far stay a candidate for the median
                (Path(scratch) / str(earlier["stored_seed"])).mkdir()
                shutil.copyfile(target / reference.name / "model.zip",
                                Path(scratch) / str(earlier["stored_seed"]) / "model.zip")
            for seed in range(first_seed, first_seed + seeds):
                folder = Path(scratch) / str(seed)
                seconds = train(spec, reference, seed, run_steps, folder)
                policy = sb3_policy(reference.algorithm, reference.window)
                rung = Rung(reference.name, "", {"policy.py": policy, "model.zip": folder / "model.zip"})
                public, private = score_rung(rung, spec.section, splits)
                per_seed.append({"seed": seed, "public_mean": public, "private_mean": private,
                                 "train_seconds": round(seconds, 1), "steps_per_second": round(run_steps / seconds, 1)})
                print(f"{challenge_id} {reference.name} seed {seed}: public {public:.2f}, private {private:.2f}, "
                      f"{seconds / 60:.1f} min ({run_steps / seconds:.0f} steps/s)", flush=True)
                _write(target, challenge_id, _rung_record(reference, spec, per_seed, run_steps, Path(scratch), target),
                       note, _command())
    return target / "ladder.json"


def merge(challenge_id: str, parts: list[Path]) -> Path:
    """Bring the rungs measured in ``parts`` (folders written with ``--out``, or the artefact
    itself) into the artefact: each rung's seeds are the union of its parts' seeds, and its
    stored weights the median of the parts' stored seeds."""
    spec = _spec(challenge_id)
    references = {reference.name: reference for reference in REFERENCES[challenge_id]}
    found: dict[str, list[tuple[Path, dict]]] = {}
    for part in parts:
        if not (part / "ladder.json").is_file():
            raise BundleError(f"{part} holds no measured rungs", expected=f"{part / 'ladder.json'}",
                              got="no such file", hint="Pass the folders given to --out")
        ladder = _read(part)
        if ladder.get("challenge") != challenge_id:
            raise BundleError(f"{part} was measured for another challenge", expected=challenge_id,
                              got=str(ladder.get("challenge")), hint="Merge each challenge's parts on their own")
        for rung in ladder["rungs"]:
            found.setdefault(rung["name"], []).append((part, rung))
    target = REFERENCE / challenge_id
    for name, measured in found.items():
        steps = {rung["steps"] for _, rung in measured}
        if len(steps) > 1:
            raise BundleError(f"The parts of {name} ran for different numbers of steps", expected="one run length",
                              got=", ".join(f"{s:,}" for s in sorted(steps)), hint="Merge runs of one length")
        per_seed = [row for _, rung in measured for row in rung["per_seed"]]
        seeds = [row["seed"] for row in per_seed]
        twice = sorted({seed for seed in seeds if seeds.count(seed) > 1})
        if twice:
            raise BundleError(f"The parts of {name} measure the same training seed twice",
                              expected="each seed in one part", got=f"seeds {twice}",
                              hint="Train the parts with different --first-seed")
        with tempfile.TemporaryDirectory() as scratch:
            for part, rung in measured:
                (Path(scratch) / str(rung["stored_seed"])).mkdir()
                shutil.copyfile(part / name / "model.zip", Path(scratch) / str(rung["stored_seed"]) / "model.zip")
            record = _rung_record(references[name], spec, sorted(per_seed, key=lambda row: row["seed"]),
                                  steps.pop(), Path(scratch), target)
        command = " ; ".join(dict.fromkeys(rung["command"] for _, rung in measured)) + " ; " + _command()
        note = " ; ".join(dict.fromkeys(rung["note"] for _, rung in measured))
        _write(target, challenge_id, record, note, command)
    return target / "ladder.json"


def _read(target: Path) -> dict:
    return json.loads((target / "ladder.json").read_text()) if (target / "ladder.json").is_file() else {}


def _rung_record(reference: Reference, spec: AgentChallengeSpec, per_seed: list[dict], steps: int,
                 trained: Path, target: Path) -> dict:
    """The rung as measured so far; the median seed's weights are the stored rung."""
    privates = [row["private_mean"] for row in per_seed]
    # The median seed, or among the seeds whose weights are at hand (a run or a part measured
    # earlier kept only the weights of its own median) the one nearest to it.
    median = statistics.median_low(privates)
    candidates = [row for row in per_seed if (trained / str(row["seed"]) / "model.zip").is_file()]
    nearest = min(candidates, key=lambda row: (abs(row["private_mean"] - median), row["seed"]))
    stored = nearest["seed"]
    weights = target / reference.name / "model.zip"
    weights.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(trained / str(stored) / "model.zip", weights.with_suffix(".partial"))
    weights.with_suffix(".partial").replace(weights)
    across = bootstrap_ci(privates, np.mean, seed=0).as_dict() if len(set(privates)) > 1 else \
        {"estimate": privates[0], "low": privates[0], "high": privates[0], "confidence": 0.95}
    return {"name": reference.name, "algorithm": reference.algorithm, "policy": reference.policy,
            "window": reference.window,
            "description": Reference(**{**reference.__dict__, "steps": steps}).describe(
                len(per_seed), stored, spec.section.step_budget, median=nearest["private_mean"] == median),
            "steps": steps, "budget": spec.section.step_budget, "n_envs": reference.n_envs,
            "hyperparameters": reference.hyperparameters, "source": reference.source, "per_seed": per_seed,
            "stored_seed": stored, "across_seeds": across, "iqm_over_seeds": float(iqm(privates))}


def _command() -> str:
    return f"nice -n {os.nice(0)} python -m tiltyard.kinds.agent.reference " + shlex.join(sys.argv[1:])


def _write(target: Path, challenge_id: str, rung: dict, note: str, command: str) -> None:
    """Replace this rung in the artefact as it is on disk now (another rung may be measured by
    another process at the same time)."""
    rung = {**rung, "command": command, "note": note}
    others = [other for other in _read(target).get("rungs", []) if other["name"] != rung["name"]]
    order = [reference.name for reference in REFERENCES[challenge_id]]
    rungs = sorted([*others, rung], key=lambda r: order.index(r["name"]) if r["name"] in order else len(order))
    ladder = {"challenge": challenge_id, "rungs": rungs, "command": command,
              "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "versions": {name: _version(name) for name in PACKAGES}, "python": platform.python_version(),
              "note": note}
    (target / "ladder.json").write_text(json.dumps(ladder, indent=2) + "\n", encoding="utf-8")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("challenge", choices=sorted(REFERENCES))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=None, help="a shorter run than the reference's own")
    parser.add_argument("--only", default=None, help="one rung by name; the others stay as measured")
    parser.add_argument("--first-seed", type=int, default=0, help="add seeds from this one to those measured")
    parser.add_argument("--note", default="one core per run, on a 2-core machine shared with other work")
    parser.add_argument("--out", type=Path, default=None, help="write the artefact to this folder, for --merge")
    parser.add_argument("--merge", type=Path, nargs="+", default=None, metavar="FOLDER",
                        help="bring the rungs measured in these --out folders into the artefact (no training)")
    args = parser.parse_args(argv)
    if args.merge:
        print(merge(args.challenge, args.merge))
        return
    print(measure(args.challenge, seeds=args.seeds, steps=args.steps, only=args.only, note=args.note,
                  first_seed=args.first_seed, out=args.out))


if __name__ == "__main__":
    main()
