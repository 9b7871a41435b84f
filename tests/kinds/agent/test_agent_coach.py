"""The coach for agents: each finding on a planted case, and its absence on a healthy one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tiltyard.coach.lesson_book import all_lessons
from tiltyard.kinds.agent.coach import coach_agent
from tiltyard.kinds.agent.coach_case import AgentCase
from tiltyard.kinds.agent.tables import from_table

LADDER = {"random_score": 0.0, "reference_score": 20.0}


def repeat_previous(scale: float = 1.0):
    """A memory task from a table: say the bit shown one step before (reward 1 if right)."""
    rng = np.random.default_rng(0)
    bits = rng.integers(2, size=400)
    frame = pd.DataFrame({"episode": np.repeat(np.arange(20), 20), "t": np.tile(np.arange(20), 20),
                          "bit": bits.astype(float), "noise": rng.random(400)})
    before = frame.groupby("episode")["bit"].shift(1).fillna(0.0)
    frame["say_0"], frame["say_1"] = (before == 0) * scale, (before == 1) * scale
    return lambda: from_table(frame, context=["bit", "noise"], rewards={"0": "say_0", "1": "say_1"},
                              episode_by="episode", order_by="t")


class Present:
    """Memoryless: answers from the bit it sees now."""

    def act(self, observation):
        return int(observation[0])


class Remembers:
    def reset(self):
        self.last = 0

    def act(self, observation):
        answer, self.last = self.last, int(observation[0])
        return answer


class Stuck:
    def act(self, observation):
        return 0


def ids(case: AgentCase) -> set[str]:
    report = coach_agent(case)
    for finding in report.findings:
        assert finding.evidence and finding.next_steps and finding.lesson in all_lessons(), finding.id
    return set(report.ids)


def test_a_flat_learning_curve_is_no_learning_and_a_rising_one_is_not():
    flat = [(step * 1_000, 1.0 + 0.1 * (step % 2)) for step in range(1, 10)]
    assert "no-learning" in ids(AgentCase(learning_curve=flat, **LADDER))
    rising = [(step * 1_000, 2.0 * step) for step in range(1, 10)]
    assert "no-learning" not in ids(AgentCase(learning_curve=rising, **LADDER))


def test_a_flat_curve_with_huge_rewards_opens_the_reward_scale_lesson():
    flat = [(step * 1_000, 5.0) for step in range(1, 10)]
    report = coach_agent(AgentCase(learning_curve=flat, policy=Present(), make_env=repeat_previous(1_000.0),
                                   random_score=0.0, reference_score=20_000.0))
    assert report.get("no-learning").lesson == "reward-scale"
    report = coach_agent(AgentCase(learning_curve=flat, policy=Present(), make_env=repeat_previous(), **LADDER))
    assert report.get("no-learning").lesson == "exploration"


def test_training_seeds_far_apart_are_unstable():
    assert "unstable-across-seeds" in ids(AgentCase(seed_scores={0: 19.0, 1: 2.0, 2: 18.0}, **LADDER))
    assert "unstable-across-seeds" not in ids(AgentCase(seed_scores={0: 18.0, 1: 19.0, 2: 18.5}, **LADDER))


def test_public_seeds_well_above_private_ones_are_a_gap():
    rng = np.random.default_rng(0)
    public, private = list(rng.normal(18, 1, 20)), list(rng.normal(10, 1, 50))
    assert "public-private-gap" in ids(AgentCase(public_returns=public, private_returns=private, **LADDER))
    same = list(rng.normal(18, 1, 50))
    assert "public-private-gap" not in ids(AgentCase(public_returns=public, private_returns=same, **LADDER))


def test_a_self_report_above_the_servers_figure_is_flagged():
    public = [9.0, 10.0, 11.0, 10.0]
    assert "self-report-gap" in ids(AgentCase(self_reported_mean=19.0, public_returns=public, **LADDER))
    assert "self-report-gap" not in ids(AgentCase(self_reported_mean=10.2, public_returns=public, **LADDER))


def test_steps_over_the_budget_are_an_overrun():
    case = AgentCase(steps_used=150_000, step_budget=100_000)
    report = coach_agent(case)
    assert report.ids == ["budget-overrun"] and report.get("budget-overrun").lesson == "sample-efficiency"
    assert "150,000" in report.get("budget-overrun").title
    assert ids(AgentCase(steps_used=90_000, step_budget=100_000)) == set()


def test_a_memoryless_policy_on_a_memory_task_is_found_and_a_remembering_one_is_not():
    task = repeat_previous()
    found = coach_agent(AgentCase(policy=Present(), make_env=task, memory_task=True, **LADDER))
    assert "memoryless-policy" in found.ids
    assert found.get("memoryless-policy").numbers["changed_by_past"] == 0
    assert "memoryless-policy" not in ids(AgentCase(policy=Remembers(), make_env=task, memory_task=True, **LADDER))
    assert "memoryless-policy" not in ids(AgentCase(policy=Present(), make_env=task, memory_task=False, **LADDER))


def test_one_action_all_the_time_is_collapsed():
    task = repeat_previous()
    stuck = coach_agent(AgentCase(policy=Stuck(), make_env=task, public_returns=[9.0, 10.0], **LADDER))
    assert "collapsed-actions" in stuck.ids and "100%" in stuck.get("collapsed-actions").title
    assert "collapsed-actions" not in ids(AgentCase(policy=Remembers(), make_env=task, **LADDER))


def test_dead_relus_in_a_torch_policy_are_counted():
    torch = pytest.importorskip("torch")

    class Network:
        def __init__(self, dead: bool):
            torch.manual_seed(0)
            self.net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
            with torch.no_grad():  # biases far below zero kill every unit; above zero keep them alive
                self.net[0].bias.fill_(-100.0 if dead else 1.0)

        def act(self, observation):
            with torch.no_grad():
                return int(self.net(torch.as_tensor(observation, dtype=torch.float32)).argmax())

    task = repeat_previous()
    report = coach_agent(AgentCase(policy=Network(dead=True), make_env=task, **LADDER))
    assert report.get("dead-relu").numbers["dead_share"] == 1.0
    assert "dead-relu" not in ids(AgentCase(policy=Network(dead=False), make_env=task, **LADDER))


def test_a_healthy_case_has_no_findings():
    rising = [(step * 1_000, 2.2 * step) for step in range(1, 10)]
    rng = np.random.default_rng(1)
    case = AgentCase(learning_curve=rising, steps_used=9_000, step_budget=10_000, self_reported_mean=19.5,
                     public_returns=list(rng.normal(19, 1, 20)), private_returns=list(rng.normal(19, 1, 50)),
                     seed_scores={0: 19.0, 1: 19.5, 2: 18.7}, policy=Remembers(), make_env=repeat_previous(),
                     memory_task=True, **LADDER)
    assert coach_agent(case).findings == []


def test_a_policy_folder_on_a_challenge_is_coached_from_its_report_and_its_public_episodes(tiny, tmp_path):
    import json

    from tiltyard.kinds.agent.coach import case_from_folder
    from tiltyard.kinds.agent.handle import AgentChallenge

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "policy.py").write_text("def make_policy(observation_space, action_space):\n"
                                      "    class Left:\n        def act(self, observation):\n            return 0\n"
                                      "    return Left()\n")
    curve = [{"step": step * 20_000, "mean_return": 9.0} for step in range(1, 8)]
    (folder / "report.json").write_text(json.dumps({"steps_used": 140_000, "learning_curve": curve}))
    case = case_from_folder(AgentChallenge(tiny), folder)
    assert case.step_budget == 100_000 and len(case.public_returns) == 3 and case.reference_score is not None
    report = coach_agent(case)
    assert {"budget-overrun", "no-learning", "collapsed-actions"} <= set(report.ids)


def test_a_loaded_challenge_coaches_a_policy_folder(tiny, tmp_path):
    from tiltyard.kinds.agent.handle import AgentChallenge

    (tmp_path / "policy.py").write_text("def make_policy(observation_space, action_space):\n"
                                        "    class Right:\n        def act(self, observation):\n            return 1\n"
                                        "    return Right()\n")
    report = AgentChallenge(tiny).coach(tmp_path)
    assert "collapsed-actions" in report.ids and report.get("collapsed-actions").lesson == "exploration"


def test_a_curve_on_other_episodes_than_the_ladders_is_judged_on_its_own_scale():
    rising = [(step * 1_000, -20.0 + 3 * step) for step in range(1, 10)]  # 100-row episodes, ladder in 1,000s
    ladder = {"random_score": -300.0, "reference_score": 320.0}
    assert "no-learning" in ids(AgentCase(learning_curve=rising, **ladder))
    assert "no-learning" not in ids(AgentCase(learning_curve=rising, curve_on_ladder_scale=False, **ladder))
