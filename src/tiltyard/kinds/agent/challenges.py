"""The built-in agent challenges (ids fixed, so class material can name them), each an entry
point in ``tiltyard.challenges``: CartPole for beginners, MinAtar Breakout for deep RL from
pixels on a CPU, and a POPGym memory task that a memoryless agent cannot solve."""

from __future__ import annotations

from tiltyard.challenges.manifest import BaselineEntry, Budget, Provenance
from tiltyard.kinds.agent.builder import AgentBuilder, AgentChallengeSpec, Rung, random_rung, reference_rungs, rung_file
from tiltyard.kinds.agent.play import LANES
from tiltyard.kinds.agent.section import AgentSection, EnvironmentSpec, VerifiedTrack
from tiltyard.kinds.agent.starter import Recipe, starter_files


def ladder_table(entries: list[BaselineEntry], ladder: dict | None) -> str:
    """The ladder as the brief shows it: each rung's public score and, for trained rungs, the
    spread over training seeds (measured at build time by reference.py)."""
    measured = {rung["name"]: rung for rung in (ladder or {}).get("rungs", [])}
    rows = ["| rung | public mean return | over training seeds (private seeds, 95% interval) | what it is |",
            "|---|---|---|---|"]
    for entry in sorted(entries, key=lambda e: e.public_score):
        spread = over_seeds(measured[entry.name]) if entry.name in measured else ""
        rows.append(f"| {entry.name} | {entry.public_score:.2f} | {spread} | {entry.description} |")
    return "\n".join(rows) + trained_notes(ladder)


def over_seeds(rung: dict) -> str:
    """A trained rung's private mean over its training seeds, with the 95% interval."""
    interval = rung["across_seeds"]
    seeds = len(rung["per_seed"])
    return f"{interval['estimate']:.2f} [{interval['low']:.2f}, {interval['high']:.2f}] over {seeds} seeds"


def trained_notes(ladder: dict | None, spread: bool = False) -> str:
    """How each trained rung was measured (and, with ``spread``, its figure over training seeds)."""
    notes = [f"- {m['name']}: {'mean private return ' + over_seeds(m) + '; ' if spread else ''}measured on "
             f"{ladder['date']} with `{m.get('command', ladder['command'])}` ({m.get('note', ladder['note'])})."
             for m in (ladder or {}).get("rungs", [])]
    return "\n\nTrained rungs:\n\n" + "\n".join(notes) if notes else ""


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

Define `reset()` if your policy remembers anything from one step to the next (a frame stack, an
LSTM state): without it, the policy is taken to remember nothing, and the grader plays up to
{LANES} of its episodes side by side, asking for one action per episode in turn.

## Score

The mean episodic return over the private seeds, with a 95% bootstrap interval, and every
episode's return in the report; the public figure comes with each grade, the private one once you
choose a final submission (`tiltyard final`), or in a class competition once it closes. The
normalised score puts the random rung at 0 and the reference rung at 1.

## Budget

{s.step_budget:,} environment steps of training, counted on your side by `budget.py` (every step
of every vector copy); a `report.json` that says you used more is flagged.
{verified_text(spec)}"""


def verified_text(spec: AgentChallengeSpec) -> str:
    track = spec.section.verified
    if track is None:
        return ""
    return f"""
## The verified budget track

`tiltyard agent verify {spec.id} WORKSPACE` has the grader train your `train.py` itself, in the
sandbox, on training seeds {", ".join(map(str, track.seeds))} (`TILTYARD_TRAINING_SEED`), with
{track.threads} thread(s) and {track.wall_seconds:g} s of wall time each; the grader steps the
environments and counts every step: past {spec.section.step_budget:,} steps a step raises
`budget.BudgetSpent`. Step them from `train.py`'s own process (a `DummyVecEnv`, `make_vec_env`'s
default, not a `SubprocVecEnv`): the grader steps every copy on its side. Each trained
`submission/` is played on the sealed seeds: the IQM over the seeds, with its interval, and the
probability of improvement over the {track.rung or spec.section.reference_rung} rung.

In the arena, or with `tiltyard submit {spec.id} WORKSPACE`, hand in the workspace folder itself
(a .zip/.tar.gz of it, `train.py` at its top) to be graded this way: the score is the mean over
the training seeds of each trained policy's mean return (a failed seed counts as the random rung).
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
        step_seconds=1.0, setup_seconds=60.0, reference_rung="ppo",
        verified=VerifiedTrack(wall_seconds=1200, threads=1)),
    provenance=Provenance(source="Gymnasium CartPole-v1 (Barto, Sutton and Anderson, 1983)", licence="MIT",
                          url="https://gymnasium.farama.org/environments/classic_control/cart_pole/"),
    seed=20261101, budget=Budget(environment_steps=100_000, wall_seconds=900, cpu_seconds=900, memory_mb=2048),
    brief=_brief(CARTPOLE_STORY),
    rungs=lambda: [random_rung(), Rung("lean", "push the cart toward the side the pole leans to",
                                       {"policy.py": rung_file("cartpole_lean.py")}),
                   *reference_rungs("cartpole-balance-v1")],
    starter=lambda spec: starter_files(spec.id, spec.title, CARTPOLE_RECIPE)))


def _reference_or_none(challenge_id: str, name: str) -> str | None:
    """The reference rung's name when its weights were trained and committed, else None (then
    the normalised score is left out, rather than measured against a stand-in)."""
    return name if any(rung.name == name for rung in reference_rungs(challenge_id)) else None


BREAKOUT_RECIPE = Recipe("PPO", "MlpPolicy", 100_000, {"n_steps": 512, "batch_size": 128, "learning_rate": 0.00025,
                                                      "ent_coef": 0.01})

BREAKOUT_STORY = """MinAtar (Young and Tian, 2019) shrinks five Atari games to a 10x10 grid, so that deep
reinforcement learning from pixels runs on a CPU. In Breakout a paddle at the bottom bounces a
ball into three rows of bricks; each brick broken is worth 1; the episode ends when the ball
falls past the paddle (or after 10,000 steps, the cap this challenge sets).

The observation is the grid as 10 x 10 x 4 booleans: channel 0 the paddle, 1 the ball, 2 the
ball's trail (where it was a step ago: its direction), 3 the bricks. The actions are 0 (stay),
1 (left) and 2 (right). Actions are sticky, as MinAtar defines them: with probability 0.1 the
previous action is repeated instead of yours, so a policy must be robust, not a memorised
sequence. The budget is 1,000,000 environment steps: a convolutional or small dense network
trained with PPO or DQN on one core."""

MINATAR_BREAKOUT = AgentBuilder(AgentChallengeSpec(
    id="minatar-breakout-v1", title="MinAtar Breakout: deep RL from pixels on a CPU",
    summary="Break bricks from a 10x10x4 frame with sticky actions; 1,000,000 training steps.",
    difficulty="advanced",
    section=AgentSection(
        environment=EnvironmentSpec(package="minatar", version=PINS["minatar"], id="MinAtar/Breakout-v1",
                                    kwargs={"sticky_action_prob": 0.1}),
        max_episode_steps=10_000, step_budget=1_000_000, public_seeds=list(range(1, 11)), private_episodes=30,
        step_seconds=1.0, setup_seconds=60.0, reference_rung=_reference_or_none("minatar-breakout-v1", "ppo")),
    provenance=Provenance(source="MinAtar Breakout (Young and Tian, 2019)", licence="GPL-3.0",
                          url="https://github.com/kenjyoung/MinAtar"),
    seed=20261102, budget=Budget(environment_steps=1_000_000, wall_seconds=900, cpu_seconds=900, memory_mb=2048),
    brief=_brief(BREAKOUT_STORY),
    rungs=lambda: [random_rung(), Rung("track", "move the paddle toward the ball's column",
                                       {"policy.py": rung_file("breakout_track.py")}),
                   *reference_rungs("minatar-breakout-v1")],
    starter=lambda spec: starter_files(spec.id, spec.title, BREAKOUT_RECIPE)))


# POPGym's k counts the card just dealt: k = 2 asks for the card before it.
MEMORY_K = 2
MEMORY_RECIPE = Recipe("RecurrentPPO", "MlpLstmPolicy", 60_000,
                       {"n_steps": 128, "batch_size": 128, "learning_rate": 0.001, "gamma": 0.9,
                        "policy_kwargs": {"lstm_hidden_size": 64, "net_arch": [64]}})

MEMORY_STORY = f"""Cards are dealt one at a time from a shuffled deck of 52. At each step you see the suit of
the card just dealt (0 to 3) and must name the suit of the card dealt one step before it. From
the second card on, a right answer earns 1/{52 - MEMORY_K} and a wrong one costs as much; an episode is one
deck, so returns lie between -1 and 1. Guessing is right one time in four: chance is -0.5.

This is POPGym's RepeatPrevious (Morad et al., 2023) with k = {MEMORY_K} (POPGym counts the card just
dealt as the first): the observation alone says next to nothing about the answer. A memoryless
policy, however well trained, scores chance; a policy with memory (a recurrent network, or one
that keeps the last cards) can score 1. The ladder shows both:
a PPO agent without memory, trained on the whole budget, and a recurrent PPO agent, trained on
less than a third of it (each over five training seeds). Your policy's
`reset()` is called at every new deck: that is where a recurrent policy clears its state."""

MEMORY_REPEAT_PREVIOUS = AgentBuilder(AgentChallengeSpec(
    id="memory-repeat-previous-v1", title="Memory or fail: repeat the previous card",
    summary="Name the suit dealt one step ago: chance (-0.5) without memory, 1.0 with it; 200,000 steps.",
    difficulty="intermediate",
    section=AgentSection(
        environment=EnvironmentSpec(package="popgym", version=PINS["popgym"], id="popgym-RepeatPreviousEasy-v0",
                                    kwargs={"k": MEMORY_K}),
        max_episode_steps=100, step_budget=200_000, public_seeds=list(range(1, 21)), private_episodes=100,
        step_seconds=1.0, setup_seconds=60.0, memory_task=True, chance_return=-0.5,
        reference_rung=_reference_or_none("memory-repeat-previous-v1", "recurrent-ppo")),
    provenance=Provenance(source="POPGym RepeatPrevious (Morad et al., ICLR 2023)", licence="MIT",
                          url="https://github.com/proroklab/popgym"),
    seed=20261103, budget=Budget(environment_steps=200_000, wall_seconds=900, cpu_seconds=900, memory_mb=2048),
    brief=_brief(MEMORY_STORY),
    rungs=lambda: [random_rung(),
                   Rung("remember", "keep the previous card and answer it (memory, no learning)",
                        {"policy.py": rung_file("repeat_memory.py.in").replace("{k}", str(MEMORY_K))}),
                   *reference_rungs("memory-repeat-previous-v1")],
    starter=lambda spec: starter_files(spec.id, spec.title, MEMORY_RECIPE)))
