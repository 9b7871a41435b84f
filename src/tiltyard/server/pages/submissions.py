"""The report page (with its charts) and the final choice."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from tiltyard.server import entries
from tiltyard.server.access import submission_for
from tiltyard.server.charts import report_charts
from tiltyard.server.deps import CurrentUser, FormCsrf, SessionDep
from tiltyard.server.models import Competition, User
from tiltyard.server.pages.rendering import render

router = APIRouter()


def _context(session, user, submission_id: int) -> dict:
    row, entry = submission_for(session, user, submission_id)
    report = entries.report_for(session, row, entry, user)
    history = [r for r, e in entries.entries_of(session, session.get(User, entry.user_id),
                                                row.challenge_id)
               if e.competition_id == entry.competition_id]
    return {"row": row, "entry": entry, "report": report,
            "maker": session.get(User, entry.user_id).username,
            "competition": session.get(Competition, entry.competition_id)
            if entry.competition_id else None,
            "charts": report_charts(report, history) if report else {},
            "may_choose": row.status == "graded" and (entry.user_id == user.id
                                                       or entry.team_id is not None)}


@router.get("/submissions/{submission_id}")
def report_page(request: Request, submission_id: int, user: CurrentUser, session: SessionDep):
    return render(request, "report.html", _context(session, user, submission_id))


@router.get("/submissions/{submission_id}/status")
def report_status(request: Request, submission_id: int, user: CurrentUser, session: SessionDep):
    """The HTMX fragment polled while grading; once graded it tells the page to reload."""
    context = _context(session, user, submission_id)
    response = render(request, "_status.html", context)
    if context["row"].status != "received":
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/submissions/{submission_id}/final", dependencies=[FormCsrf])
def choose_final(request: Request, submission_id: int, user: CurrentUser, session: SessionDep):
    row, entry = submission_for(session, user, submission_id)
    entries.choose_final_entry(session, user, row, entry)
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)
