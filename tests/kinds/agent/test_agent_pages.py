"""An agent report reads in a terminal (one line a section) and on the page (charts)."""

from __future__ import annotations

from tiltyard.core import ReportSection
from tiltyard.kinds.agent import KIND


def section(name: str, data: dict) -> ReportSection:
    return ReportSection(kind="agent", name=name, title=name, data=data)


EPISODES = {"split": "public", "environment": "CartPole-v1", "step_budget": 100_000, "max_episode_steps": 500,
            "normalised": 0.5, "rungs": {"random": 20.0, "reference": 500.0},
            "phases": [{"name": "return", "title": "Mean episodic return", "score": "mean_return",
                        "returns": [10.0, 30.0], "lengths": [10, 30],
                        "interval": {"estimate": 20.0, "low": 10.0, "high": 30.0, "confidence": 0.95}}]}


def test_the_terminal_line_gives_the_interval_and_the_normalised_score():
    line = KIND.summary(section("episodes", EPISODES))
    assert line == ("2 public episodes: mean return 20.00 [95% CI 10.00, 30.00]; "
                    "normalised 0.50 (0 = random, 1 = reference)")
    said = KIND.summary(section("self_report", {"mean_return": 480.0, "steps_used": 120_000, "step_budget": 100_000,
                                                "gap": 460.0, "gap_is_large": True}))
    assert said == "Your training reported mean return 480.00, 120,000 steps of 100,000; gap to the server's figure " \
                   "+460.00 (large)"


def test_the_page_draws_the_return_distribution_and_the_learning_curve_beside_the_servers_figure():
    charts = KIND.charts(section("episodes", EPISODES))
    spec = charts["episodes_returns"]
    assert [point["return"] for point in spec["data"]["values"]] == [10.0, 30.0]
    curve = KIND.charts(section("self_report", {"learning_curve": [{"step": 0, "mean_return": 9.0},
                                                                  {"step": 5000, "mean_return": 200.0}],
                                                "server_mean_return": 150.0}))["learning_curve"]
    assert curve["layer"][0]["data"]["values"][1] == {"step": 5000, "mean_return": 200.0}
    assert curve["layer"][1]["data"]["values"] == [{"server": 150.0}]
    assert KIND.charts(section("self_report", {"learning_curve": []})) == {}
