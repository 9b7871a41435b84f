"""Classes (join codes), competitions (a challenge between two dates) and teams."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tiltyard.plugins import kind_of
from tiltyard.server import catalog
from tiltyard.server.access import class_challenge_ids
from tiltyard.server.bundle_uploads import owning_class
from tiltyard.server.errors import Conflict, InvalidInput, NotFound
from tiltyard.server.models import Classroom, Competition, Membership, Team, TeamMember, User, aware
from tiltyard.server.security import new_join_code


def create_class(session: Session, instructor: User, name: str) -> Classroom:
    classroom = Classroom(name=name.strip(), join_code=new_join_code(), instructor_id=instructor.id,
                          created_at=datetime.now(UTC))
    session.add(classroom)
    session.flush()
    return classroom


def join_class(session: Session, user: User, join_code: str) -> Classroom:
    code = join_code.strip().upper()
    classroom = session.scalar(select(Classroom).where(Classroom.join_code == code))
    if classroom is None:
        raise NotFound("No class has this join code", expected="the 8-letter code your "
                       "instructor shared", got=join_code, hint="Check it with your instructor")
    if session.scalar(select(Membership.id).where(Membership.class_id == classroom.id,
                                                  Membership.user_id == user.id)) is None:
        session.add(Membership(class_id=classroom.id, user_id=user.id,
                               joined_at=datetime.now(UTC)))
        session.flush()
    return classroom


def classes_of(session: Session, user: User) -> list[Classroom]:
    """Classes the user teaches or belongs to (every class for the admin)."""
    if user.is_admin:
        return list(session.scalars(select(Classroom).order_by(Classroom.id)))
    member_of = select(Membership.class_id).where(Membership.user_id == user.id)
    return list(session.scalars(select(Classroom).where(
        (Classroom.instructor_id == user.id) | Classroom.id.in_(member_of)).order_by(Classroom.id)))


def members_of(session: Session, classroom: Classroom) -> list[User]:
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.class_id == classroom.id).order_by(User.username)))


def create_competition(session: Session, classroom: Classroom, *, challenge_id: str,
                       title: str | None, opens_at: datetime, closes_at: datetime,
                       submissions_per_day: int | None, max_team_size: int) -> Competition:
    usable = class_challenge_ids(session, classroom)
    if challenge_id not in usable:
        owner = owning_class(session, challenge_id)
        if owner is not None and session.get(Classroom, owner).instructor_id == classroom.instructor_id:
            raise InvalidInput(f"{challenge_id} was uploaded by another class",
                               expected="a built-in challenge or one uploaded to this class",
                               got=f"a bundle of class {owner}",
                               hint="Upload the bundle to this class (or ask its instructor)")
        raise catalog.not_found(challenge_id, usable)  # another instructor's upload is unseen: 404
    manifest = catalog.bundle(challenge_id).manifest
    if not kind_of(manifest).formats(manifest):
        raise InvalidInput(f"{challenge_id} takes no submissions the arena can grade",
                           expected="a challenge whose kind grades uploaded files",
                           got=f"a {manifest.kind} challenge with no submission formats",
                           hint="Choose another challenge for the competition")
    opens_at, closes_at = aware(opens_at), aware(closes_at)
    if closes_at <= opens_at:
        raise InvalidInput("The competition closes before it opens",
                           expected="closes_at later than opens_at",
                           got=f"opens {opens_at.isoformat()}, closes {closes_at.isoformat()}",
                           hint="Swap or fix the dates")
    competition = Competition(class_id=classroom.id, challenge_id=manifest.id,
                              title=(title or manifest.title).strip(), opens_at=opens_at,
                              closes_at=closes_at,
                              submissions_per_day=submissions_per_day or manifest.budget.submissions_per_day,
                              max_team_size=max_team_size, created_at=datetime.now(UTC))
    session.add(competition)
    session.flush()
    return competition


def competitions_of(session: Session, classroom: Classroom) -> list[Competition]:
    return list(session.scalars(select(Competition).where(
        Competition.class_id == classroom.id).order_by(Competition.opens_at, Competition.id)))


def state_of(competition: Competition, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if competition.is_closed(now):
        return "closed"
    return "open" if competition.is_open(now) else "upcoming"


def team_of(session: Session, competition: Competition, user: User) -> Team | None:
    return session.scalar(select(Team).join(TeamMember, TeamMember.team_id == Team.id).where(
        TeamMember.competition_id == competition.id, TeamMember.user_id == user.id))


def teams_of(session: Session, competition: Competition) -> list[tuple[Team, list[str]]]:
    teams = list(session.scalars(select(Team).where(Team.competition_id == competition.id)
                                 .order_by(Team.name)))
    members: dict[int, list[str]] = {team.id: [] for team in teams}
    for team_id, username in session.execute(
            select(TeamMember.team_id, User.username).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.competition_id == competition.id).order_by(User.username)):
        members[team_id].append(username)
    return [(team, members[team.id]) for team in teams]


def _check_team_allowed(session: Session, competition: Competition, user: User) -> None:
    if competition.max_team_size < 2:
        raise InvalidInput("This competition is individual", expected="a competition with "
                           "max_team_size of 2 or more", got=f"max_team_size "
                           f"{competition.max_team_size}", hint="Submit on your own")
    if team_of(session, competition, user) is not None:
        raise Conflict("You are already in a team for this competition",
                       expected="no team yet", got="a team", hint="One team per competition")
    if competition.is_closed(datetime.now(UTC)):
        raise Conflict("This competition has closed", expected="an open competition",
                       got="closed", hint="Teams are fixed once it closes")


def create_team(session: Session, competition: Competition, user: User, name: str) -> Team:
    _check_team_allowed(session, competition, user)
    name = name.strip()
    if session.scalar(select(Team.id).where(Team.competition_id == competition.id,
                                            Team.name == name)) is not None:
        raise Conflict(f"A team is already called {name!r}", expected="a new team name",
                       got=name, hint="Pick another name, or join that team")
    team = Team(competition_id=competition.id, name=name, created_at=datetime.now(UTC))
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, competition_id=competition.id, user_id=user.id))
    session.flush()
    return team


def join_team(session: Session, competition: Competition, user: User, team_id: int) -> Team:
    team = session.get(Team, team_id)
    if team is None or team.competition_id != competition.id:
        raise NotFound(f"There is no team {team_id} in this competition",
                       expected="a team id listed on the competition", got=str(team_id),
                       hint="GET /api/v1/competitions/{id}/teams lists them")
    _check_team_allowed(session, competition, user)
    size = session.scalar(select(func.count()).select_from(TeamMember).where(
        TeamMember.team_id == team.id))
    if size >= competition.max_team_size:
        raise Conflict(f"Team {team.name!r} is full", expected=f"fewer than "
                       f"{competition.max_team_size} members", got=f"{size} members",
                       hint="Join another team or start your own")
    session.add(TeamMember(team_id=team.id, competition_id=competition.id, user_id=user.id))
    session.flush()
    return team
