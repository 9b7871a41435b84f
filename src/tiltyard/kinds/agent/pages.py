"""How an agent report's sections read: one line for the terminal, Vega-Lite charts for the
page (the return distribution, the learning curve beside the server's figure)."""

from __future__ import annotations

import math

from tiltyard.core import FIT_WIDTH, VEGA_LITE_SCHEMA, ReportSection


def _figure(interval: dict) -> str:
    if not math.isfinite(interval["estimate"]):
        return "n/a"
    return f"{interval['estimate']:.2f} [95% CI {interval['low']:.2f}, {interval['high']:.2f}]"


def summary(section: ReportSection) -> str | None:
    data = section.data
    if section.name in ("episodes", "private_episodes"):
        primary = data["phases"][0]
        parts = [f"{len(primary['returns'])} {data['split']} episodes: mean return {_figure(primary['interval'])}"]
        parts += [f"{phase['title'].lower()} {_figure(phase['interval'])}" for phase in data["phases"][1:]]
        if data.get("normalised") is not None:
            parts.append(f"normalised {data['normalised']:.2f} (0 = random, 1 = reference)")
        return "; ".join(parts)
    if section.name == "self_report":
        said = "no mean return" if data.get("mean_return") is None else f"mean return {data['mean_return']:.2f}"
        steps = "" if data.get("steps_used") is None else f", {data['steps_used']:,} steps of {data['step_budget']:,}"
        gap = "" if data.get("gap") is None else f"; gap to the server's figure {data['gap']:+.2f}"
        return f"Your training reported {said}{steps}{gap}" + (" (large)" if data.get("gap_is_large") else "")
    if section.name == "verified":
        failed = f"; failed: seeds {', '.join(map(str, data['failed_seeds']))}" if data["failed_seeds"] else ""
        public = [run["public"] for run in data["runs"] if run.get("public") is not None]
        mean = f"; public mean return per seed {', '.join(f'{value:.2f}' for value in public)}" if public else ""
        return f"{data['statement']}{mean}{failed}"
    if section.name == "verified_private":
        return "; ".join(data["lines"][:2])
    if section.name == "run":
        return (f"Ran in the sandbox ({data['sandbox']}): {data['wall_s']:.1f} s wall, {data['cpu_s']:.1f} s CPU, "
                f"{data['peak_memory_mb']:.0f} MB peak")
    return None


def charts(section: ReportSection) -> dict[str, dict]:
    if section.name in ("episodes", "private_episodes"):
        return {f"{section.name}_returns": returns_chart(section.data)}
    if section.name == "self_report" and section.data.get("learning_curve"):
        return {"learning_curve": curve_chart(section.data)}
    return {}


def returns_chart(data: dict) -> dict:
    values = [{"phase": phase["title"], "return": value}
              for phase in data["phases"] for value in phase["returns"]]
    return {"$schema": VEGA_LITE_SCHEMA, "title": f"Episodic returns ({data['split']} seeds)", **FIT_WIDTH,
            "height": 160, "data": {"values": values}, "mark": "bar",
            "encoding": {"x": {"field": "return", "type": "quantitative", "bin": {"maxbins": 30}},
                         "y": {"aggregate": "count", "type": "quantitative", "title": "episodes"},
                         "color": {"field": "phase", "type": "nominal"}}}


def curve_chart(data: dict) -> dict:
    points = [{"step": point["step"], "mean_return": point["mean_return"]} for point in data["learning_curve"]]
    layers = [{"data": {"values": points}, "mark": {"type": "line", "point": True},
               "encoding": {"x": {"field": "step", "type": "quantitative", "title": "environment steps"},
                            "y": {"field": "mean_return", "type": "quantitative", "title": "mean return"}}}]
    if data.get("server_mean_return") is not None and math.isfinite(data["server_mean_return"]):
        layers.append({"data": {"values": [{"server": data["server_mean_return"]}]},
                       "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#b91c1c"},
                       "encoding": {"y": {"field": "server", "type": "quantitative"}}})
    return {"$schema": VEGA_LITE_SCHEMA, "title": "Learning curve (self-reported; dashed: the server's figure)",
            **FIT_WIDTH, "height": 180, "layer": layers}
