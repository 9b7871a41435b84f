"""Evaluating a policy in the sandbox against the same episode loop in a bare Python process,
and the reference agents' training throughput on one core.

    nice -n 10 python benchmarks/agents.py [--episodes 100] [--repeats 7] [--train-steps 4096]

Part 1 plays a trivial policy (CartPole's push-toward-the-lean rung) for N episodes on the same
seeds, three ways: in a fresh bare Python process (the floor: interpreter, imports and the loop),
through the sandbox as the grader runs it (bubblewrap, the policy process answering act() over
the interactive channel, the environment stepped outside), and the loop alone in this process
(what one step costs without any process boundary). The lean rung has no reset(), so the grader
plays its episodes side by side (one round trip per round of lanes); the same rung given a
reset() plays them one at a time, as a policy with memory does, and is timed too. Each way runs
--repeats times, interleaved (a shared machine's figures move by half from one run to the next):
it prints the median and the range, the ratio of the medians to the floor's (goal <= 1.3x), and
the cost per step of the round trip.

Part 2 trains each reference agent for a few thousand steps with one torch thread and prints
environment steps per second, and what the challenge's full budget would take at that rate.

The machine these figures come from is shared: say so beside any figure you quote.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from functools import partial
from pathlib import Path

from tiltyard.kinds.agent.builder import rung_file
from tiltyard.kinds.agent.challenges import CARTPOLE_BALANCE, MEMORY_REPEAT_PREVIOUS, MINATAR_BREAKOUT
from tiltyard.kinds.agent.environments import make_env
from tiltyard.kinds.agent.harness import PhasePlan, PolicyHarness
from tiltyard.kinds.agent.local import play_folder
from tiltyard.kinds.agent.play import LANES
from tiltyard.runner.limits import SandboxLimits
from tiltyard.runner.sandbox import run_in_sandbox

GOAL = 1.3
# The floor: what the grader's loop does without tiltyard or any process boundary, in a fresh
# interpreter (Gymnasium, the same wrappers, the same seeds, the same policy file).
BARE = textwrap.dedent("""
    import importlib.util, sys
    import gymnasium as gym
    spec = importlib.util.spec_from_file_location("policy", sys.argv[1] + "/policy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = gym.wrappers.RecordEpisodeStatistics(gym.wrappers.TimeLimit(
        gym.make("CartPole-v1", disable_env_checker=True).unwrapped, max_episode_steps=500))
    policy = module.make_policy(env.observation_space, env.action_space)
    steps = 0
    for seed in range(int(sys.argv[2])):
        observation, _ = env.reset(seed=seed)
        done = False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy.act(observation))
            steps += 1
            done = terminated or truncated
    print(steps)
""")


def cartpole_plan(episodes: int):
    section = CARTPOLE_BALANCE.spec.section
    env = make_env(section.environment, max_episode_steps=section.max_episode_steps)
    plan = PhasePlan("return", partial(make_env, section.environment, max_episode_steps=section.max_episode_steps),
                     {"public": list(range(episodes))})
    return env, plan


WITH_MEMORY = "\n    PushTowardTheLean.reset = lambda self: None  # a policy with memory: one episode at a time\n"


def evaluation(episodes: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        lean, remembering = Path(scratch) / "lean", Path(scratch) / "remembering"
        lean.mkdir()
        remembering.mkdir()
        (lean / "policy.py").write_text(rung_file("cartpole_lean.py"))
        (remembering / "policy.py").write_text(rung_file("cartpole_lean.py").replace(
            "\n    return PushTowardTheLean()", WITH_MEMORY + "    return PushTowardTheLean()"))
        env, plan = cartpole_plan(episodes)
        times: dict[str, list[float]] = {"floor": [], "sandbox": [], "one at a time": [], "loop": []}
        steps = 0
        for _ in range(repeats):
            started = time.perf_counter()
            bare = subprocess.run([sys.executable, "-c", BARE, str(lean), str(episodes)], capture_output=True,
                                  text=True, check=True)
            times["floor"].append(time.perf_counter() - started)
            steps = int(bare.stdout.split()[0])
            for name, folder in (("sandbox", lean), ("one at a time", remembering)):
                harness = PolicyHarness(env.observation_space, env.action_space, [plan], step_seconds=5.0,
                                        setup_seconds=60)
                started = time.perf_counter()
                run = run_in_sandbox(harness, folder, budget=SandboxLimits(wall_seconds=600, cpu_seconds=600))
                times[name].append(time.perf_counter() - started)
                assert run.ok, run.message
                assert sum(harness.logs["return"]["public"].lengths) == steps
            started = time.perf_counter()
            play_folder(lean, [plan], env.observation_space, env.action_space)
            times["loop"].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}

    def row(name: str, label: str) -> str:
        return f"  {label:55} {median[name]:6.2f} s  ({min(times[name]):.2f}-{max(times[name]):.2f})"

    print(f"{episodes} CartPole episodes of the lean rung, {steps:,} steps; median (range) of {repeats} runs")
    print(row("floor", "floor, a bare Python process (start, gymnasium, loop):"))
    for name, label in (("sandbox", f"sandbox, as the grader runs it ({LANES} lanes side by side):"),
                        ("one at a time", "sandbox, the rung with reset(), one episode at a time:")):
        ratio = median[name] / median["floor"]
        print(f"{row(name, label)}  ratio {ratio:.2f}x (goal <= {GOAL}x) {'OK' if ratio <= GOAL else 'ABOVE GOAL'}"
              f"; {1e6 * max(median[name] - median['floor'], 0) / steps:.0f} us a step over the floor")
    print(f"{row('loop', 'the grader loop in this process, no sandbox:')}  "
          f"({1e6 * median['loop'] / steps:.0f} us a step)")


def training(steps: int) -> None:
    from tiltyard.kinds.agent.reference import REFERENCES, train

    specs = {spec.id: spec for spec in (CARTPOLE_BALANCE.spec, MINATAR_BREAKOUT.spec, MEMORY_REPEAT_PREVIOUS.spec)}
    print(f"Reference training throughput, one torch thread, {steps:,} steps each")
    with tempfile.TemporaryDirectory() as scratch:
        for challenge_id, references in REFERENCES.items():
            for reference in references:
                seconds = train(specs[challenge_id], reference, 0, steps, Path(scratch) / reference.name)
                rate = steps / seconds
                full = reference.steps / rate / 60
                print(f"  {challenge_id:27} {reference.name:15} {rate:7.0f} steps/s; its {reference.steps:,} steps "
                      f"would take {full:.0f} min per training seed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--train-steps", type=int, default=4096)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    evaluation(args.episodes, args.repeats)
    if not args.skip_training:
        training(args.train_steps)


if __name__ == "__main__":
    main()
