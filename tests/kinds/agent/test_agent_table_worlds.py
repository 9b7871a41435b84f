"""The two worlds made with from_table: loan applicants (credit-bandit-v1) and half-hours of
electricity demand (power-ramp-v1), and the policies of their ladders."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from tiltyard.errors import BundleError
from tiltyard.kinds.agent import bandit, series
from tiltyard.kinds.agent.bandit_policies import APPROVE, DECLINE, Constant, OnlineLogistic
from tiltyard.kinds.agent.series_policies import UP, Momentum, PredictedChange


def play(policy, env, seed, reveal=True):
    observation, _ = env.reset(seed=seed)
    getattr(policy, "reset", lambda: None)()
    total, done = 0.0, False
    while not done:
        observation, reward, done, _, _ = env.step(policy.act(observation))
        total += reward
        if reveal:
            getattr(policy, "observe", lambda r: None)(reward)
    return total


@pytest.mark.parametrize("part", list(bandit.PARTS))
def test_each_part_of_the_applicants_is_a_checked_bandit_with_the_same_spaces(part):
    env = bandit.credit_env(part)
    check_env(env, skip_render_check=True)
    assert env.observation_space == bandit.credit_env("history").observation_space
    assert env.action_names == list(bandit.ACTIONS)


def test_the_parts_are_disjoint_and_the_stream_is_one_pass():
    frame = bandit.applicants()
    assert frame["part"].value_counts().to_dict() == bandit.PARTS
    stream = bandit.credit_env("stream")
    observation, info = stream.reset(seed=1)
    seen, done = [info["row"]], False
    while not done:
        *_, done, _, info = stream.step(DECLINE)
        seen.append(info["row"])
    assert len(set(seen[1:])) == bandit.PARTS["stream"]
    assert set(frame.loc[seen[1:], "part"]) == {"stream"}


def test_the_profit_matrix_pays_good_loans_and_charges_bad_ones():
    frame = bandit.applicants()
    env = bandit.credit_env("holdout")
    _, info = env.reset(seed=0)
    approved = env.step(APPROVE)[1]
    assert approved == (bandit.BAD_LOAN if frame.loc[info["row"], "Status"] == "bad" else bandit.GOOD_LOAN)
    env.reset(seed=0)
    assert env.step(DECLINE)[1] == bandit.DECLINE
    assert bandit.BREAK_EVEN == pytest.approx(0.2)


def test_a_learner_that_approves_and_learns_beats_both_constant_rungs():
    env = bandit.credit_env("stream", episode_length=600)
    n = env.observation_space.shape[0]
    learned = play(OnlineLogistic(n, break_even=bandit.BREAK_EVEN, seed=0), env, seed=3)
    assert learned > play(Constant(DECLINE), env, seed=3) == 0.0 > play(Constant(APPROVE), env, seed=3)


def test_a_frozen_learner_stops_exploring_and_learning():
    policy = OnlineLogistic(3, break_even=0.2, epsilon=1.0, seed=0)
    policy.start_phase("greedy")
    assert [policy.act(np.ones(3)) for _ in range(5)] == [DECLINE] * 5  # p(bad) = 0.5 > 0.2, no exploring
    before = policy.weights.copy()
    policy.observe(-4.0)
    assert (policy.weights == before).all()


def test_an_unknown_part_suggests_the_closest():
    with pytest.raises(BundleError, match="Did you mean 'holdout'"):
        bandit.credit_env("hold-out")
    with pytest.raises(BundleError, match="Did you mean 'sealed'"):
        series.demand_env("seal")


def test_each_day_of_demand_is_an_episode_of_48_half_hours_without_a_clock():
    env = series.demand_env("sealed")
    check_env(env, skip_render_check=True)
    assert env.feature_names == series.CONTEXT and len(env.episode_keys) == series.SEALED_DAYS
    assert not set(env.episode_keys) & set(series.demand_env("public").episode_keys)
    frame = series.half_hours()
    day = env.episode_keys[0]
    observation, _ = env.reset(options={"episode": day})
    rewards, done = [], False
    while not done:
        observation, reward, done, _, _ = env.step(UP)
        rewards.append(reward)
    expected = frame.loc[frame.day == day, "Demand"]
    following = frame["Demand"].shift(-1).loc[expected.index]
    assert rewards == pytest.approx((following - expected).tolist())
    assert len(rewards) == series.HALF_HOURS


def test_memory_pays_on_demand_a_memoryless_policy_does_not():
    env = series.demand_env("sealed")

    class Reading:  # the memoryless counterpart of momentum: a fixed rule on the reading alone
        def act(self, observation):
            return UP if observation[0] < 5.0 else 0

    days = range(30)
    momentum = np.mean([play(Momentum(), env, seed) for seed in days])
    memoryless = np.mean([play(Reading(), env, seed) for seed in days])
    assert momentum > 2 > memoryless


def test_a_predicted_change_policy_sees_its_window_and_forgets_it_at_reset():
    class Seen:
        def predict(self, rows):
            self.rows = rows
            return np.array([1.0])

    model = Seen()
    policy = PredictedChange(model, n_features=3, window=2)
    policy.act([1, 2, 3])
    policy.act([4, 5, 6])
    assert model.rows.tolist() == [[0, 0, 0, 1, 2, 3, 4, 5, 6]]
    policy.reset()
    assert policy.act([7, 8, 9]) == UP and model.rows.tolist() == [[0, 0, 0, 0, 0, 0, 7, 8, 9]]


def test_a_linear_model_of_recent_changes_fitted_on_public_days_beats_the_memoryless_one():
    from tiltyard.kinds.agent.series_policies import fitted_change_model

    public, sealed = series.demand_env("public"), series.demand_env("sealed")
    policies = {window: PredictedChange(fitted_change_model(public, window), 3, window) for window in (0, 2)}
    days = range(20)
    scores = {window: np.mean([play(policy, sealed, seed) for seed in days]) for window, policy in policies.items()}
    assert scores[2] > 3.0 > 1.0 > scores[0]
