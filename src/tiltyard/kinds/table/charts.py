"""Vega-Lite specs of a table report's diagnostics (confusion matrix, reliability and score
distribution, residuals by decile), from the chart data the grader keeps (public rows only)."""

from __future__ import annotations

from tiltyard.core import FIT_WIDTH, VEGA_LITE_SCHEMA


def diagnostic_charts(data: dict) -> dict[str, dict]:
    makers = {"confusion": confusion_chart, "reliability": reliability_chart,
              "distribution": distribution_chart, "residuals": residuals_chart}
    return {name: makers[name](data[name]) for name in makers if name in data}


def confusion_chart(data: dict) -> dict:
    labels = data["labels"]
    cells = [{"true": labels[t], "predicted": labels[p], "count": count}
             for t, row in enumerate(data["counts"]) for p, count in enumerate(row)]
    axis = {"type": "nominal", "sort": labels}
    return {"$schema": VEGA_LITE_SCHEMA, "title": "Confusion matrix (public rows)", "width": 220,
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
    return {"$schema": VEGA_LITE_SCHEMA, "title": {"text": ["Reliability (public rows):",
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
    return {"$schema": VEGA_LITE_SCHEMA, "title": f"{data['of']} by true class (public rows)",
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
    return {"$schema": VEGA_LITE_SCHEMA, "title": {"text": ["Residuals (true - predicted) by decile",
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
