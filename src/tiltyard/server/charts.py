"""Vega-Lite specs for the report page: score history over submissions, the ladder, and the
report's diagnostics (confusion matrix, reliability and score distribution, or residuals by
decile; data from ``tiltyard.grading.diagnostics``, public rows only)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from tiltyard.grading.report import Report
from tiltyard.server.models import aware
from tiltyard.store import Submission

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
SCORE_DECIMALS = 4  # as the pages print scores (the ``score`` filter)
SCORE_FORMAT = f".{SCORE_DECIMALS}f"
# As wide as its box on the page (a phone's screen too), axis labels included.
FIT_WIDTH = {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


def score_axis(values: Iterable[float]) -> dict:
    """Scale and axis for scores: the data's range padded on both sides (one value, or equal
    ones, get a band around them instead of a zero-width domain that shows a lone "1"), not
    crossing zero when every score is positive, with as many decimals as the ticks need."""
    values = list(values)
    if not values:
        return {}
    low, high = min(values), max(values)
    span = high - low
    pad = span * 0.15 if span > 0 else max(abs(low) * 0.02, 10.0 ** (1 - SCORE_DECIMALS))
    domain = [low - pad, high + pad]
    if low >= 0:
        domain[0] = max(domain[0], 0.0)
    step = (domain[1] - domain[0]) / 4  # about four ticks
    decimals = min(SCORE_DECIMALS, max(0, 1 - math.floor(math.log10(step))))
    return {"scale": {"domain": [round(end, 12) for end in domain], "zero": False, "nice": False},
            "axis": {"format": f".{decimals}~f", "tickCount": 5}}


def report_charts(report: Report, history: list[Submission]) -> dict[str, dict]:
    metric = report.primary_metric
    points = [{"submission": row.id, "score": row.public_score,
               "when": aware(row.created_at).isoformat(), "this": row.id == report.submission_id}
              for row in sorted(history, key=lambda r: r.id) if row.public_score is not None]
    charts = {}
    if points:
        charts["history"] = history_chart(points, metric)
    if report.public_score is not None and report.ladder:
        charts["ladder"] = ladder_chart(report)
    charts.update(diagnostic_charts(report.charts))
    return charts


def history_chart(points: list[dict], metric: str) -> dict:
    y = {"field": "score", "type": "quantitative", "title": metric,
         **score_axis(p["score"] for p in points)}
    x = {"field": "submission", "type": "ordinal", "axis": {"labelAngle": 0, "labelOverlap": True}}
    return {"$schema": SCHEMA, "title": f"Public {metric} over your submissions",
            **FIT_WIDTH, "height": 180, "data": {"values": points},
            "layer": [
                {"mark": {"type": "line", "point": True},
                 "encoding": {"x": x, "y": y,
                              "tooltip": [{"field": "submission"},
                                          {"field": "score", "format": SCORE_FORMAT},
                                          {"field": "when"}]}},
                {"transform": [{"filter": "datum.this"}],
                 "mark": {"type": "point", "size": 140, "color": "#b91c1c", "filled": True},
                 "encoding": {"x": x, "y": y}},
            ]}


def ladder_chart(report: Report) -> dict:
    """A dot per rung on an axis fitted to the scores (bars from zero would make 0.77 and 0.80
    look alike); the best rung on top, each label carrying its score."""
    rungs = [{"name": r.name, "score": r.public_score, "kind": "baseline"}
             for r in report.ladder if r.public_score is not None]
    rungs.append({"name": f"submission {report.submission_id}", "score": report.public_score,
                  "kind": "this submission"})
    for rung in rungs:
        rung["label"] = f"{rung['name']} {rung['score']:{SCORE_FORMAT}}"
    metric = report.primary_metric
    x = {"field": "score", "type": "quantitative", "title": metric,
         **score_axis(r["score"] for r in rungs)}
    return {"$schema": SCHEMA, "title": f"The ladder (public {metric})", **FIT_WIDTH,
            "data": {"values": rungs},
            "encoding": {"y": {"field": "label", "type": "nominal", "title": None,
                               "sort": {"field": "score", "order": "descending"
                                        if report.direction == "maximize" else "ascending"}},
                         "x": x,
                         "color": {"field": "kind", "type": "nominal", "title": None,
                                   "scale": {"domain": ["baseline", "this submission"],
                                             "range": ["#64748b", "#b91c1c"]},
                                   "legend": {"orient": "bottom"}},
                         "tooltip": [{"field": "name"},
                                     {"field": "score", "format": SCORE_FORMAT}]},
            "layer": [{"mark": {"type": "rule", "color": "#e2e8f0"},
                       "encoding": {"x": {"datum": x["scale"]["domain"][0]},
                                    "x2": {"field": "score"},
                                    "color": {"value": "#e2e8f0"}}},
                      {"mark": {"type": "point", "filled": True, "size": 90}}]}


def diagnostic_charts(data: dict) -> dict[str, dict]:
    makers = {"confusion": confusion_chart, "reliability": reliability_chart,
              "distribution": distribution_chart, "residuals": residuals_chart}
    return {name: makers[name](data[name]) for name in makers if name in data}


def confusion_chart(data: dict) -> dict:
    labels = data["labels"]
    cells = [{"true": labels[t], "predicted": labels[p], "count": count}
             for t, row in enumerate(data["counts"]) for p, count in enumerate(row)]
    axis = {"type": "nominal", "sort": labels}
    return {"$schema": SCHEMA, "title": "Confusion matrix (public rows)", "width": 220,
            "height": 220, "data": {"values": cells},
            "encoding": {"x": {"field": "predicted", **axis}, "y": {"field": "true", **axis}},
            "layer": [{"mark": "rect", "encoding": {"color": {"field": "count",
                                                              "type": "quantitative",
                                                              "scale": {"scheme": "blues"}}}},
                      {"mark": {"type": "text", "fontSize": 13},
                       "encoding": {"text": {"field": "count", "type": "quantitative"}}}]}


def reliability_chart(data: dict) -> dict:
    points = [{"predicted": p, "observed": o, "rows": n} for p, o, n in
              zip(data["mean_predicted"], data["fraction_positive"], data["count"], strict=True)]
    unit = {"type": "quantitative", "scale": {"domain": [0, 1]}}
    return {"$schema": SCHEMA, "title": {"text": ["Reliability (public rows):",
                                                  "observed against predicted"]},
            "width": 240, "height": 240,
            "layer": [{"data": {"values": [{"predicted": 0, "observed": 0},
                                           {"predicted": 1, "observed": 1}]},
                       "mark": {"type": "line", "strokeDash": [4, 4], "color": "#94a3b8"},
                       "encoding": {"x": {"field": "predicted", **unit},
                                    "y": {"field": "observed", **unit}}},
                      {"data": {"values": points}, "mark": {"type": "line", "point": True},
                       "encoding": {"x": {"field": "predicted", "title": "mean predicted",
                                          **unit},
                                    "y": {"field": "observed", "title": "observed frequency",
                                          **unit},
                                    "tooltip": [{"field": "predicted"}, {"field": "observed"},
                                                {"field": "rows"}]}}]}


def distribution_chart(data: dict) -> dict:
    edges = data["edges"]
    bars = [{"class": label, "from": edges[i], "to": edges[i + 1], "rows": count}
            for label, counts in data["counts"].items() for i, count in enumerate(counts)]
    return {"$schema": SCHEMA, "title": f"{data['of']} by true class (public rows)",
            **FIT_WIDTH, "height": 180, "data": {"values": bars},
            "mark": {"type": "bar", "opacity": 0.6},
            "encoding": {"x": {"field": "from", "type": "quantitative", "title": data["of"],
                               "scale": {"domain": [0, 1]}},
                         "x2": {"field": "to"},
                         "y": {"field": "rows", "type": "quantitative", "stack": None},
                         "y2": {"datum": 0},
                         "color": {"field": "class", "type": "nominal", "title": "true class"},
                         "tooltip": [{"field": "class"}, {"field": "from"}, {"field": "to"},
                                     {"field": "rows"}]}}


def residuals_chart(data: dict) -> dict:
    rows = data["deciles"]
    x = {"field": "mean_predicted", "type": "quantitative", "title": "mean prediction in decile",
         "scale": {"zero": False}}
    # Titles do not wrap in Vega: two lines, so a phone does not cut one off.
    return {"$schema": SCHEMA, "title": {"text": ["Residuals (true - predicted) by decile",
                                                  "of the prediction (public rows)"]},
            **FIT_WIDTH, "height": 200, "data": {"values": rows},
            "layer": [{"mark": {"type": "rule", "color": "#94a3b8"},
                       "encoding": {"x": x, "y": {"field": "p10", "type": "quantitative",
                                                  "title": "residual"},
                                    "y2": {"field": "p90"}}},
                      {"mark": {"type": "bar", "size": 10, "color": "#93c5fd"},
                       "encoding": {"x": x, "y": {"field": "p25", "type": "quantitative"},
                                    "y2": {"field": "p75"}}},
                      {"mark": {"type": "point", "filled": True, "color": "#1d4ed8"},
                       "encoding": {"x": x, "y": {"field": "median", "type": "quantitative"},
                                    "tooltip": [{"field": "decile"}, {"field": "predicted_from"},
                                                {"field": "predicted_to"}, {"field": "median"},
                                                {"field": "p10"}, {"field": "p90"},
                                                {"field": "count"}]}},
                      {"data": {"values": [{"zero": 0}]}, "mark": {"type": "rule",
                                                                   "strokeDash": [4, 4]},
                       "encoding": {"y": {"field": "zero", "type": "quantitative"}}}]}
