"""The verified budget track: the grader reruns the learner's ``train.py`` in the sandbox, once per
training seed, under the challenge's step cap (counted here, on the grader's side, where every
environment is stepped: each copy of a vector environment is one more environment to count), a
wall cap and a fixed thread count; then plays each trained policy on the sealed seeds. The
seeds' scores give an IQM with a stratified-bootstrap interval and the probability of
improvement over a rung. One job per training seed, through the durable queue (local pool or
Ray), like any grading job."""

from __future__ import annotations

import hashlib
import io
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.challenges.bundle import Bundle
from tiltyard.config import get_settings
from tiltyard.core import EvaluationFailed
from tiltyard.errors import BundleError, SubmissionError
from tiltyard.kinds.agent.builder import reference_ladder
from tiltyard.kinds.agent.environments import make_env
from tiltyard.kinds.agent.section import AgentSection, VerifiedTrack, section_of
from tiltyard.kinds.agent.submission import unpack
from tiltyard.runner.interactive import Channel, StopRun
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.outcomes import Outcome
from tiltyard.runner.sandbox import run_in_sandbox
from tiltyard.runner.seam import Verdict
from tiltyard.stats import probability_of_improvement, stratified_bootstrap_ci

ENTRY_SCRIPT = Path(__file__).with_name("training_entry.py")
TRAIN_FILE = "train.py"
JOB_KIND = "tiltyard.kinds.agent.verified:training_job"
SEED_STREAM = 0x7E51F1ED  # mixes a training seed into the seeds the environments are reset with


def track_of(bundle: Bundle) -> VerifiedTrack:
    track = section_of(bundle).verified
    if track is None:
        raise SubmissionError(f"{bundle.manifest.id} has no verified budget track",
                              expected="a challenge whose [agent] section declares verified",
                              got=bundle.manifest.id, code="no_verified_track",
                              hint="Submit the trained policy folder instead (tiltyard submit ID submission)")
    return track


def derived_seed(training_seed: int, env_index: int, seed: int | None) -> int:
    entropy = [SEED_STREAM, training_seed, env_index] + ([] if seed is None else [1, seed])
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


@dataclass
class TrainingHarness:
    """What the sandbox needs to run train.py: the entry script, and the grader's side of the
    conversation, which steps the environments and counts every step against the cap."""

    challenge_id: str
    section: AgentSection
    seed: int
    wall_seconds: float
    entry_script: Path = ENTRY_SCRIPT
    submission_file: str = TRAIN_FILE
    data_files: tuple[Path, ...] = ()
    entry_point: str = "train.py (run as a script)"
    output_noun: str = "trained policy (submission/ with policy.py)"
    reproduce: str = "python train.py in the workspace"
    steps: int = 0
    stopped_at_cap: bool = False
    finished: bool = False
    trained: bytes | None = None
    envs: dict[int, gym.Env] = field(default_factory=dict)
    _reset_once: set[int] = field(default_factory=set)

    @property
    def stage_words(self) -> dict[str, str]:
        return {"train": f"in train.py (training seed {self.seed}, step {self.steps:,})"}

    def stage_inputs(self, folder: Path) -> dict[str, str]:
        return {}

    def settings(self) -> dict:
        return {}

    def converse(self, channel: Channel) -> None:
        observation_space, action_space = self._spaces()
        channel.send(("train", {"seed": self.seed, "challenge_id": self.challenge_id,
                                "step_budget": self.section.step_budget,
                                "public_seeds": list(self.section.public_seeds),
                                "observation_space": observation_space, "action_space": action_space}),
                     timeout=30)
        while True:
            message = channel.receive(timeout=self.wall_seconds + 5)
            if not isinstance(message, dict):
                raise StopRun(Verdict(Outcome.INVALID_OUTPUT, "train.py's side answered with something other than "
                                      "an environment call; write nothing to inherited file descriptors"))
            if message.get("finished"):
                self.finished = True
                return
            if "reset" in message:
                index, seed = self._call(message["reset"])
                env = self._env(index)
                first = seed is not None or index not in self._reset_once
                observation, info = self._refused_as_learner(
                    env.reset, seed=derived_seed(self.seed, index, seed) if first else None)
                self._reset_once.add(index)
                channel.send(("reset", observation, info), timeout=30)
            elif "step" in message:
                index, action = self._call(message["step"])
                if self.steps >= self.section.step_budget:
                    self.stopped_at_cap = True
                    channel.send(("budget_spent", f"the grader's budget of {self.section.step_budget:,} "
                                  "environment steps is spent"), timeout=30)
                    continue
                env, value = self._env(index), self._action(action)
                result = self._refused_as_learner(env.step, value)
                self.steps += 1
                channel.send(("step", *result), timeout=30)
            else:
                raise StopRun(Verdict(Outcome.INVALID_OUTPUT, f"train.py's side made an unknown call "
                                      f"{sorted(message)[:3]}"))

    def _refused_as_learner(self, call, *args, **kwargs):
        """An environment that refuses a call (a step before any reset) is the script's mistake."""
        try:
            return call(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - whatever the environment raises, the call was wrong
            raise StopRun(Verdict(Outcome.EXCEPTION, f"The environment refused train.py's call at step "
                                  f"{self.steps:,} ({type(error).__name__}: {error}). Call reset() before the "
                                  "first step() and after every episode that ends")) from None

    def _spaces(self):
        env = self._env(-1)
        return env.observation_space, env.action_space

    def _env(self, index: int) -> gym.Env:
        if index not in self.envs:
            if len(self.envs) > 64:
                raise StopRun(Verdict(Outcome.INVALID_OUTPUT, "train.py made more than 64 environments; "
                                      "use at most a few copies"))
            self.envs[index] = make_env(self.section.environment, max_episode_steps=self.section.max_episode_steps)
        return self.envs[index]

    @staticmethod
    def _call(arguments) -> tuple[int, Any]:
        if not (isinstance(arguments, list) and len(arguments) == 2 and isinstance(arguments[0], int)):
            raise StopRun(Verdict(Outcome.INVALID_OUTPUT, "train.py's side sent an environment call the grader "
                                  "cannot read"))
        return arguments[0], arguments[1]

    def _action(self, action):
        space = self._env(-1).action_space
        try:
            value = int(action) if isinstance(space, gym.spaces.Discrete) else \
                np.asarray(action, dtype=space.dtype).reshape(space.shape)
        except (TypeError, ValueError):
            value = None
        if value is None or not space.contains(value):
            raise StopRun(Verdict(Outcome.INVALID_OUTPUT, f"train.py stepped an environment with {action!r:.80}, "
                                  f"outside its action space {space} (step {self.steps:,})"))
        return value

    def check_output(self, header: dict, payload: bytes) -> Verdict:
        if not self.finished:
            return Verdict(Outcome.NO_OUTPUT, "train.py ended before the grader heard it finish")
        try:
            self.trained = np.load(io.BytesIO(payload), allow_pickle=False).tobytes()
        except (ValueError, OSError) as error:
            return Verdict(Outcome.INVALID_OUTPUT, f"The trained folder could not be read back ({error})")
        self.stopped_at_cap = self.stopped_at_cap or self.steps >= self.section.step_budget
        at_cap = f", stopped at the cap of {self.section.step_budget:,}" if self.stopped_at_cap else ""
        return Verdict(Outcome.OK, f"train.py trained with {self.steps:,} environment steps{at_cap}.")

    def close(self) -> None:
        for env in self.envs.values():
            env.close()


def training_limits(bundle: Bundle, track: VerifiedTrack) -> SandboxLimits:
    return SandboxLimits(wall_seconds=track.wall_seconds, cpu_seconds=track.wall_seconds * track.threads,
                         memory_mb=track.memory_mb, threads=track.threads)


def train_and_evaluate(bundle: Bundle, folder: Path, seed: int) -> dict[str, Any]:
    """One training seed: run train.py in the sandbox, then grade what it wrote on the sealed seeds."""
    from tiltyard.kinds.agent.grading import PRIMARY_METRIC, evaluate_policy

    track, section = track_of(bundle), section_of(bundle)
    harness = TrainingHarness(bundle.manifest.id, section, seed, track.wall_seconds)
    started = time.perf_counter()
    try:
        result = run_in_sandbox(harness, folder, budget=training_limits(bundle, track),
                                allow_weak_sandbox=get_settings().allow_weak_sandbox)
    finally:
        harness.close()
    record = {"seed": seed, "outcome": result.outcome.value, "message": result.message,
              "traceback_tail": result.traceback_tail, "steps_used": harness.steps,
              "stopped_at_cap": harness.stopped_at_cap, "train_seconds": round(time.perf_counter() - started, 1),
              "stderr_tail": result.stderr_tail[-600:] if not result.ok else ""}
    if not result.ok or harness.trained is None:
        return record
    with tempfile.TemporaryDirectory(prefix="tiltyard-trained-") as scratch:
        archive = Path(scratch) / "trained.zip"
        archive.write_bytes(harness.trained)
        try:
            grade = evaluate_policy(bundle, archive, max_bytes=get_settings().max_submission_bytes)
        except EvaluationFailed as failed:
            return {**record, "outcome": failed.code, "message": f"The trained policy could not be played: "
                                                                  f"{failed.message}"}
        except SubmissionError as refused:
            return {**record, "outcome": "invalid_submission", "message": refused.message}
    private = next(s for s in grade.sections if s.name == "private_episodes").data["phases"][0]
    return {**record, "public": grade.public_scores[PRIMARY_METRIC], "private": grade.private_scores[PRIMARY_METRIC],
            "private_returns": private["returns"]}


def training_job(payload: dict[str, Any]) -> dict[str, Any]:
    """The queue's handler: one training seed of one submitted folder."""
    from tiltyard.challenges.registry import get_bundle

    bundle = get_bundle(payload["challenge_id"])
    with tempfile.TemporaryDirectory(prefix="tiltyard-verify-") as scratch:
        folder = unpack(Path(payload["path"]), Path(scratch), max_bytes=get_settings().max_submission_bytes)
        return train_and_evaluate(bundle, folder, int(payload["seed"]))


def rung_runs(bundle: Bundle, track: VerifiedTrack) -> tuple[str, list[float]] | None:
    """The rung compared with, and its private score per training seed (trained rungs: from the
    ladder measured at build time; fixed rungs: their one score)."""
    section = section_of(bundle)
    name = track.rung or section.reference_rung
    if name is None:
        return None
    measured = {rung["name"]: rung for rung in (reference_ladder(bundle.manifest.id) or {}).get("rungs", [])}
    if name in measured:
        return name, [float(run["private_mean"]) for run in measured[name]["per_seed"]]
    entry = next((b for b in bundle.manifest.baselines if b.name == name), None)
    return None if entry is None else (name, [float(entry.private_score)])


def steps_each(runs: list[dict[str, Any]]) -> str:
    used = sorted({run["steps_used"] for run in runs})
    return f"{used[0]:,} steps" if len(used) == 1 else f"{used[0]:,} to {used[-1]:,} steps"


def summarise(bundle: Bundle, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The verified figures: IQM over the training seeds with its stratified-bootstrap interval,
    and the probability of improvement over the rung. A seed that failed scores as the random
    rung, and is named."""
    section, track = section_of(bundle), track_of(bundle)
    floor = next((b.private_score for b in bundle.manifest.baselines if b.name == section.random_rung), 0.0)
    scores = [run.get("private", floor) for run in sorted(runs, key=lambda r: r["seed"])]
    failed = [run["seed"] for run in runs if "private" not in run]
    summary: dict[str, Any] = {
        "seeds": sorted(run["seed"] for run in runs), "step_budget": section.step_budget,
        "steps_used": {str(run["seed"]): run["steps_used"] for run in runs},
        "wall_seconds": track.wall_seconds, "threads": track.threads, "failed_seeds": failed,
        "scores": scores, "runs": sorted(runs, key=lambda r: r["seed"]),
        "iqm": stratified_bootstrap_ci(np.asarray(scores)).as_dict(),
        "statement": f"verified: trained by the grader, {len(runs)} seeds, {steps_each(runs)} each "
                     f"(cap {section.step_budget:,})"}
    compared = rung_runs(bundle, track)
    if compared is not None:
        name, rung_scores = compared
        summary["improvement"] = {"rung": name, "rung_scores": rung_scores,
                                  **probability_of_improvement(np.asarray(scores), np.asarray(rung_scores)).as_dict()}
    return summary


def verify(bundle: Bundle, path: Path, *, seeds: list[int] | None = None, executor: str = "local",
           concurrency: int | None = None, address: str | None = None) -> dict[str, Any]:
    """Train and evaluate ``path`` (a folder or archive holding train.py and what it needs) once
    per training seed, as jobs of the durable queue run by a worker on ``executor``."""
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker
    from tiltyard.submissions import folder_as_zip, store_file

    track = track_of(bundle)
    seeds = list(track.seeds if seeds is None else seeds)
    with tempfile.TemporaryDirectory(prefix="tiltyard-verify-") as scratch:
        archive = folder_as_zip(Path(path), Path(scratch))
        self_report = _check_holds_train(archive)
        stored = store_file(archive, hashlib.sha256(archive.read_bytes()).hexdigest())
    keys = []
    for seed in seeds:
        payload = {"challenge_id": bundle.manifest.id, "bundle_hash": bundle.hash, "path": str(stored),
                   "seed": seed, "resources": {"num_cpus": track.threads}}
        queue.enqueue(JOB_KIND, payload)
        keys.append(queue.job_key(JOB_KIND, payload))
    queue.requeue_failed(keys)  # a job the machine could not run is tried again; a finished one is reused
    run_worker(executor=executor, concurrency=concurrency, address=address, until_idle=True, keys=keys,
               lease_seconds=max(60.0, track.wall_seconds / 3))
    jobs = queue.jobs_by_key(keys)
    runs = []
    for key in keys:
        job = jobs[key]
        if job.status != "done":
            raise BundleError("A training job of the verified track could not run", expected="a done job",
                              got=f"{job.status}: {job.error}", hint="Look at `tiltyard worker --status`")
        runs.append(job.result)
    return {**summarise(bundle, runs), "self_report": self_report}


def _check_holds_train(archive: Path) -> dict[str, Any] | None:
    """Refuse a folder without train.py; the self-report of the learner's own run, when there is one
    (submission/report.json, which train.py writes), to show beside the grader's figures."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = unpack(archive, Path(scratch), max_bytes=get_settings().max_submission_bytes) \
            if not archive.name.endswith(".py") else None
        if folder is None or not (folder / TRAIN_FILE).is_file():
            raise SubmissionError("The verified track trains your folder, which holds no train.py",
                                  expected="the workspace folder: train.py, policy.py, budget.py",
                                  got=archive.name, code="no_train_script",
                                  hint="Hand in the folder `tiltyard start ID` made, with your train.py")
        return self_report_of(folder)


def self_report_of(folder: Path) -> dict[str, Any] | None:
    """What the learner's own run said (submission/report.json, which train.py writes), if anything."""
    from tiltyard.kinds.agent.grading import read_self_report

    report, _unreadable = read_self_report(folder / "submission")
    return None if report is None else report.model_dump(mode="json", include={"steps_used", "mean_return",
                                                                               "seeds", "algorithm"})


def statement_lines(summary: dict[str, Any]) -> list[str]:
    iqm = summary["iqm"]
    lines = [f"{summary['statement']}: IQM of the private mean return {iqm['estimate']:.2f} "
             f"[95% CI {iqm['low']:.2f}, {iqm['high']:.2f}]"]
    if "improvement" in summary:
        better = summary["improvement"]
        lines.append(f"probability of improvement over {better['rung']}: {better['estimate']:.2f} "
                     f"[{better['low']:.2f}, {better['high']:.2f}]")
    mine = summary.get("self_report")
    if mine and mine.get("mean_return") is not None:
        steps = f" with {mine['steps_used']:,} steps" if mine.get("steps_used") is not None else ""
        lines.append(f"self-reported (your own run, public seeds): mean return {mine['mean_return']:.2f}{steps}")
    for run in summary["runs"]:
        score = f"private {run['private']:.2f}" if "private" in run else f"{run['outcome']}: {run['message']}"
        at_cap = ", stopped at the cap" if run["stopped_at_cap"] else ""
        lines.append(f"seed {run['seed']}: {run['steps_used']:,} steps{at_cap}, {run['train_seconds']:.0f} s; {score}")
    return lines
