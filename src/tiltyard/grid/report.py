"""A grid's report: the tables of :mod:`tiltyard.grid.analysis` as JSON, as a self-contained HTML
page (matplotlib charts inlined, nothing fetched), and as a CSV in the columns of the OpenML
AutoML Benchmark's ``results.csv`` so results travel to its tools."""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from tiltyard.grid import analysis
from tiltyard.grid.plan import Plan

AMLB_COLUMNS = ["id", "task", "framework", "constraint", "fold", "type", "result", "metric", "mode", "version",
                "params", "app_version", "utc", "duration", "training_duration", "predict_duration",
                "models_count", "seed", "info"]


def build_report(plan: Plan) -> dict[str, Any]:
    frame = analysis.cells_frame(plan)
    board = analysis.board(frame)
    complete = analysis.board(frame, column="normalised_complete", elo=False)
    axes = list(plan.spec.axes)
    effects = {axis: analysis.effects(frame, axes, axis) for axis in analysis.axes_with_choices(frame, plan)}
    counts = frame["status"].value_counts().to_dict()
    return {
        "grid": plan.spec.name, "protocol": plan.spec.protocol, "cells": len(frame),
        "status": {str(k): int(v) for k, v in counts.items()},
        "outcomes": {str(k): int(v) for k, v in frame["outcome"].value_counts().to_dict().items()},
        "board": {"pool": board.pool, "interval": board.method, "rows": _records(board.table)},
        "board_complete_cells": {"pool": complete.pool, "interval": complete.method, "rows": _records(complete.table)},
        "per_challenge": _records(analysis.per_challenge(frame)),
        "effects": {axis: {name: _records(table) for name, table in tables.items()}
                    for axis, tables in effects.items()},
        "costs": _records(analysis.costs(frame)),
        "unscaled": analysis.unscaled(frame),
        "frame": frame,
    }


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")]


def as_json(report: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in report.items() if k != "frame"}, indent=2, default=str)


def amlb_results(plan: Plan, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per settled cell, as AMLB's results.csv: ``result`` is higher-is-better (a loss
    is negated and its metric named ``neg_...``), ``fold`` the outer split, failures in ``info``."""
    from tiltyard import __version__

    types = {c.id: c.task_type for c in plan.challenges}
    metrics = {c.id: c.metric for c in plan.challenges}
    budget = plan.spec.budget
    constraint = f"{plan.spec.protocol}_{budget.wall_seconds:g}s_{budget.threads}c_{budget.memory_mb}mb"
    rows = []
    for row in analysis.entries(frame).itertuples():
        sign = 1 if row.maximize else -1
        metric = metrics[row.challenge] if row.maximize else f"neg_{metrics[row.challenge]}"
        result = None if row.score is None or not row.complete else sign * float(row.score)
        rows.append({"id": row.challenge, "task": row.challenge, "framework": row.entry, "constraint": constraint,
                     "fold": row.split, "type": types[row.challenge], "result": result, "metric": metric,
                     "mode": "tiltyard-grid", "version": __version__,
                     "params": json.dumps({a: getattr(row, a, None) for a in plan.spec.axes}
                                          if pd.isna(row.rung) else {"rung": row.rung}),
                     "app_version": f"tiltyard {__version__}", "utc": row.finished_at, "duration": row.wall_s,
                     "training_duration": row.wall_s, "predict_duration": None, "models_count": 1,
                     "seed": row.seed, "info": None if row.complete else f"{row.outcome}: {row.message}",
                     metrics[row.challenge]: row.score})
    return pd.DataFrame(rows, columns=None).reindex(columns=AMLB_COLUMNS + sorted(set(metrics.values())))


def _chart(board_rows: list[dict], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    rows = [r for r in board_rows if r["iqm"] is not None][::-1]
    figure, axis = pyplot.subplots(figsize=(7, 0.4 * len(rows) + 1.2))
    values = [r["iqm"] for r in rows]
    low = [r["iqm"] - r["iqm_low"] if r["iqm_low"] is not None else 0 for r in rows]
    high = [r["iqm_high"] - r["iqm"] if r["iqm_high"] is not None else 0 for r in rows]
    axis.barh([r["entry"] for r in rows], values, xerr=[low, high], color="#4c78a8")
    axis.axvline(0, color="grey", lw=0.8)
    axis.axvline(1, color="grey", lw=0.8, ls="--")
    axis.set_xlabel("IQM of the ladder-normalised score (0 = constant, 1 = boosted trees)")
    axis.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    pyplot.close(figure)
    return _image(buffer, title)


def _critical_difference(frame: pd.DataFrame) -> str:
    """autorank's critical-difference diagram, when the optional extra is installed and the pool allows."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from autorank import autorank, plot_stats
        from matplotlib import pyplot
    except ImportError:
        return "<p>Critical-difference diagram: install the optional extra autorank to draw it.</p>"
    table = analysis.entries(frame).groupby(["challenge", "entry"])["normalised"].mean().unstack("entry").dropna()
    if table.shape[0] < 5 or table.shape[1] < 2:
        return (f"<p>Critical-difference diagram: needs at least 5 challenges and 2 entries, "
                f"this pool has {table.shape[0]} and {table.shape[1]}.</p>")
    try:
        # autorank prints its tables and warns on degenerate pools (a rung with no spread).
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = autorank(table, alpha=0.05, verbose=False)
            axis = plot_stats(result, allow_insignificant=True)
        buffer = io.BytesIO()
        axis.figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        pyplot.close(axis.figure)
    except Exception as error:  # noqa: BLE001 - the diagram is optional; say why it is missing
        return f"<p>Critical-difference diagram not drawn: {html.escape(str(error))}</p>"
    return _image(buffer, "critical-difference diagram")


def _image(buffer: io.BytesIO, title: str) -> str:
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="{html.escape(title)}" src="data:image/png;base64,{encoded}">'


def _table(rows: list[dict], title: str) -> str:
    if not rows:
        return f"<h3>{html.escape(title)}</h3><p>Nothing yet.</p>"
    head = "".join(f"<th>{html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row.values()) + "</tr>" for row in rows)
    return f"<h3>{html.escape(title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape("" if value is None else str(value))


def as_html(report: dict[str, Any]) -> str:
    parts = [f"<h1>Grid {html.escape(report['grid'])}</h1>",
             f"<p>{report['cells']} cells ({report['protocol']}); status {report['status']}; "
             f"outcomes {report['outcomes']}.</p>",
             f"<h2>Board</h2><p>Pool: {html.escape(report['board']['pool'])}. Interval: {report['board']['interval']}. "
             "Failed cells count at the constant rung.</p>", _unscaled_html(report["unscaled"]),
             _chart(report["board"]["rows"], "All cells (failed at the constant rung)")
             if report["board"]["rows"] else "",
             _table(report["board"]["rows"], "Board: all cells"),
             _table(report["board_complete_cells"]["rows"], "Board: complete cells only"),
             _critical_difference(report["frame"]),
             "<h2>Component effects</h2>"]
    for axis, tables in report["effects"].items():
        parts += [_table(tables.get("summary", []), f"{axis}: each value against the reference"),
                  _table(tables.get("interactions", []), f"{axis}: interactions")]
    parts += ["<h2>Per challenge</h2>", _table(report["per_challenge"], "Mean over splits × seeds (95% interval)"),
              "<h2>Cost</h2>", _table(report["costs"], "CPU seconds per cell")]
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse;"
             "margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Grid {html.escape(report['grid'])}</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")


def unscaled_note(challenges: list[str]) -> str:
    """Why some challenges have no normalised score (said wherever the report is read)."""
    return (f"On {len(challenges)} challenge(s) the boosted-trees rung did not beat the constant rung on a "
            f"split, so the ladder's scale has no unit there and they are left out of the normalised "
            f"figures (IQM, effects), though not of the raw per-challenge means: {', '.join(challenges)}.")


def _unscaled_html(challenges: list[str]) -> str:
    return f"<p><strong>{html.escape(unscaled_note(challenges))}</strong></p>" if challenges else ""


def write_html(report: dict[str, Any], path: Path) -> None:
    path.write_text(as_html(report), encoding="utf-8")
