"""The grids run on this arena's store (read-only): a list with each grid's done, failed and
pending cells, and a grid's report as ``tiltyard grid report`` builds it (the grid package's
own functions; nothing is recomputed here). Any signed-in user may read them: a grid's cells
are scored on outer splits of the labelled training rows, never on a hidden test.

A report takes seconds to build (bootstrap intervals, Elo) and changes only when a cell is
settled, so each grid's last report is kept, keyed by the store and the grid's settled cells."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Request

from tiltyard.config import get_settings
from tiltyard.grid.plan import Plan
from tiltyard.grid.records import GridNotFound, GridState, grid_state, recorded_names, status_counts, stored_plan
from tiltyard.grid.report import build_report, unscaled_note
from tiltyard.server.deps import CurrentUser
from tiltyard.server.errors import NotFound
from tiltyard.server.pages.rendering import render

router = APIRouter()
# (store URL, grid name) -> (the settled cells' digest, the report built from them)
_reports: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
_reports_lock = threading.Lock()


def cached_report(plan: Plan, state: GridState) -> dict[str, Any]:
    """The grid's report, built again only when its settled cells (or its record) changed."""
    place = (get_settings().resolved_database_url, plan.spec.name)
    with _reports_lock:
        kept = _reports.get(place)
    if kept is not None and kept[0] == state.settled:
        return kept[1]
    report = build_report(plan)
    with _reports_lock:
        _reports[place] = (state.settled, report)
    return report


@router.get("/grids")
def grids_page(request: Request, user: CurrentUser):
    grids = [{"name": name, **status_counts(stored_plan(name))} for name in recorded_names()]
    return render(request, "grids.html", {"grids": grids})


@router.get("/grids/{name}")
def grid_page(request: Request, name: str, user: CurrentUser):
    try:
        plan = stored_plan(name)
    except GridNotFound as error:
        raise NotFound(error.message, expected=error.expected, got=error.got, hint=error.hint) from error
    state = grid_state(plan)
    report = cached_report(plan, state) if state.counts["done"] else None
    failed = []
    if report is not None:
        frame = report["frame"]
        failed = frame[frame["outcome"].notna() & (frame["outcome"] != "ok")].to_dict(orient="records")
    return render(request, "grid.html", {"name": name, "spec": plan.spec, "counts": state.counts,
                                         "report": report, "failed": failed, "unscaled_note": unscaled_note})
