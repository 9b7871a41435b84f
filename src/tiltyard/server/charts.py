"""Vega-Lite specs for the report page: score history over submissions, the ladder, and the
report's diagnostics (confusion matrix, reliability and score distribution, or residuals by
decile; data from ``tiltyard.kinds.table.diagnostics``, public rows only)."""

from __future__ import annotations

from tiltyard.core import VEGA_LITE_SCHEMA
from tiltyard.plugins import get_kind
from tiltyard.report import Report
from tiltyard.server.models import aware
from tiltyard.store import Submission


def report_charts(report: Report, history: list[Submission]) -> dict[str, dict]:
    metric = report.primary_metric
    points = [{"submission": row.id, "score": row.public_score,
               "when": aware(row.created_at).isoformat(), "this": row.id == report.submission_id}
              for row in sorted(history, key=lambda r: r.id) if row.public_score is not None]
    charts = {}
    if points:
        charts["history"] = {
            "$schema": VEGA_LITE_SCHEMA, "title": f"Public {metric} over your submissions",
            "width": 360, "height": 180, "data": {"values": points},
            "layer": [
                {"mark": {"type": "line", "point": True},
                 "encoding": {"x": {"field": "submission", "type": "ordinal"},
                              "y": {"field": "score", "type": "quantitative", "title": metric,
                                    "scale": {"zero": False}},
                              "tooltip": [{"field": "submission"}, {"field": "score"},
                                          {"field": "when"}]}},
                {"transform": [{"filter": "datum.this"}],
                 "mark": {"type": "point", "size": 140, "color": "#b91c1c", "filled": True},
                 "encoding": {"x": {"field": "submission", "type": "ordinal"},
                              "y": {"field": "score", "type": "quantitative"}}},
            ]}
    if report.public_score is not None and report.ladder:
        rungs = [{"name": r.name, "score": r.public_score, "kind": "baseline"} for r in report.ladder]
        rungs.append({"name": f"submission {report.submission_id}", "score": report.public_score,
                      "kind": "this submission"})
        charts["ladder"] = {
            "$schema": VEGA_LITE_SCHEMA, "title": f"The ladder (public {metric})", "width": 360,
            "data": {"values": rungs}, "mark": "bar",
            "encoding": {"y": {"field": "name", "type": "nominal", "sort": "-x", "title": None},
                         "x": {"field": "score", "type": "quantitative", "title": metric},
                         "color": {"field": "kind", "type": "nominal",
                                   "scale": {"range": ["#94a3b8", "#b91c1c"]}},
                         "tooltip": [{"field": "name"}, {"field": "score"}]}}
    for section in report.sections:
        charts.update(get_kind(section.kind).charts(section))
    return charts
