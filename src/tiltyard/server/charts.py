"""Vega-Lite specs for the report page: score history over submissions, the ladder, and the
charts of the report's sections, each drawn by its kind (ChallengeKind.charts)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from tiltyard.core import FIT_WIDTH, VEGA_LITE_SCHEMA
from tiltyard.plugins import get_kind
from tiltyard.report import Report
from tiltyard.server.models import aware
from tiltyard.store import Submission

SCORE_DECIMALS = 4  # as the pages print scores (the ``score`` filter)
SCORE_FORMAT = f".{SCORE_DECIMALS}f"


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
    for section in report.sections:
        charts.update(get_kind(section.kind).charts(section))
    return charts


def history_chart(points: list[dict], metric: str) -> dict:
    y = {"field": "score", "type": "quantitative", "title": metric,
         **score_axis(p["score"] for p in points)}
    x = {"field": "submission", "type": "ordinal", "axis": {"labelAngle": 0, "labelOverlap": True}}
    return {"$schema": VEGA_LITE_SCHEMA, "title": f"Public {metric} over your submissions",
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
    return {"$schema": VEGA_LITE_SCHEMA, "title": f"The ladder (public {metric})", **FIT_WIDTH,
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
