"""The agent coach's checks: each reads the case (and, when it can, a probe of the policy) and
yields findings with their evidence, what to try next, and the lesson that explains it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tiltyard.coach.checks.neural import DEAD_SERIOUS, DEAD_WARNING, find_torch_module, torch_dead_units
from tiltyard.coach.findings import Finding, Severity
from tiltyard.kinds.agent.coach_case import AgentContext

FLAT_SHARE = 0.1         # a curve that gains less than 10% of reference - random has not learned
UNSTABLE_SHARE = 0.5     # training seeds spread over half of reference - random
GAP_SHARE = 0.1          # public above private by a tenth of reference - random ...
GAP_ERRORS = 2.0         # ... and by two standard errors of the difference
COLLAPSED_ENTROPY = 0.05  # normalised action entropy below which one action is all the policy does
ODD_REWARD_SCALE = (0.01, 100.0)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def check_no_learning(context: AgentContext) -> Iterator[Finding]:
    curve = context.case.learning_curve
    if len(curve) < 3:
        return
    steps = [s for s, _ in curve]
    returns = np.asarray([r for _, r in curve], dtype=float)
    third = max(1, len(returns) // 3)
    start, end = float(returns[:third].mean()), float(returns[-third:].mean())
    span = context.case.span if context.case.curve_on_ladder_scale else None
    yardstick = span if span is not None else max(abs(start), 1.0)
    gain = end - start
    near_reference = span is not None and end >= context.case.reference_score - FLAT_SHARE * span
    if gain >= FLAT_SHARE * yardstick or near_reference:
        return
    probe = context.probe
    typical = float(np.median(np.abs(probe.rewards))) if probe is not None and probe.rewards else None
    odd_scale = typical is not None and typical > 0 and not ODD_REWARD_SCALE[0] <= typical <= ODD_REWARD_SCALE[1]
    plot = context.charts.curve("learning_curve", returns.tolist(), title="Mean return during training (flat)",
                                ylabel="mean episodic return", xlabel="evaluation during training")
    yield Finding(
        id="no-learning", severity=Severity.SERIOUS,
        title="The learning curve is flat: training did not improve the policy",
        evidence=f"Over {steps[-1]:,} steps the mean return went from {_fmt(start)} (first third of the curve) "
                 f"to {_fmt(end)} (last third), a gain of {_fmt(gain)}"
                 + (f", {gain / span:.0%} of the way from random to the reference" if span else "")
                 + (f". A typical step's reward is {_fmt(typical)}: far from the scale of 1 that "
                    "networks learn well on" if odd_scale else
                    ". An agent that stops trying other actions stops getting anything new to learn from"),
        next_steps=(["Rescale rewards (VecNormalize(norm_reward=True) or a TransformReward wrapper)",
                     "Scale observations too (norm_obs=True)"] if odd_scale else
                    ["Explore more: raise ent_coef (PPO) or exploration_fraction (DQN)",
                     "Check that the policy's actions reach the environment (print a few)",
                     "Try a learning rate 3x larger or smaller"]),
        lesson="reward-scale" if odd_scale else "exploration",
        numbers={"first_third": start, "last_third": end, "gain": gain, "steps": steps[-1],
                 "typical_reward": typical}, plot=plot)


def check_unstable_seeds(context: AgentContext) -> Iterator[Finding]:
    scores = context.case.seed_scores
    if len(scores) < 3:
        return
    values = np.asarray(list(scores.values()), dtype=float)
    spread = float(values.max() - values.min())
    span = context.case.span
    yardstick = span if span is not None else max(abs(float(np.median(values))), 1e-9)
    if spread < UNSTABLE_SHARE * yardstick:
        return
    worst, best = min(scores, key=scores.get), max(scores, key=scores.get)
    yield Finding(
        id="unstable-across-seeds", severity=Severity.WARNING,
        title=f"Training seeds disagree: from {_fmt(values.min())} to {_fmt(values.max())}",
        evidence=f"{len(values)} training seeds scored {', '.join(_fmt(v) for v in values)} (seed {best} best, "
                 f"seed {worst} worst): a spread of {_fmt(spread)}"
                 + (f", {spread / span:.0%} of the distance from random to the reference" if span else "")
                 + ". One run says little about the method: the next seed may land anywhere in that range.",
        next_steps=["Report the interquartile mean over 5+ seeds with a bootstrap interval, not the best run",
                    "Lower the learning rate or clip gradients: collapsing runs often diverged once",
                    "Train longer: seeds often agree once every run has converged"],
        lesson="seeds-and-variance", numbers={"seed_scores": scores, "spread": spread})


def _standard_error(values: list[float]) -> float:
    return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0


def check_seed_gap(context: AgentContext) -> Iterator[Finding]:
    case = context.case
    if len(case.public_returns) < 2 or len(case.private_returns) < 2:
        return
    public, private = float(np.mean(case.public_returns)), float(np.mean(case.private_returns))
    error = float(np.hypot(_standard_error(case.public_returns), _standard_error(case.private_returns)))
    gap = public - private
    span = case.span
    if gap <= GAP_ERRORS * error or (span is not None and gap < GAP_SHARE * span):
        return
    yield Finding(
        id="public-private-gap", severity=Severity.SERIOUS,
        title="The policy does better on the public seeds than on the private ones",
        evidence=f"Mean return {_fmt(public)} on the {len(case.public_returns)} public seeds against "
                 f"{_fmt(private)} on the {len(case.private_returns)} private seeds: {_fmt(gap)} apart"
                 + (f", {gap / error:.1f} standard errors" if error > 0 else "")
                 + ". Tuning on the seeds you evaluate on fits the policy to those episodes, as a model "
                   "fits its training rows.",
        next_steps=["Tune on seeds of your own, and look at the public seeds only at the end",
                    "Evaluate on many more episodes while you tune (50+)"],
        lesson="seeds-and-variance", numbers={"public_mean": public, "private_mean": private, "gap": gap,
                                              "standard_error": error})


def check_self_report(context: AgentContext) -> Iterator[Finding]:
    case = context.case
    server = context.public_mean
    if case.self_reported_mean is None or server is None or len(case.public_returns) < 2:
        return
    gap = case.self_reported_mean - server
    error = _standard_error(case.public_returns)
    span = case.span
    if gap <= GAP_ERRORS * error or (span is not None and gap < GAP_SHARE * span):
        return
    yield Finding(
        id="self-report-gap", severity=Severity.WARNING,
        title="Your report.json claims more than the server measured",
        evidence=f"report.json says mean return {_fmt(case.self_reported_mean)}; the server measured "
                 f"{_fmt(server)} on the public seeds (standard error {_fmt(error)}). Training returns are "
                 "often measured with exploration noise off, on the training episodes, or on the best run.",
        next_steps=["Evaluate the saved policy, not the training loop: tiltyard.load(ID).evaluate(...)",
                    "Report the mean over every seed, not the best one"],
        lesson="seeds-and-variance", numbers={"self_reported": case.self_reported_mean, "server_public": server})


def check_budget(context: AgentContext) -> Iterator[Finding]:
    case = context.case
    if case.step_budget is None:
        return
    claimed = max([case.steps_used or 0, *(s for s, _ in case.learning_curve)])
    if claimed <= case.step_budget:
        return
    yield Finding(
        id="budget-overrun", severity=Severity.SERIOUS,
        title=f"Training used {claimed:,} steps, over the budget of {case.step_budget:,}",
        evidence=f"The self-report (steps used and the learning curve's last point) says {claimed:,} "
                 f"environment steps, {claimed / case.step_budget:.1f}x the budget. A policy trained on more "
                 "experience is not comparable with the ladder, whose rungs trained within it.",
        next_steps=["Count every step of every vector copy (the starter's budget.py does) and stop at the cap",
                    "Get more from each step: replay (DQN), more epochs per batch (PPO), scaled inputs"],
        lesson="sample-efficiency", numbers={"steps_claimed": claimed, "step_budget": case.step_budget})


def check_memoryless(context: AgentContext) -> Iterator[Finding]:
    case = context.case
    probe = context.probe
    if not case.memory_task or probe is None or probe.probes == 0:
        return
    if probe.changed_by_past > probe.changed_by_chance:
        return
    score = context.public_mean
    yield Finding(
        id="memoryless-policy", severity=Severity.SERIOUS,
        title="This task needs memory, and the policy has none",
        evidence=f"Asked for an action on the same observation after two different pasts, {probe.probes} times, "
                 f"the policy changed its answer {probe.changed_by_past} times (and {probe.changed_by_chance} "
                 "times when given the same past twice): its action depends on the present alone. "
                 "On this challenge what matters is in earlier observations"
                 + (f"; it scores {_fmt(score)} against random's {_fmt(case.random_score)}"
                    if score is not None and case.random_score is not None else ""),
        next_steps=["Keep the last k observations in your policy (clear them in reset()) and feed them all",
                    "Train with a stacked observation (FrameStackObservation) or RecurrentPPO (sb3-contrib)"],
        lesson="memory-and-partial-observability",
        numbers={"probes": probe.probes, "changed_by_past": probe.changed_by_past,
                 "changed_by_chance": probe.changed_by_chance})


def check_collapsed_actions(context: AgentContext) -> Iterator[Finding]:
    probe = context.probe
    case = context.case
    if probe is None or len(probe.actions) < 20 or case.make_env is None:
        return
    env = case.make_env()
    try:
        discrete = hasattr(env.action_space, "n")
        choices = int(env.action_space.n) if discrete else 0
    finally:
        env.close()
    if not discrete or choices < 2:
        return
    labels, counts = np.unique([repr(a) for a in probe.actions], return_counts=True)
    shares = np.zeros(choices)
    shares[: len(counts)] = np.sort(counts)[::-1] / counts.sum()
    nonzero = shares[shares > 0]
    entropy = float(-(nonzero * np.log(nonzero)).sum() / np.log(choices))
    span, score = case.span, context.public_mean
    if entropy >= COLLAPSED_ENTROPY or (span is not None and score is not None
                                        and score >= case.reference_score - 0.25 * span):
        return
    top = labels[int(np.argmax(counts))]
    yield Finding(
        id="collapsed-actions", severity=Severity.WARNING,
        title=f"The policy does one thing: action {top} {counts.max() / counts.sum():.0%} of the time",
        evidence=f"Over {len(probe.actions)} steps on public episodes the actions' entropy is {entropy:.2f} of "
                 f"the {choices} actions' maximum. A policy that collapsed onto one action early stopped "
                 "learning what the others earn"
                 + (f"; it scores {_fmt(score)}, the reference {_fmt(case.reference_score)}"
                    if score is not None and case.reference_score is not None else ""),
        next_steps=["Keep exploring longer: ent_coef 0.01-0.05 (PPO), a slower epsilon decay (DQN)",
                    "Check the reward: an action that is never rewarded is never tried again"],
        lesson="exploration", numbers={"entropy": entropy, "shares": dict(zip(labels.tolist(),
                                                                            (counts / counts.sum()).tolist()))})


def _policy_module(policy: Any):
    """A torch module in the policy object, one level down (an SB3 model's .policy included)."""
    found = find_torch_module(policy)
    if found is not None:
        return found
    for value in vars(policy).values() if hasattr(policy, "__dict__") else ():
        inner = find_torch_module(value) if hasattr(value, "__dict__") else None
        if inner is not None:
            return inner
    return None


def check_dead_relu(context: AgentContext) -> Iterator[Finding]:
    case, probe = context.case, context.probe
    if case.policy is None or probe is None:
        return
    module = _policy_module(case.policy)
    if module is None:
        return
    try:
        shares = torch_dead_units(module, probe.observations)
    except Exception:  # noqa: BLE001 - a module that wants other inputs: nothing to read
        return
    dead = float(np.mean(shares)) if shares else 0.0
    if dead < DEAD_WARNING:
        return
    yield Finding(
        id="dead-relu", severity=Severity.SERIOUS if dead >= DEAD_SERIOUS else Severity.WARNING,
        title=f"{dead:.0%} of the policy network's ReLU units are dead",
        evidence=f"On {len(probe.observations)} observations from public episodes, these shares of ReLU units "
                 "output 0 every time, per layer: " + ", ".join(f"{s:.0%}" for s in shares)
                 + f" ({type(module).__name__}). Dead units get no gradient: the policy acts with part of its width.",
        next_steps=["Lower the learning rate; scale the observations (VecNormalize)",
                    "Use Tanh (SB3's default for PPO) or LeakyReLU in policy_kwargs"],
        lesson="dead-relu", numbers={"dead_share_per_layer": shares, "dead_share": dead})
