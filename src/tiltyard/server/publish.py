"""From stored rows to the API's public shapes (pages use the same ones)."""

from __future__ import annotations

import re

from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tiltyard.plugins import kind_of, primary_metric
from tiltyard.server import catalog
from tiltyard.server.access import teaches
from tiltyard.server.classes import competitions_of, state_of
from tiltyard.server.entries import COUNTED, Allowance
from tiltyard.server.leaderboards import Board
from tiltyard.server.models import Classroom, Competition, Entry, Membership, User, aware
from tiltyard.server.schemas import (
    AllowancePublic,
    BaselinePublic,
    ChallengePublic,
    ChallengeSummary,
    ClassPublic,
    ColumnPublic,
    CompetitionPublic,
    FilePublic,
    FormatPublic,
    LeaderboardPublic,
    LeaderboardRowPublic,
    SubmissionPublic,
)
from tiltyard.store import Submission


def challenge_summary(challenge_id: str) -> ChallengeSummary:
    manifest = catalog.bundle(challenge_id).manifest
    return ChallengeSummary(id=manifest.id, title=manifest.title, kind=manifest.kind,
                            summary=manifest.summary, difficulty=manifest.difficulty,
                            metric=manifest.metric.primary, direction=_direction(manifest))


def _direction(manifest) -> str:
    return primary_metric(manifest).direction


def challenge_public(challenge_id: str) -> ChallengePublic:
    bundle = catalog.bundle(challenge_id)
    manifest = bundle.manifest
    return ChallengePublic(
        **challenge_summary(challenge_id).model_dump(), brief_markdown=bundle.brief,
        columns=[ColumnPublic(name=c.name, type=str(c.type), description=c.description,
                              missing=c.missing, table=c.table) for c in manifest.columns],
        files=[FilePublic(path=f.path.removeprefix("public/"), bytes=f.bytes, sha256=f.sha256,
                          url=f"/api/v1/challenges/{manifest.id}/files/{f.path.removeprefix('public/')}")
               for f in manifest.files_with_role("public")],
        baselines=[BaselinePublic(name=b.name, description=b.description,
                                  public_score=b.public_score) for b in manifest.baselines],
        submissions_per_day=manifest.budget.submissions_per_day,
        formats=formats_public(challenge_id))


def formats_public(challenge_id: str) -> list[FormatPublic]:
    manifest = catalog.bundle(challenge_id).manifest
    return [FormatPublic(suffixes=list(f.suffixes), label=f.label, hint=f.hint, runs_code=f.runs_code)
            for f in kind_of(manifest).formats(manifest)]


def submission_public(row: Submission, entry: Entry, username: str) -> SubmissionPublic:
    return SubmissionPublic(
        id=row.id, challenge_id=row.challenge_id, competition_id=entry.competition_id,
        team_id=entry.team_id, username=username, filename=row.filename, sha256=row.sha256,
        size_bytes=row.size_bytes, status=row.status, submitted_at=aware(row.created_at),
        graded_at=aware(row.graded_at), public_score=row.public_score,
        final=entry.is_final if entry.competition_id else row.is_final,
        error_code=row.error_code, error_message=row.error_message)


def competition_public(competition: Competition) -> CompetitionPublic:
    return CompetitionPublic(
        id=competition.id, class_id=competition.class_id, challenge_id=competition.challenge_id,
        title=competition.title, slug=slug_of(competition.title),
        opens_at=aware(competition.opens_at),
        closes_at=aware(competition.closes_at), submissions_per_day=competition.submissions_per_day,
        max_team_size=competition.max_team_size, state=state_of(competition))


def slug_of(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def allowance_public(allowance: Allowance) -> AllowancePublic:
    return AllowancePublic(limit=allowance.limit, used_today=allowance.used,
                           left_today=allowance.left, resets_at=allowance.resets_at,
                           resets_in=allowance.resets_in, counted=COUNTED)


def class_public(session: Session, classroom: Classroom, viewer: User) -> ClassPublic:
    instructor = session.get(User, classroom.instructor_id)
    members = session.scalar(select(func.count()).select_from(Membership).where(
        Membership.class_id == classroom.id))
    return ClassPublic(id=classroom.id, name=classroom.name, instructor=instructor.username,
                       join_code=classroom.join_code if teaches(viewer, classroom) else None,
                       members=members,
                       competitions=[competition_public(c) for c in competitions_of(session, classroom)])


def leaderboard_response(board: Board) -> Response:
    """The board as the API's JSON, serialised once per board (a cached board is never changed,
    only replaced, and holds nothing per viewer)."""
    body = board.__dict__.get("_json")
    if body is None:
        body = board.__dict__["_json"] = leaderboard_public(board).model_dump_json().encode()
    return Response(body, media_type="application/json")


def leaderboard_public(board: Board) -> LeaderboardPublic:
    return LeaderboardPublic(
        challenge_id=board.challenge_id, competition_id=board.competition_id, title=board.title,
        metric=board.metric, direction=board.direction, scoring=board.scoring,
        rows=[LeaderboardRowPublic(rank=r.rank, who=r.who, baseline=r.baseline, score=r.score,
                                   public_score=r.public_score, private_score=r.private_score,
                                   submission_id=r.submission_id, submissions=r.submissions,
                                   final=r.final, final_changes=r.final_changes,
                                   submitted_at=aware(r.submitted_at), bundle_hash=r.bundle_hash)
              for r in board.rows])
