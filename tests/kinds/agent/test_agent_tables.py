"""from_table: a learner's own DataFrame as a Gymnasium environment (bandit or sequential)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env

from tiltyard.kinds.agent.tables import TableMappingError, from_table


@pytest.fixture
def loans() -> pd.DataFrame:
    return pd.DataFrame({"income": [120.0, 80.0, np.nan, 200.0, 95.0, 150.0],
                         "home": ["rent", "owner", "rent", None, "parents", "owner"],
                         "defaulted": [False, True, False, False, True, False],
                         "profit": [1.0, -4.0, 1.0, 1.0, -4.0, 1.0]},
                        index=[f"app{i}" for i in range(6)])


@pytest.fixture
def meters() -> pd.DataFrame:
    days = np.repeat([1, 2, 3], 4)
    return pd.DataFrame({"day": days, "slot": np.tile([3, 0, 2, 1], 3),
                         "demand": np.arange(12, dtype=float), "rise": np.tile([1.0, -1.0, 0.5, 2.0], 3),
                         "fall": -np.tile([1.0, -1.0, 0.5, 2.0], 3)})


def checked(env):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*render modes.*")
        check_env(env, skip_render_check=True)
    return env


def test_a_bandit_encodes_its_context_and_passes_check_env(loans):
    env = checked(from_table(loans, context=["income", "home", "defaulted"], one_hot=["home"],
                             missing="indicate", rewards={"approve": "profit", "decline": 0.0}))
    assert env.feature_names == ["income", "income_missing", "home=missing", "home=owner", "home=parents",
                                 "home=rent", "defaulted"]
    assert env.action_names == ["approve", "decline"] and env.action_space.n == 2
    observation, info = env.reset(seed=3)
    row = loans.loc[info["row"]]
    assert observation[0] == (row.income if row.income == row.income else loans.income.median())
    assert observation[env.feature_names.index("defaulted")] == float(row.defaulted)


def test_only_the_chosen_actions_reward_comes_back_one_row_per_episode(loans):
    env = from_table(loans, context=["income"], missing="indicate",
                     rewards={"approve": "profit", "decline": 0.0})
    _, info = env.reset(seed=0)
    _, approved, terminated, truncated, step_info = env.step(0)
    assert approved == loans.loc[info["row"], "profit"] and step_info["row"] == info["row"]
    assert terminated and not truncated
    env.reset(seed=0)
    assert env.step(1)[1] == 0.0


def test_a_bandit_stream_draws_each_row_once_and_replays_from_its_seed(loans):
    env = from_table(loans, context=["income"], missing="indicate", rewards={"a": "profit", "b": 0.0},
                     episode_length=6)
    def stream(seed):
        rows = [env.reset(seed=seed)[1]["row"]]
        done = False
        while not done:
            _, _, done, _, info = env.step(0)
            rows.append(info["row"])
        return rows[1:]
    first = stream(7)
    assert sorted(first) == sorted(loans.index) and stream(7) == first and stream(8) != first


@pytest.mark.parametrize("window", [0, 2])
def test_a_sequential_table_walks_each_episode_in_order(meters, window):
    env = checked(from_table(meters, context=["demand"], rewards={"down": "fall", "up": "rise"},
                             episode_by="day", order_by="slot", window=window))
    assert env.episode_keys == [1, 2, 3]
    observation, _ = env.reset(options={"episode": 2})
    seen, rewards, done = [observation], [], False
    while not done:
        observation, reward, done, _, _ = env.step(1)
        seen.append(observation)
        rewards.append(reward)
    day = meters[meters.day == 2].sort_values("slot")
    assert rewards == day.rise.tolist()
    currents = [o[-1, 0] if window else o[0] for o in seen[:-1]]
    assert currents == day.demand.tolist()
    if window:
        assert env.observation_space.shape == (3, 1)
        assert seen[0][:, 0].tolist() == [0.0, 0.0, day.demand.iloc[0]]  # nothing before the start
        assert seen[3][:, 0].tolist() == day.demand.iloc[1:4].tolist()   # the last three rows, oldest first


def test_order_by_alone_makes_the_whole_table_one_episode(meters):
    env = checked(from_table(meters.drop(columns="day").iloc[:4], context=["demand"],
                             rewards={"down": "fall", "up": "rise"}, order_by="slot"))
    assert env.episode_keys == [None]


def test_the_environment_trains_a_stable_baselines_agent(meters):
    from stable_baselines3 import PPO

    env = from_table(meters, context=["demand"], rewards={"down": "fall", "up": "rise"},
                     episode_by="day", order_by="slot", window=1)
    PPO("MlpPolicy", env, n_steps=32, batch_size=16, n_epochs=1, seed=0, device="cpu").learn(64)


def message(call) -> str:
    with pytest.raises(TableMappingError) as caught:
        call()
    return str(caught.value)


def test_an_unknown_column_suggests_the_closest(loans):
    text = message(lambda: from_table(loans, context=["incme"], rewards={"a": "profit", "b": 0}))
    assert "'incme'" in text and "Did you mean 'income'?" in text
    text = message(lambda: from_table(loans, context=["income"], missing="indicate",
                                      rewards={"a": "proft", "b": 0}))
    assert "reward of action 'a'" in text and "'profit'" in text


def test_missing_values_are_refused_unless_indicated(loans):
    text = message(lambda: from_table(loans, context=["income"], rewards={"a": "profit", "b": 0}))
    assert "1 missing values (rows 'app2')" in text and "missing='indicate'" in text
    gappy = loans.assign(profit=loans.profit.where(loans.index != "app4"))
    text = message(lambda: from_table(gappy, context=["income"], missing="indicate",
                                      rewards={"a": "profit", "b": 0}))
    assert "reward column 'profit' has 1 missing values (rows 'app4')" in text


def test_text_context_needs_an_encoding(loans):
    text = message(lambda: from_table(loans, context=["home"], rewards={"a": "profit", "b": 0}))
    assert "'home' holds" in text and "one_hot=['home']" in text
    assert "not a context column" in message(lambda: from_table(loans, context=["income"], one_hot=["home"],
                                                                 missing="indicate", rewards={"a": "profit", "b": 0}))


def test_a_reward_the_agent_could_read_is_refused(loans):
    text = message(lambda: from_table(loans, context=["profit"], rewards={"a": "profit", "b": 0}))
    assert "both context and the reward" in text


def test_one_action_or_text_rewards_are_refused(loans):
    assert "at least two actions" in message(lambda: from_table(loans, context=["profit"], rewards={"a": 1.0}))
    assert "not numeric" in message(lambda: from_table(loans.fillna({"income": 0.0}), context=["income"],
                                                       rewards={"a": "home", "b": 0}))


def test_an_episode_of_one_row_and_tied_order_are_refused(meters):
    lonely = pd.concat([meters, meters.iloc[[0]].assign(day=9)])
    text = message(lambda: from_table(lonely, context=["demand"], rewards={"d": "fall", "u": "rise"},
                                      episode_by="day", order_by="slot"))
    assert "Episode 9 has a single row" in text
    text = message(lambda: from_table(meters, context=["demand"], rewards={"d": "fall", "u": "rise"},
                                      order_by="slot"))
    assert "share an 'slot' value" in text and "episode_by" in text


def test_a_window_needs_an_order_and_a_bandit_stream_fits_the_table(loans):
    assert "needs an order" in message(lambda: from_table(loans.fillna({"income": 0.0}), context=["income"],
                                                          rewards={"a": "profit", "b": 0}, window=2))
    assert "1..6" in message(lambda: from_table(loans.fillna({"income": 0.0}), context=["income"],
                                                rewards={"a": "profit", "b": 0}, episode_length=7))


def test_a_path_instead_of_a_frame_says_to_read_it_first(tmp_path):
    assert "pd.read_csv" in message(lambda: from_table(tmp_path / "x.csv", context=["a"], rewards={"a": 1, "b": 0}))


def test_the_public_name_is_the_same_function():
    import tiltyard.agents

    assert tiltyard.agents.from_table is from_table
