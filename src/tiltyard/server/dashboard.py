"""The instructor's view of a class: per learner and competition, how many submissions, the best
public score and the chosen final (with its private score); charts; grades as CSV.

"Submissions" counts scored (graded) submissions, as the leaderboard does; rejected files are
counted apart, in ``rejected``, since they cost no daily submission and have no score."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiltyard.core import FIT_WIDTH, VEGA_LITE_SCHEMA
from tiltyard.plugins import primary_metric
from tiltyard.server import catalog
from tiltyard.server.charts import SCORE_FORMAT, score_axis
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
    metric = primary_metric(manifest)
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
    per_day = {
        "$schema": VEGA_LITE_SCHEMA, "title": "Scored submissions per day", **FIT_WIDTH, "height": 140,
        "data": {"values": [{"day": d, "submissions": n} for d, n in summary.per_day.items()]},
        "mark": {"type": "bar", "stroke": "white"},
        "encoding": {"x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate",
                           "title": None, "axis": {"format": "%b %d", "formatType": "utc", "labelAngle": 0},
                           **_days_of(summary.competition)},
                     "y": {"field": "submissions", "type": "quantitative",
                           **count_axis(max(summary.per_day.values(), default=0))}},
    }
    return {"distribution": distribution_chart(summary), "per_day": per_day}


def _days_of(competition: Competition | None) -> dict:
    """The competition's days as the axis (one day's bar is a day wide, not the whole chart)."""
    if competition is None:
        return {}
    first = aware(competition.opens_at).replace(hour=0, minute=0, second=0, microsecond=0)
    last = aware(competition.closes_at)
    return {"scale": {"domain": [first.timestamp() * 1000, last.timestamp() * 1000]}}


def distribution_chart(summary: CompetitionSummary) -> dict:
    """Learners per bin of best public score, the bins a round width fitted to the scores (a
    handful of learners gets a handful of bars, not 15 slivers), and each baseline a rule."""
    scores = [s.best_public for s in summary.standings if s.best_public is not None]
    baselines = [{"baseline": n, "score": v} for n, v in summary.baselines if v is not None]
    bins = score_bins(scores)
    x = {"type": "quantitative", "title": f"best public {summary.metric}",
         **score_axis(scores + [b["score"] for b in baselines]
                      + [edge for b in bins for edge in (b["from"], b["to"])])}
    return {
        "$schema": VEGA_LITE_SCHEMA, "title": f"Best public {summary.metric} per learner", **FIT_WIDTH,
        "height": 180,
        "layer": [
            {"data": {"values": bins}, "mark": {"type": "bar", "color": "#60a5fa",
                                                "stroke": "#1d4ed8", "strokeWidth": 1},
             "encoding": {"x": {"field": "from", **x}, "x2": {"field": "to"},
                          "y": {"field": "learners", "type": "quantitative", "title": "learners",
                                **count_axis(max((b["learners"] for b in bins), default=0))},
                          "y2": {"datum": 0},
                          "tooltip": [{"field": "range", "title": summary.metric},
                                      {"field": "learners"}]}},
            {"data": {"values": baselines},
             "mark": {"type": "rule", "strokeDash": [4, 3], "strokeWidth": 2},
             "encoding": {"x": {"field": "score", **x},
                          "color": {"field": "baseline", "type": "nominal",
                                    "scale": {"scheme": "dark2"}, "legend": {"orient": "bottom"}},
                          "tooltip": [{"field": "baseline"},
                                      {"field": "score", "format": SCORE_FORMAT}]}},
        ],
    }


def count_axis(most: int) -> dict:
    """An axis of whole counts from 0 (Vega's own ticks would label 0.5 as "1" too)."""
    step = next(m for m in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if m * 5 >= most) \
        if most <= 5000 else math.ceil(most / 5)
    top = max(1, math.ceil(most / step) * step)
    return {"scale": {"domain": [0, top]},
            "axis": {"values": list(range(0, top + 1, step)), "format": "d"}}


def score_bins(scores: list[float], most: int = 10) -> list[dict]:
    """Bins of a round width (1, 2 or 5 times a power of ten), about sqrt(n) of them."""
    if not scores:
        return []
    low, high = min(scores), max(scores)
    wanted = max(1, min(most, math.ceil(math.sqrt(len(scores)))))
    raw = (high - low) / wanted or max(abs(low) * 0.02, 1e-3)
    power = 10.0 ** math.floor(math.log10(raw))
    width = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / width) * width
    count = max(1, math.floor((high - start) / width) + 1)
    counts = [0] * count
    for score in scores:
        counts[min(count - 1, int((score - start) / width + 1e-9))] += 1
    decimals = max(0, -math.floor(math.log10(width)))
    edges = [round(start + i * width, decimals + 2) for i in range(count + 1)]
    return [{"from": edges[i], "to": edges[i + 1], "learners": n,
             "range": f"{edges[i]:.{decimals}f} to {edges[i + 1]:.{decimals}f}"}
            for i, n in enumerate(counts)]
