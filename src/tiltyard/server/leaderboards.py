"""Leaderboards. Practice: each learner's best public score on a challenge. Competition: one
row per entrant (team, or learner alone) for the submission they chose as final (their best
public one if they chose none); public scores while it is open, private once it closes.
Baselines are always rows. Ties go to the earlier submission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from tiltyard.config import get_settings
from tiltyard.plugins import primary_metric
from tiltyard.server import catalog
from tiltyard.server.grading import grades_version
from tiltyard.server.kept import Kept
from tiltyard.server.models import Competition, Entry, Team, User, aware
from tiltyard.server.threads import in_thread
from tiltyard.store import Submission, open_session

_EPOCH = datetime.min.replace(tzinfo=UTC)
# Boards are cached between grades and final choices: every process on the store, whoever
# graded (its own workers, another server's, a `tiltyard worker` elsewhere), sees the store's
# grades stamp change (see grading.grades_version).


@dataclass
class Row:
    who: str
    score: float
    public_score: float
    private_score: float | None
    submitted_at: datetime | None
    submission_id: int | None = None
    baseline: bool = False
    final: bool = False
    submissions: int = 0  # scored ones: a rejected file has no score and uses no allowance
    final_changes: int = 0  # practice: times the final was changed (each revealed a score)
    bundle_hash: str = ""  # the bundle this score came from (a regrade changes it)
    rank: int = 0


@dataclass
class Board:
    challenge_id: str
    title: str
    metric: str
    direction: str
    scoring: str  # "public" or "private"
    rows: list[Row]
    competition_id: int | None = None


def _ranked(rows: list[Row], metric) -> list[Row]:
    rows.sort(key=lambda r: (metric.sort_key(r.score), aware(r.submitted_at) or _EPOCH))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows


def _baselines(bundle, scoring: str) -> list[Row]:
    return [Row(who=f"baseline: {b.name}", score=b.private_score if scoring == "private"
                else b.public_score, public_score=b.public_score,
                private_score=b.private_score if scoring == "private" else None,
                submitted_at=None, baseline=True, bundle_hash=bundle.hash)
            for b in bundle.manifest.baselines]


# Keyed by ("practice", challenge id) or ("competition", id, challenge id, scoring). A board
# holds nothing per viewer (the page marks the viewer's own row), and the routes check that
# the viewer may see the competition before asking for its board.
_boards: Kept[Board] = Kept()


def _through_cache(session: Session, key: tuple, bundle, compute) -> Board:
    """The board kept under ``key`` for this store and bundle, or ``compute()`` kept there
    (see server/kept.py). The grades stamp is read before the rows, so a grade recorded in
    between leaves the board lagging, to be computed again."""
    return _boards.get(key, _shown(bundle), grades_version(session), compute)


def _shown(bundle) -> tuple:
    settings = get_settings()
    return settings.resolved_database_url, str(settings.home), bundle.hash


def practice_board(session: Session, challenge_id: str) -> Board:
    """The practice board, cached between grades; while grades pour in it is recomputed at
    most every ``leaderboard_refresh_seconds``. Callers only read it."""
    bundle = catalog.bundle(challenge_id)
    return _through_cache(session, ("practice", bundle.manifest.id), bundle,
                          lambda: _practice_board(session, bundle))


async def practice_board_async(challenge_id: str) -> Board:
    """``practice_board`` for async routes: a cached board costs no database session and no
    thread hop; a stale one is computed in the thread pool."""
    bundle = catalog.bundle(challenge_id)
    board = _boards.peek(("practice", bundle.manifest.id), _shown(bundle), grades_version())
    if board is not None:
        return board

    def compute() -> Board:
        with open_session() as session:
            return practice_board(session, challenge_id)

    return await in_thread(compute)


def competition_board(session: Session, competition: Competition,
                      now: datetime | None = None) -> Board:
    """The competition's board, cached like practice boards (between grades and final choices)
    and apart for public and private scoring, so the board turns private the moment the
    competition closes. Call it only for a viewer who may see the competition."""
    now = now or datetime.now(UTC)
    bundle = catalog.bundle(competition.challenge_id)
    scoring = "private" if competition.is_closed(now) else "public"
    key = ("competition", competition.id, competition.challenge_id, scoring)
    return _through_cache(session, key, bundle,
                          lambda: _competition_board(session, competition, scoring))


def _best_first(metric, score):
    """Best first, and a missing score last on every database (SQLite and PostgreSQL differ)."""
    return (score.desc() if metric.direction == "maximize" else score.asc()).nulls_last()


def _chosen(query, entrant: tuple, order: tuple):
    """``query``'s rows, one per entrant: the first in ``order`` (the earlier submission on a
    tie), with the entrant's count of rows and of revealed finals. Chosen in the database, so a
    board over a class's thousands of submissions costs a row per entrant in Python (46 ms
    for 3,500 submissions row by row, 26 ms this way, on this machine's store from
    benchmarks/server.py)."""
    ranked = query.add_columns(
        func.row_number().over(partition_by=entrant, order_by=(
            *order, Submission.created_at, Submission.id)).label("place"),
        func.count().over(partition_by=entrant).label("counted"),
        func.count(Submission.final_revealed_at).over(partition_by=entrant).label("revealed"),
    ).subquery()
    return select(ranked).where(ranked.c.place == 1)


def _practice_board(session: Session, bundle) -> Board:
    manifest = bundle.manifest
    metric = primary_metric(manifest)
    query = (select(User.username, Submission.id, Submission.public_score, Submission.created_at,
                    Submission.bundle_hash)
             .join(Entry, Entry.submission_id == Submission.id)
             .join(User, User.id == Entry.user_id)
             .where(Entry.challenge_id == manifest.id, Entry.competition_id.is_(None),
                    Submission.status == "graded"))
    best = [Row(who=username, score=score, public_score=score, private_score=None,
                submitted_at=created_at, submission_id=submission_id, bundle_hash=bundle_hash,
                submissions=counted, final_changes=max(0, revealed - 1))
            for username, submission_id, score, created_at, bundle_hash, _, counted, revealed
            in session.execute(_chosen(query, (Entry.user_id,),
                                       (_best_first(metric, Submission.public_score),)))]
    rows = _ranked(best + _baselines(bundle, "public"), metric)
    return Board(challenge_id=manifest.id, title=manifest.title, metric=metric.name,
                 direction=metric.direction, scoring="public", rows=rows)


def _competition_board(session: Session, competition: Competition, scoring: str) -> Board:
    """One row per entrant: its final choice, or without one its best public score (earlier on
    a tie) — chosen on public scores, as the entrant could see nothing else when choosing."""
    bundle = catalog.bundle(competition.challenge_id)
    manifest = bundle.manifest
    metric = primary_metric(manifest)
    team_names = dict(session.execute(select(Team.id, Team.name).where(
        Team.competition_id == competition.id)).all())
    query = (select(User.username, Entry.team_id, Entry.is_final, Submission.id,
                    Submission.public_score, Submission.private_score, Submission.created_at,
                    Submission.bundle_hash)
             .join(Entry, Entry.submission_id == Submission.id)
             .join(User, User.id == Entry.user_id)
             .where(Entry.competition_id == competition.id, Submission.status == "graded"))
    alone = case((Entry.team_id.is_(None), Entry.user_id))  # a team's members are one entrant
    private = scoring == "private"
    chosen = [Row(who=f"team: {team_names[team_id]}" if team_id else username,
                  score=private_score if private else public_score, public_score=public_score,
                  private_score=private_score if private else None, submitted_at=created_at,
                  submission_id=submission_id, final=is_final, bundle_hash=bundle_hash,
                  submissions=counted)
              for (username, team_id, is_final, submission_id, public_score, private_score,
                   created_at, bundle_hash, _, counted, _) in session.execute(_chosen(
                      query, (Entry.team_id, alone),
                      (Entry.is_final.desc(), _best_first(metric, Submission.public_score))))]
    rows = _ranked(chosen + _baselines(bundle, scoring), metric)
    return Board(challenge_id=manifest.id, title=competition.title, metric=metric.name,
                 direction=metric.direction, scoring=scoring, rows=rows,
                 competition_id=competition.id)


def _preferred(candidate: Row, current: Row, metric) -> bool:
    """The entrant's row that a competition board shows, as ``_competition_board`` chooses it
    in the database: the final choice wins; without one, the best public score (earlier on a
    tie)."""
    if candidate.final != current.final:
        return candidate.final
    if candidate.public_score != current.public_score:
        return metric.better(candidate.public_score, current.public_score)
    return aware(candidate.submitted_at) < aware(current.submitted_at)
