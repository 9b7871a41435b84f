"""The built-in agent challenges (ids fixed, so class material can name them), each an entry
point in ``tiltyard.challenges``: CartPole for beginners, MinAtar Breakout for deep RL from
pixels on a CPU, and a POPGym memory task that a memoryless agent cannot solve."""

from __future__ import annotations

from tiltyard.challenges.manifest import BaselineEntry, Budget, Provenance
from tiltyard.kinds.agent.builder import AgentBuilder, AgentChallengeSpec, Rung, random_rung, reference_rungs, rung_file
from tiltyard.kinds.agent.section import AgentSection, EnvironmentSpec
from tiltyard.kinds.agent.starter import Recipe, starter_files


def ladder_table(entries: list[BaselineEntry], ladder: dict | None) -> str:
    """The ladder as the brief shows it: each rung's public score and, for trained rungs, the
    spread over training seeds (measured at build time by reference.py)."""
    measured = {rung["name"]: rung for rung in (ladder or {}).get("rungs", [])}
    rows = ["| rung | public mean return | over training seeds (private seeds, 95% interval) | what it is |",
            "|---|---|---|---|"]
    for entry in sorted(entries, key=lambda e: e.public_score):
        spread = ""
        if entry.name in measured:
            m = measured[entry.name]
            interval = m["across_seeds"]
            spread = (f"{interval['estimate']:.2f} [{interval['low']:.2f}, {interval['high']:.2f}] over "
                      f"{len(m['per_seed'])} seeds")
        rows.append(f"| {entry.name} | {entry.public_score:.2f} | {spread} | {entry.description} |")
    note = ""
    if ladder:
        note = (f"\n\nTrained rungs were measured on {ladder['date']} with `{ladder['command']}` "
                f"({ladder['note']}).")
    return "\n".join(rows) + note


def submission_text(spec: AgentChallengeSpec) -> str:
    s = spec.section
    return f"""## What you hand in

A folder (or a .zip/.tar.gz of it) holding `policy.py`, which defines
`make_policy(observation_space, action_space)` returning an object with `act(observation) ->
action` and, optionally, `reset()` (called at the start of every episode), beside the files it
loads (`model.zip`) and, optionally, `report.json` from training (steps used, learning curve,
seeds, versions), which the report shows beside the server's own figures.

`tiltyard submit {spec.id} submission` hands in the folder `train.py` writes. The grader runs
your policy in a sandbox (no network, no files but yours, {spec.budget.memory_mb} MB of memory,
{s.step_seconds:g} s per `act`, {spec.budget.wall_seconds:g} s in all) and steps the environment
itself, outside the sandbox, on {s.private_episodes} sealed private seeds in a fixed order. The
{len(s.public_seeds)} public seeds are in the manifest: `tiltyard.load("{spec.id}").evaluate(...)`
plays your policy on them exactly as the grader does.

## Score

The mean episodic return over the private seeds, with a 95% bootstrap interval, and every
episode's return in the report; the public figure comes with each grade, the private one once you
choose a final submission (`tiltyard final`). The normalised score puts the random rung at 0 and
the reference rung at 1.

## Budget

{s.step_budget:,} environment steps of training, counted on your side by `budget.py` (every step
of every vector copy); a `report.json` that says you used more is flagged.
"""


def _brief(story: str):
    def render(spec: AgentChallengeSpec, entries: list[BaselineEntry], ladder: dict | None) -> str:
        return (f"# {spec.title}\n\n{story}\n\n{submission_text(spec)}\n## Baseline ladder\n\n"
                f"{ladder_table(entries, ladder)}\n")
    return render


# The versions every built-in bundle was built and graded with (`agent.environment_pinned` checks them).
PINS = {"gymnasium": "1.4.0", "minatar": "1.0.15", "popgym": "1.0.7"}


CARTPOLE_RECIPE = Recipe("PPO", "MlpPolicy", 50_000, {"n_steps": 256, "batch_size": 64, "learning_rate": 0.001})

CARTPOLE_STORY = """A pole stands on a cart that moves left or right along a track. Each step you push the cart
one way or the other; the episode ends when the pole leans more than 12 degrees, the cart leaves
the track, or 500 steps have passed. Every step the pole stays up is worth 1: a perfect policy
scores 500.

The observation is four numbers: the cart's position and velocity, the pole's angle and its
angular velocity. The actions are 0 (push left) and 1 (push right). This is Gymnasium's
`CartPole-v1`, the "hello world" of reinforcement learning: small enough to train on a laptop in
a minute, and a fair place to learn what a learning curve, a seed and an evaluation are."""

CARTPOLE_BALANCE = AgentBuilder(AgentChallengeSpec(
    id="cartpole-balance-v1", title="CartPole: balance the pole",
    summary="Keep a pole upright on a moving cart; 100,000 training steps, graded on sealed seeds.",
    difficulty="beginner",
    section=AgentSection(
        environment=EnvironmentSpec(package="gymnasium", version=PINS["gymnasium"], id="CartPole-v1"),
        max_episode_steps=500, step_budget=100_000, public_seeds=list(range(1, 11)), private_episodes=50,
        step_seconds=1.0, setup_seconds=60.0, reference_rung="ppo"),
    provenance=Provenance(source="Gymnasium CartPole-v1 (Barto, Sutton and Anderson, 1983)", licence="MIT",
                          url="https://gymnasium.farama.org/environments/classic_control/cart_pole/"),
    seed=20261101, budget=Budget(environment_steps=100_000, wall_seconds=300, cpu_seconds=300, memory_mb=2048),
    brief=_brief(CARTPOLE_STORY),
    rungs=lambda: [random_rung(), Rung("lean", "push the cart toward the side the pole leans to",
                                       {"policy.py": rung_file("cartpole_lean.py")}),
                   *reference_rungs("cartpole-balance-v1")],
    starter=lambda spec: starter_files(spec.id, spec.title, CARTPOLE_RECIPE)))
