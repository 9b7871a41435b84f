"""The report page (with its charts) and the final choice."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse

from tiltyard.config import get_settings
from tiltyard.server import entries
from tiltyard.server.access import submission_artifact_for, submission_for
from tiltyard.server.charts import report_charts
from tiltyard.server.deps import CurrentUser, FormCsrf, SessionDep
from tiltyard.server.errors import NotFound
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


@router.get("/submissions/{submission_id}/artifacts/{name}", response_class=FileResponse)
def report_artifact(submission_id: int, name: str, user: CurrentUser, session: SessionDep):
    """A plot saved beside the report (a lab's exploration plot), for its maker, the class's
    instructor and admins."""
    row, _entry = submission_artifact_for(session, user, submission_id)
    artifacts = (row.report or {}).get("artifacts", {})
    path = Path(artifacts[name]).resolve() if name in artifacts else None
    reports = get_settings().reports_dir.resolve()
    if path is None or not path.is_relative_to(reports) or not path.is_file():
        raise NotFound(f"Submission {submission_id} has no {name!r}", expected="one of "
                       + (", ".join(sorted(artifacts)) or "nothing (this report saved no plots)"),
                       got=name, hint="Open the report page; it links the plots it has")
    return FileResponse(path)
