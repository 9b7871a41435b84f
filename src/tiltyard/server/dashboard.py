"""The instructor's view of a class: per learner and competition, how many submissions, the best
public score and the chosen final (with its private score); charts; grades as CSV.

"Submissions" counts scored (graded) submissions, as the leaderboard does; rejected files are
counted apart, in ``rejected``, since they cost no daily submission and have no score."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiltyard.grading.metrics import get_metric
from tiltyard.server import catalog
from tiltyard.server.classes import competitions_of, members_of, state_of
from tiltyard.server.leaderboards import Row, _preferred
from tiltyard.server.models import Classroom, Competition, Entry, TeamMember, User, aware
from tiltyard.store import Submission


@dataclass
class Standing:
    username: str
    submissions: int = 0  # scored, as on the leaderboard
    rejected: int = 0
    best_public: float | None = None
    final_public: float | None = None
    final_private: float | None = None
    chose_final: bool = False
    last_submitted_at: datetime | None = None


@dataclass
class CompetitionSummary:
    competition: Competition
    state: str
    metric: str
    direction: str
    standings: list[Standing]
    per_day: dict[str, int] = field(default_factory=dict)
    baselines: list[tuple[str, float]] = field(default_factory=list)


def competition_summary(session: Session, competition: Competition,
                        members: list[User]) -> CompetitionSummary:
    manifest = catalog.bundle(competition.challenge_id).manifest
    metric = get_metric(manifest.metric.primary)
    team_of_user = dict(session.execute(select(TeamMember.user_id, TeamMember.team_id).where(
        TeamMember.competition_id == competition.id)).all())
    by_entrant: dict[tuple, list[tuple]] = {}
    per_day: dict[str, int] = {}
    for user_id, team_id, is_final, status, public, private, created_at in session.execute(
            select(Entry.user_id, Entry.team_id, Entry.is_final, Submission.status,
                   Submission.public_score, Submission.private_score, Submission.created_at)
            .join(Submission, Submission.id == Entry.submission_id)
            .where(Entry.competition_id == competition.id)):
        key = ("team", team_id) if team_id else ("user", user_id)
        by_entrant.setdefault(key, []).append((is_final, status, public, private, created_at))
        if status == "graded":
            day = aware(created_at).date().isoformat()
            per_day[day] = per_day.get(day, 0) + 1
    standings = []
    for member in members:
        team_id = team_of_user.get(member.id)
        rows = by_entrant.get(("team", team_id) if team_id else ("user", member.id), [])
        standing = Standing(username=member.username,
                            submissions=sum(1 for row in rows if row[1] == "graded"),
                            rejected=sum(1 for row in rows if row[1] == "rejected"))
        chosen: Row | None = None
        for is_final, status, public, private, created_at in rows:
            standing.last_submitted_at = max(filter(None, [aware(standing.last_submitted_at),
                                                           aware(created_at)]))
            if status != "graded":
                continue
            candidate = Row(who=member.username, score=public, public_score=public,
                            private_score=private, submitted_at=created_at, final=is_final)
            if standing.best_public is None or metric.better(public, standing.best_public):
                standing.best_public = public
            if chosen is None or _preferred(candidate, chosen, metric):
                chosen = candidate
        if chosen is not None:
            standing.final_public, standing.final_private = chosen.public_score, chosen.private_score
            standing.chose_final = chosen.final
        standings.append(standing)
    return CompetitionSummary(competition=competition, state=state_of(competition),
                              metric=metric.name, direction=metric.direction,
                              standings=standings, per_day=dict(sorted(per_day.items())),
                              baselines=[(b.name, b.public_score) for b in manifest.baselines])


def class_summary(session: Session, classroom: Classroom) -> list[CompetitionSummary]:
    members = members_of(session, classroom)
    return [competition_summary(session, competition, members)
            for competition in competitions_of(session, classroom)]


def grades_csv(session: Session, classroom: Classroom) -> str:
    """One row per learner and competition, in the order a gradebook wants them."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "competition_id", "competition", "challenge_id", "metric",
                     "state", "submissions", "best_public", "final_public", "final_private",
                     "chose_final", "rejected"])
    for summary in class_summary(session, classroom):
        competition = summary.competition
        for s in summary.standings:
            writer.writerow([s.username, competition.id, competition.title,
                             competition.challenge_id, summary.metric, summary.state,
                             s.submissions, _num(s.best_public), _num(s.final_public),
                             _num(s.final_private), "yes" if s.chose_final else "no",
                             s.rejected])
    return out.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def charts(summary: CompetitionSummary) -> dict[str, dict]:
    """Vega-Lite specs: the distribution of best public scores (baselines as rules) and
    submissions per day."""
    scores = [{"username": s.username, "best_public": s.best_public}
              for s in summary.standings if s.best_public is not None]
    distribution = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"Best public {summary.metric} per learner", "width": 360, "height": 180,
        "layer": [
            {"data": {"values": scores}, "mark": "bar",
             "encoding": {"x": {"field": "best_public", "bin": {"maxbins": 15}, "type": "quantitative",
                                "title": summary.metric},
                          "y": {"aggregate": "count", "type": "quantitative", "title": "learners"}}},
            {"data": {"values": [{"name": n, "score": v} for n, v in summary.baselines]},
             "mark": {"type": "rule", "color": "#b45309", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "score", "type": "quantitative"},
                          "tooltip": [{"field": "name"}, {"field": "score"}]}},
        ],
    }
    per_day = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Scored submissions per day", "width": 360, "height": 140,
        "data": {"values": [{"day": d, "submissions": n} for d, n in summary.per_day.items()]},
        "mark": "bar",
        "encoding": {"x": {"field": "day", "type": "ordinal"},
                     "y": {"field": "submissions", "type": "quantitative"}},
    }
    return {"distribution": distribution, "per_day": per_day}


