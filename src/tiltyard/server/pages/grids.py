"""The grids run on this arena's store (read-only): a list with each grid's done, failed and
pending cells, and a grid's report as ``tiltyard grid report`` builds it (the grid package's
own functions; nothing is recomputed here). Any signed-in user may read them: a grid's cells
are scored on outer splits of the labelled training rows, never on a hidden test."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tiltyard.grid.records import GridNotFound, recorded_names, status_counts, stored_plan
from tiltyard.grid.report import build_report
from tiltyard.server.deps import CurrentUser
from tiltyard.server.errors import NotFound
from tiltyard.server.pages.rendering import render

router = APIRouter()


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
    counts = status_counts(plan)
    report = build_report(plan) if counts["done"] else None
    failed = []
    if report is not None:
        frame = report["frame"]
        failed = frame[frame["outcome"].notna() & (frame["outcome"] != "ok")].to_dict(orient="records")
    return render(request, "grid.html", {"name": name, "spec": plan.spec, "counts": counts, "report": report,
                                         "failed": failed})
