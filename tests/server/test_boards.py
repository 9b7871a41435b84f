"""Boards choose each entrant's row in the database (leaderboards._chosen). They must equal a
row-by-row reduction of the same stored grades: teams count as one entrant, a final choice
wins, otherwise the best public score, and on a tie the earlier submission."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

import pytest
from arena_helpers import CHALLENGE

from tiltyard.server import leaderboards
from tiltyard.server.models import Classroom, Competition, Entry, Team, TeamMember, User
from tiltyard.store import Submission, session_scope

START = datetime(2026, 11, 1, tzinfo=UTC)


def _fill(seed: int) -> int:
    """Ten learners (two teams of two among them), 400 practice and 400 competition
    submissions with few distinct scores and times, so ties are everywhere. Returns the
    competition's id."""
    rng = random.Random(seed)
    with session_scope() as session:
        users = [User(username=f"u{n}", password_hash="-") for n in range(10)]
        session.add_all(users)
        session.flush()
        classroom = Classroom(name="c", join_code=f"code{seed}", instructor_id=users[0].id)
        session.add(classroom)
        session.flush()
        competition = Competition(class_id=classroom.id, challenge_id=CHALLENGE, title="t",
                                  opens_at=START, closes_at=START + timedelta(days=60),
                                  submissions_per_day=1000, max_team_size=2)
        session.add(competition)
        session.flush()
        teams = [Team(competition_id=competition.id, name=f"team{n}") for n in range(2)]
        session.add_all(teams)
        session.flush()
        team_of = {users[0].id: teams[0].id, users[1].id: teams[0].id,
                   users[2].id: teams[1].id, users[3].id: teams[1].id}
        session.add_all(TeamMember(team_id=team, competition_id=competition.id, user_id=user)
                        for user, team in team_of.items())
        for n in range(800):
            user = rng.choice(users)
            in_competition = n % 2 == 0
            status = rng.choice(["graded"] * 5 + ["rejected"])
            graded = status == "graded"
            submission = Submission(
                challenge_id=CHALLENGE, bundle_hash="h", owner=user.username, filename="p.csv",
                sha256="0" * 64, stored_path="-", size_bytes=1, status=status,
                created_at=START + timedelta(minutes=rng.randrange(30)),
                public_score=rng.choice([0.7, 0.75, 0.8]) if graded else None,
                private_score=rng.choice([0.71, 0.76]) if graded else None,
                final_revealed_at=START if not in_competition and rng.random() < 0.1 else None)
            session.add(submission)
            session.flush()
            session.add(Entry(
                submission_id=submission.id, user_id=user.id, challenge_id=CHALLENGE,
                competition_id=competition.id if in_competition else None,
                team_id=team_of.get(user.id) if in_competition else None,
                is_final=in_competition and rng.random() < 0.03))
        return competition.id


def _reduced(session, competition_id: int | None, metric) -> dict[str, tuple]:
    """Each entrant's row, one stored submission at a time in id order (so of two at the
    same time and score, the first stored)."""
    from sqlalchemy import select

    names = dict(session.execute(select(Team.id, Team.name)).all())
    chosen: dict[str, tuple] = {}
    counts: dict[str, int] = {}
    revealed: dict[str, int] = {}
    for entry, submission, username in session.execute(
            select(Entry, Submission, User.username)
            .join(Submission, Submission.id == Entry.submission_id)
            .join(User, User.id == Entry.user_id).order_by(Submission.id)):
        if entry.competition_id != competition_id or submission.status != "graded":
            continue
        who = f"team: {names[entry.team_id]}" if entry.team_id else username
        counts[who] = counts.get(who, 0) + 1
        revealed[who] = revealed.get(who, 0) + (submission.final_revealed_at is not None)
        final = entry.is_final if competition_id else False
        current = chosen.get(who)
        candidate = (submission.id, final, submission.public_score, submission.created_at)
        if current is None or (final and not current[1]) or final == current[1] and (
                metric.better(candidate[2], current[2]) or
                candidate[2] == current[2] and candidate[3] < current[3]):
            chosen[who] = candidate
    return {who: (row[0], counts[who], max(0, revealed[who] - 1)) for who, row in chosen.items()}


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_boards_equal_a_row_by_row_reduction(arena_home, titanic_bundle, monkeypatch,
                                             direction):
    metric = dataclasses.replace(leaderboards.primary_metric(titanic_bundle.manifest),
                                 direction=direction)
    monkeypatch.setattr(leaderboards, "primary_metric", lambda manifest: metric)
    competition_id = _fill(seed=len(direction))
    with session_scope() as session:
        competition = session.get(Competition, competition_id)
        boards = {None: leaderboards._practice_board(session, titanic_bundle),
                  competition_id: leaderboards._competition_board(session, competition,
                                                                  "public")}
        for where, board in boards.items():
            expected = _reduced(session, where, metric)
            shown = {row.who: (row.submission_id, row.submissions,
                               row.final_changes if where is None else 0)
                     for row in board.rows if not row.baseline}
            if where is not None:
                expected = {who: value[:2] + (0,) for who, value in expected.items()}
            assert shown == expected
            assert {"team: team0", "team: team1"} <= set(shown) or where is None
            scores = [row.score for row in board.rows]
            assert scores == sorted(scores, reverse=direction == "maximize")
