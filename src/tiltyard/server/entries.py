"""Submissions made through the arena: limits, storing, final choices, and the report each
viewer may see. Storing and grading are the spine's (``tiltyard.submissions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer
from starlette.concurrency import run_in_threadpool

from tiltyard.challenges.manifest import Manifest
from tiltyard.errors import SubmissionError
from tiltyard.plugins import kind_of
from tiltyard.report import Report
from tiltyard.server import catalog
from tiltyard.server.access import challenge_for, teaches
from tiltyard.server.classes import team_of
from tiltyard.server.errors import Conflict, Forbidden, InvalidInput, RateLimited, in_words
from tiltyard.server.grading import enqueue_grading, forget_grades_version, note_grades_changed
from tiltyard.server.models import Classroom, Competition, Entry, TeamMember, User, aware
from tiltyard.store import Submission
from tiltyard.store.counters import take_turn
from tiltyard.submissions import choose_final, learner_report, received_row, with_earlier_grades


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


# What uses a daily submission, said once and shown wherever the allowance is.
COUNTED = ("submissions received today (UTC) that were scored or are waiting for the grader; "
           "a rejected file (invalid, or code that failed) is stored with its reason and costs "
           "nothing")


@dataclass
class Allowance:
    """A learner's (or team's) daily submissions to a practice board or a competition."""
    limit: int
    used: int
    resets_at: datetime
    now: datetime

    @property
    def left(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def resets_in(self) -> str:
        return in_words((self.resets_at - self.now).total_seconds())


LOOK_UP = -1  # daily_allowance's team_id when the caller does not know the viewer's team


def daily_allowance(session: Session, user: User, challenge_id: str,
                    competition: Competition | None = None, *, team_id: int | None = LOOK_UP,
                    practice_limit: int | None = None, now: datetime | None = None) -> Allowance:
    """How many of today's submissions are used and left (see ``COUNTED``). In a competition a
    team shares one allowance, as on the leaderboard it is one entrant (``team_id``: the
    viewer's team, None for none, looked up if not given)."""
    now = now or datetime.now(UTC)
    since = start_of_day(now)
    query = (select(func.count()).select_from(Entry)
             .join(Submission, Submission.id == Entry.submission_id)
             .where(Entry.created_at >= since, Submission.status != "rejected"))
    if competition is None:
        limit = practice_limit or catalog.bundle(challenge_id).manifest.budget.submissions_per_day
        query = query.where(Entry.competition_id.is_(None), Entry.challenge_id == challenge_id,
                            Entry.user_id == user.id)
    else:
        limit = competition.submissions_per_day
        if team_id == LOOK_UP:
            team = team_of(session, competition, user)
            team_id = team.id if team else None
        query = query.where(Entry.competition_id == competition.id)
        query = query.where(Entry.team_id == team_id) if team_id else \
            query.where(Entry.user_id == user.id)
    return Allowance(limit=limit, used=session.scalar(query), resets_at=since + timedelta(days=1),
                     now=now)


def _check_daily_limit(session: Session, user: User, challenge_id: str,
                       competition: Competition | None, team_id: int | None,
                       practice_limit: int | None, now: datetime) -> None:
    allowance = daily_allowance(session, user, challenge_id, competition, team_id=team_id,
                                practice_limit=practice_limit, now=now)
    if allowance.left:
        return
    where = f" for {competition.title}" if competition else f" to {challenge_id}"
    raise RateLimited(
        f"You have used today's {allowance.limit} submissions{where}",
        retry_after=(allowance.resets_at - now).total_seconds(),
        expected=f"at most {allowance.limit} a day (UTC), counting {COUNTED}",
        got=f"{allowance.used} today",
        hint=f"The allowance resets at 00:00 UTC, in {allowance.resets_in}. Meanwhile, "
             "improve your model locally; choose your final among the scores you have")


def submit(session: Session, user: User, challenge_id: str, upload: Path, filename: str, *,
           competition: Competition | None = None, practice_limit: int | None = None) -> Entry:
    """Check the limits, store the file and its row, record who and where, and enqueue its
    grading (a worker process grades it)."""
    now = datetime.now(UTC)
    # A practice submission needs a challenge the learner may see; a competition's is its class's.
    manifest = (catalog.bundle(challenge_id) if competition is not None
                else challenge_for(session, user, challenge_id)).manifest
    check_kind_of_file(manifest, filename)
    team_id = None
    if competition is not None:
        if not competition.is_open(now):
            state = "closed" if competition.is_closed(now) else "not open yet"
            raise Forbidden(f"{competition.title} is {state}", expected="a submission between "
                            f"{aware(competition.opens_at).isoformat()} and "
                            f"{aware(competition.closes_at).isoformat()}", got=now.isoformat(),
                            hint="Practice on the challenge page meanwhile")
        team = team_of(session, competition, user)
        team_id = team.id if team else None
    # Refused early, before the file is hashed and stored; checked again below, in turn.
    _check_daily_limit(session, user, manifest.id, competition, team_id, practice_limit, now)
    session.commit()
    row = received_row(manifest.id, upload, owner=user.username, filename=filename)
    try:
        # Count and insert in one transaction, one upload of this entrant at a time: without
        # the turn, two uploads at once both count "one left" and both go in.
        take_turn(session, f"daily:team:{team_id}" if team_id else f"daily:user:{user.id}")
        _check_daily_limit(session, user, manifest.id, competition, team_id, practice_limit,
                           now)
        session.add(row)
        session.flush()
        submission_id = row.id
        entry = Entry(submission_id=submission_id, user_id=user.id, challenge_id=manifest.id,
                      competition_id=competition.id if competition else None, team_id=team_id,
                      is_final=False, created_at=now)
        session.add(entry)
        enqueue_grading(submission_id, session)  # the job goes in with the entry, or neither
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return entry


async def submit_off_loop(*args, **kwargs) -> Entry:
    """``submit`` from an async route: hashing, copying and the database writes run in the
    thread pool, so pages keep being served while uploads arrive."""
    return await run_in_threadpool(submit, *args, **kwargs)


def check_kind_of_file(manifest: Manifest, filename: str) -> None:
    """Refuse, before storing, a file the challenge's kind does not grade."""
    try:
        kind_of(manifest).format_for(manifest, filename)
    except SubmissionError as error:
        raise InvalidInput(error.message, expected=error.expected, got=error.got,
                           hint=error.hint) from None


def choose_final_entry(session: Session, user: User, row: Submission, entry: Entry) -> Entry:
    """Practice: the spine's final choice (reveals the private score). Competition: one final
    per entrant (the team, or the learner alone), counted once the competition closes."""
    in_team = entry.team_id is not None and session.scalar(select(TeamMember.id).where(
        TeamMember.team_id == entry.team_id, TeamMember.user_id == user.id)) is not None
    if entry.user_id != user.id and not in_team:
        raise Forbidden("Only its maker can choose this submission as final",
                        expected="your own submission", got=f"submission {row.id}")
    if row.status != "graded":
        raise Conflict(f"Submission {row.id} is {row.status}, not graded",
                       expected="a graded submission", got=row.status,
                       hint="Choose one that has a score")
    if entry.competition_id is None:
        session.commit()
        choose_final(row.challenge_id, row.id, owner=row.owner)  # stamps the boards itself
        forget_grades_version()
        return entry
    competition = session.get(Competition, entry.competition_id)
    if competition.is_closed(datetime.now(UTC)):
        raise Conflict(f"{competition.title} has closed", expected="an open competition",
                       got="closed", hint="Final choices are fixed when it closes")
    same_entrant = (Entry.team_id == entry.team_id) if entry.team_id else \
        ((Entry.user_id == entry.user_id) & Entry.team_id.is_(None))
    session.execute(update(Entry).where(Entry.competition_id == competition.id, same_entrant)
                    .values(is_final=False))
    entry.is_final = True
    note_grades_changed(session)  # the entrant's row on cached competition boards changes
    session.commit()
    return entry


def report_for(session: Session, row: Submission, entry: Entry, viewer: User) -> Report | None:
    """The report as ``viewer`` may see it: private scores once final (practice) or once the
    competition has closed; the instructor and admin see them as soon as graded."""
    if row.report is None:
        return None
    if entry.competition_id is None:
        return _served(learner_report(row), row.id)
    report = Report.model_validate(row.report)
    report.final = entry.is_final
    competition = session.get(Competition, entry.competition_id)
    classroom = session.get(Classroom, competition.class_id)
    sees_private = teaches(viewer, classroom) or competition.is_closed(datetime.now(UTC))
    with_earlier_grades(session, report, row.id, show_private=sees_private)
    if not sees_private:
        report = report.without_private()
    else:
        manifest = catalog.bundle(row.challenge_id).manifest
        for rung in report.ladder:
            rung.private_score = manifest.baseline(rung.name).private_score
    return _served(report, row.id)


def _served(report: Report, submission_id: int) -> Report:
    """Artifacts as this server's URLs: a report never shows the server's file paths."""
    report.artifacts = {name: f"/submissions/{submission_id}/artifacts/{name}" for name in report.artifacts}
    return report


def entries_of(session: Session, user: User, challenge_id: str | None = None,
               competition_id: int | None = None) -> list[tuple[Submission, Entry]]:
    # The lists show no report: its JSON (the largest column) stays unread.
    query = select(Submission, Entry).join(Entry, Entry.submission_id == Submission.id).where(
        Entry.user_id == user.id).order_by(Submission.id.desc()).options(defer(Submission.report))
    if challenge_id:
        query = query.where(Entry.challenge_id == challenge_id)
    if competition_id:
        query = query.where(Entry.competition_id == competition_id)
    return [(row, entry) for row, entry in session.execute(query).all()]
