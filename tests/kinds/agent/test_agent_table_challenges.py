"""credit-bandit-v1 and power-ramp-v1, built small (few seeds, the cheap rungs): the public seeds
play public rows, the private seeds sealed ones, and the briefs explain the mapping."""

from __future__ import annotations

import dataclasses

import pytest

from tiltyard.kinds.agent import bandit_policies, series_policies
from tiltyard.kinds.agent.builder import AgentBuilder, random_rung
from tiltyard.kinds.agent.checks import CHECKS
from tiltyard.kinds.agent.grading import plans
from tiltyard.kinds.agent.handle import AgentChallenge
from tiltyard.kinds.agent.table_challenges import CREDIT_BANDIT, POWER_RAMP
from tiltyard.kinds.agent.table_rungs import policy_rung


def small(builder: AgentBuilder, rungs, **section):
    spec = builder.spec
    section = spec.section.model_copy(update=section)
    return AgentBuilder(dataclasses.replace(spec, id=f"small-{spec.id}", section=section, rungs=lambda: rungs))


@pytest.fixture(scope="module")
def power(tmp_path_factory):
    momentum = policy_rung("momentum", "last half-hour's direction", series_policies, "    return Momentum()")
    return small(POWER_RAMP, [random_rung(), momentum], public_seeds=[1, 2], private_episodes=30,
                 reference_rung="momentum").build(tmp_path_factory.mktemp("power"))


@pytest.fixture(scope="module")
def credit(tmp_path_factory):
    decline = policy_rung("decline-all", "decline everyone", bandit_policies, "    return Constant(DECLINE)")
    return small(CREDIT_BANDIT, [random_rung(), decline], public_seeds=[1], private_episodes=2,
                 reference_rung="decline-all").build(tmp_path_factory.mktemp("credit"))


def test_the_agent_checks_pass_on_both(power, credit):
    for bundle in (power, credit):
        failed = [c for named in CHECKS if not named.refit for c in named.run(bundle) if not c.passed]
        assert failed == [], bundle.manifest.id


def test_public_seeds_play_public_rows_and_private_seeds_sealed_ones(power):
    challenge = AgentChallenge(power)
    plan = plans(challenge.section, {"public": [1], "private": [1]})[0]
    public, private = plan.env_for("public")().unwrapped, plan.env_for("private")().unwrapped
    assert not set(public.episode_keys) & set(private.episode_keys)
    assert len(private.episode_keys) == 120 and challenge.make_env().unwrapped.episode_keys == public.episode_keys


def test_the_ladder_puts_memory_above_random_and_the_brief_explains_the_mapping(power, credit):
    scores = {entry.name: entry.private_score for entry in power.manifest.baselines}
    assert scores["momentum"] > 1.0 > abs(scores["random"])
    brief = power.brief
    assert "episode_by=\"day\"" in brief and "window=0" in brief and "| momentum |" in brief and "[" in brief
    credit_brief = credit.brief
    assert "| approve | +1 | -4 |" in credit_brief and "observe(reward)" in credit_brief
    assert [phase.name for phase in AgentChallenge(credit).section.phases] == ["online", "greedy"]
