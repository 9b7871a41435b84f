"""Grading a policy in the sandbox: the policy process answers ``act`` calls over the runner's
interactive channel while this process steps the environment on the sealed seeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from tiltyard.kinds.agent.play import EpisodeLog, InvalidAction, Where, describe_all, play_phase
from tiltyard.runner.interactive import Channel, ReplyTimeout, StopRun
from tiltyard.runner.outcomes import Outcome
from tiltyard.runner.seam import Verdict

ENTRY_SCRIPT = Path(__file__).with_name("policy_entry.py")
POLICY_FILE = "policy.py"
LATE_GRACE_SECONDS = 1.0  # for the policy process to say that a call ran past the per-step limit
UNREADABLE = Verdict(Outcome.INVALID_OUTPUT, "The policy process answered act() with something other than an "
                     "action; do not write to inherited file descriptors")


@dataclass
class PhasePlan:
    """One scored pass: its name, its environments, its seeds per split."""

    name: str
    make_env: Callable[[], gym.Env]
    seeds: dict[str, Sequence[int]]  # split -> seeds, run in this order
    reveal_rewards: bool = False
    make_private_env: Callable[[], gym.Env] | None = None  # when the private seeds play another environment

    def env_for(self, split: str) -> Callable[[], gym.Env]:
        return self.make_private_env if split == "private" and self.make_private_env else self.make_env


class RemotePolicy:
    """The policy in the sandbox, as the episode loop drives it: hook calls travel with the next
    acts (one round trip for each round of the loop's lanes), and only hooks the policy has are
    sent. The policy process times each call itself (it answers ``{"late": call}`` for one
    interrupted at the per-step limit); this side's deadline is the backstop for one that cannot
    be interrupted."""

    def __init__(self, channel: Channel, hooks: Sequence[str], step_seconds: float):
        self.channel, self.hooks, self.step_seconds = channel, set(hooks), step_seconds
        self.remembers = "reset" in self.hooks
        self.pending: list[tuple] = []

    def start_phase(self, name: str) -> None:
        if "start_phase" in self.hooks:
            self.pending.append(("start_phase", name))

    def reset(self) -> None:
        if "reset" in self.hooks:
            self.pending.append(("reset",))

    def observe(self, reward: float) -> None:
        if "observe" in self.hooks:
            self.pending.append(("observe", reward))

    def act_all(self, observations: list[Any], wheres: list[Where]) -> list[Any]:
        hooks, self.pending = self.pending, []
        try:
            answers = self.channel.ask([*hooks, *_act_calls(observations)], timeout=LATE_GRACE_SECONDS
                                       + self.step_seconds * (len(hooks) + len(observations)))
        except ReplyTimeout:
            raise StopRun(self._late(describe_all(wheres))) from None
        if not isinstance(answers, list) or not all(isinstance(answer, dict) for answer in answers):
            raise StopRun(UNREADABLE)
        if answers and answers[-1].get("late") and len(answers) <= len(wheres):
            raise StopRun(self._late(wheres[len(answers) - 1].describe(), str(answers[-1]["late"])))
        if len(answers) != len(observations) or not all("action" in answer for answer in answers):
            raise StopRun(UNREADABLE)
        actions = [answer["action"] for answer in answers]
        for action, where in zip(actions, wheres, strict=True):
            if isinstance(action, dict) and "unreadable" in action:
                raise InvalidAction(f"act() returned an action that is not a number or a list of numbers "
                                    f"{where.describe()}", expected="an int, a float, a list or a NumPy array",
                                    got=f"{action['unreadable']}: {action.get('repr')}",
                                    hint="Return int(action) for a discrete space, a NumPy array for a box")
        return actions

    def _late(self, where: str, call: str = "act") -> Verdict:
        return Verdict(Outcome.TIMEOUT, f"Your policy took longer than the per-step limit of {self.step_seconds:g} s "
                       f"to answer {call}() {where} and was stopped. Keep act() to one forward pass (no training, no "
                       "search, no sleeping), and time it locally with tiltyard.load(ID).evaluate(...)")

    def flush(self) -> None:
        """Hooks still pending at the end (the last observe) are sent without waiting."""
        if self.pending:
            self.channel.send(self.pending, timeout=self.step_seconds)
            self.pending = []


def _act_calls(observations: list[Any]) -> list[tuple]:
    """NumPy observations of one dtype and shape (the usual case) travel as one call: the
    dtype, the shape, the count and the bytes, a fraction of the cost of pickling each array,
    paid once a round on each side (benchmarks/agents.py). Anything else goes one by one."""
    first = observations[0]
    if type(first) is np.ndarray and first.dtype.kind in "biuf" and all(
            type(observation) is np.ndarray and observation.dtype == first.dtype and observation.shape == first.shape
            for observation in observations):
        return [("act_arrays", first.dtype.str, first.shape, len(observations),
                 b"".join(observation.tobytes() for observation in observations))]
    return [("act", observation) for observation in observations]


@dataclass
class PolicyHarness:
    """What the sandbox needs to run a policy: the entry script, and the grader's side of the
    conversation (``converse``), which fills ``logs`` (phase -> split -> episodes)."""

    observation_space: gym.Space
    action_space: gym.Space
    phases: list[PhasePlan]
    step_seconds: float
    setup_seconds: float
    data_files: tuple[Path, ...] = ()
    entry_script: Path = ENTRY_SCRIPT
    submission_file: str = POLICY_FILE
    entry_point: str = "make_policy(observation_space, action_space)"
    output_noun: str = "actions"
    reproduce: str = "tiltyard.load(ID).evaluate(make_policy) on the public seeds"
    in_flight: list[Where] = field(default_factory=lambda: [Where()])  # the act() calls being asked
    logs: dict[str, dict[str, EpisodeLog]] = field(default_factory=dict)
    completed: bool = False

    @property
    def stage_words(self) -> dict[str, str]:
        at = describe_all(self.in_flight)
        return {"make_policy": "in make_policy()", "act": f"in act() {at}", "reset": f"in reset() {at}",
                "observe": f"in observe(reward) {at}", "start_phase": f"in start_phase() {at}",
                **{f"act {index}": f"in act() {where.describe()}" for index, where in enumerate(self.in_flight)}}

    def stage_inputs(self, folder: Path) -> dict[str, str]:
        return {}

    def settings(self) -> dict:
        return {}

    def converse(self, channel: Channel) -> None:
        try:
            answers = channel.ask([("make_policy", self.observation_space, self.action_space, self.step_seconds)],
                                  timeout=self.setup_seconds)
        except ReplyTimeout:
            raise StopRun(Verdict(Outcome.TIMEOUT, f"make_policy() took longer than its limit of "
                                  f"{self.setup_seconds:g} s and was stopped. Load saved weights there; "
                                  "do not train in make_policy()")) from None
        ready = answers[0] if isinstance(answers, list) and answers else None
        hooks = ready.get("hooks", []) if isinstance(ready, dict) else []
        policy = RemotePolicy(channel, hooks, self.step_seconds)
        try:
            for phase in self.phases:
                self.logs[phase.name] = {}
                for split, seeds in phase.seeds.items():
                    self.logs[phase.name][split] = play_phase(
                        policy, phase.env_for(split), seeds, split=split, phase=phase.name,
                        reveal_rewards=phase.reveal_rewards, in_flight=self.in_flight)
            policy.flush()
        except InvalidAction as error:
            info = error.info()
            raise StopRun(Verdict(Outcome.INVALID_OUTPUT, f"{info.message}: expected {info.expected}, "
                                  f"got {info.got}. {info.hint}.")) from None
        self.completed = True

    def check_output(self, header: dict, payload: bytes) -> Verdict:
        if not self.completed:
            return Verdict(Outcome.NO_OUTPUT, f"Your policy process ended {describe_all(self.in_flight)}, before "
                           "every episode had run. Let act() return an action each time, and do not exit")
        episodes = sum(len(log.returns) for by_split in self.logs.values() for log in by_split.values())
        return Verdict(Outcome.OK, f"Your policy ran {episodes} episodes within its limits.")
