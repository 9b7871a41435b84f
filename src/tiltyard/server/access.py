"""Who may see what. Every lookup of a class, competition, submission or uploaded challenge goes
through here, and anything a viewer may not see is reported as missing (404), so ids do not leak
existence. A challenge a class uploaded is seen by that class alone (its members, its instructor,
admins); the arena's built-ins by everyone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tiltyard.challenges.bundle import Bundle
from tiltyard.server import catalog
from tiltyard.server.bundle_uploads import is_uploaded
from tiltyard.server.errors import NotFound
from tiltyard.server.models import ArenaBundle, Classroom, Competition, Entry, Membership, Team, TeamMember, User
from tiltyard.server.threads import in_thread
from tiltyard.store import Submission, open_session
from tiltyard.store.counters import Counter
from tiltyard.submissions import GRADES_STAMP


def _missing(kind: str, ident: int, listed_by: str) -> NotFound:
    return NotFound(f"There is no {kind} {ident} that you can see",
                    expected=f"the id of a {kind} listed by {listed_by}", got=str(ident),
                    hint="Sign in as a member, or check the id")


def is_member(session: Session, user: User, class_id: int) -> bool:
    return session.scalar(select(Membership.id).where(
        Membership.class_id == class_id, Membership.user_id == user.id)) is not None


def teaches(user: User, classroom: Classroom) -> bool:
    return user.is_admin or classroom.instructor_id == user.id


def class_for(session: Session, viewer: User, class_id: int, *, manage: bool = False) -> Classroom:
    """The class, if ``viewer`` teaches it (or is admin) or, unless ``manage``, belongs to it."""
    classroom = session.get(Classroom, class_id)
    if classroom is not None and (teaches(viewer, classroom) or
                                  (not manage and is_member(session, viewer, class_id))):
        return classroom
    raise _missing("class", class_id, "GET /api/v1/classes")


@dataclass(frozen=True)
class CompetitionChanges:
    """Where the store stands on what others change on a competition's page: the grades stamp
    (grades, final choices, regrades), the count and newest id of the viewer's entries and of
    their team's (the page lists the one and counts the other against the daily allowance;
    others' entries reach it only through the board, as grades), and of its teams and their
    members. Equal values mean an unchanged page, whichever process (on
    whichever machine) wrote."""

    grades: int
    entries: tuple[int, int | None, int, int | None]
    teams: tuple[int, int | None, int, int | None]


def _count_and_newest(column, where) -> tuple:
    return (select(func.count(column)).where(where).scalar_subquery(),
            select(func.max(column)).where(where).scalar_subquery())


def _seen_with(*columns):
    """The competition, its class and the viewer's membership id (None if not a member), and
    ``columns``, in one query. Built once: the competition's pages ask on every request, and
    building a statement costs more than running it."""
    return (select(Competition, Classroom, Membership.id, *columns)
            .join(Classroom, Classroom.id == Competition.class_id)
            .outerjoin(Membership, (Membership.class_id == Classroom.id)
                       & (Membership.user_id == bindparam("viewer_id")))
            .where(Competition.id == bindparam("competition_id")))


_COMPETITION = bindparam("competition_id")
_VIEWERS_TEAM = select(TeamMember.team_id).where(
    TeamMember.competition_id == _COMPETITION,
    TeamMember.user_id == bindparam("viewer_id")).scalar_subquery()


_SEEN = _seen_with()
_SEEN_WITH_CHANGES = _seen_with(
    select(Counter.value).where(Counter.name == GRADES_STAMP).scalar_subquery(),
    # The viewer's entries and their team's, not the class's: a class's uploads before a
    # deadline leave every other learner's kept page standing. Each through its own index, so
    # a request costs the same whatever the class has handed in (an OR of the two read every
    # entry of the competition: 1.5 ms a request at 3,500).
    *_count_and_newest(Entry.submission_id, (Entry.competition_id == _COMPETITION) &
                       (Entry.user_id == bindparam("viewer_id"))),
    *_count_and_newest(Entry.submission_id, (Entry.competition_id == _COMPETITION) &
                       (Entry.team_id == _VIEWERS_TEAM)),
    *_count_and_newest(Team.id, Team.competition_id == _COMPETITION),
    *_count_and_newest(TeamMember.id, TeamMember.competition_id == _COMPETITION))


def competition_for(session: Session, viewer: User, competition_id: int, *,
                    manage: bool = False) -> tuple[Competition, Classroom]:
    found = session.execute(_SEEN, {"competition_id": competition_id,
                                     "viewer_id": viewer.id}).first()
    return _competition_seen(viewer, competition_id, found, manage)


def _competition_seen(viewer: User, competition_id: int, found, manage: bool
                      ) -> tuple[Competition, Classroom]:
    """``found`` is (competition, class, the viewer's membership id), or None."""
    if found is not None:
        competition, classroom, membership = found[:3]
        if teaches(viewer, classroom) or (not manage and membership is not None):
            return competition, classroom
    raise _missing("competition", competition_id, "GET /api/v1/classes/{id}")


def competition_with_changes(session: Session, viewer: User, competition_id: int
                             ) -> tuple[Competition, Classroom, CompetitionChanges]:
    """``competition_for`` and the competition's ``CompetitionChanges``, in one query."""
    found = session.execute(_SEEN_WITH_CHANGES, {"competition_id": competition_id,
                                                 "viewer_id": viewer.id}).first()
    competition, classroom = _competition_seen(viewer, competition_id, found, manage=False)
    grades, *entries, teams, last_team, members, last_member = found[3:]
    return competition, classroom, CompetitionChanges(
        grades=grades or 0, entries=tuple(entries),
        teams=(teams, last_team, members, last_member))


def submission_for(session: Session, viewer: User, submission_id: int, *,
                   own_only: bool = False) -> tuple[Submission, Entry]:
    """A submission made through the arena, if ``viewer`` made it, shares its team, teaches
    its class, or is admin. ``own_only`` (for the file itself): the maker alone."""
    entry = session.get(Entry, submission_id)
    row = session.get(Submission, submission_id) if entry else None
    if row is not None and _may_see(session, viewer, entry, own_only):
        return row, entry
    raise _missing("submission", submission_id, "GET /api/v1/submissions")


def submission_artifact_for(session: Session, viewer: User, submission_id: int
                            ) -> tuple[Submission, Entry]:
    """Plots saved beside a report (a lab's exploration plot shows everything its maker
    measured): to the maker, the instructor of its class and admins only."""
    row, entry = submission_for(session, viewer, submission_id)
    if entry.user_id == viewer.id or viewer.is_admin:
        return row, entry
    if entry.competition_id is not None:
        competition = session.get(Competition, entry.competition_id)
        if session.get(Classroom, competition.class_id).instructor_id == viewer.id:
            return row, entry
    raise _missing("submission", submission_id, "GET /api/v1/submissions")


def _may_see(session: Session, viewer: User, entry: Entry, own_only: bool) -> bool:
    if entry.user_id == viewer.id:
        return True
    if own_only:
        return False
    if viewer.is_admin:
        return True
    if entry.team_id is not None and session.scalar(select(TeamMember.id).where(
            TeamMember.team_id == entry.team_id, TeamMember.user_id == viewer.id)):
        return True
    if entry.competition_id is not None:
        competition = session.get(Competition, entry.competition_id)
        classroom = session.get(Classroom, competition.class_id)
        return classroom.instructor_id == viewer.id
    return False


def visible_challenge_ids(session: Session, viewer: User | None) -> list[str]:
    """The catalog's ids without those uploaded by classes ``viewer`` is not in (nor teaches)."""
    ids = catalog.challenge_ids()
    owners = _owners(session)
    if not owners or (viewer is not None and viewer.is_admin):
        return ids
    seen = _classes_seen_by(session, viewer)
    return [i for i in ids if i not in owners or owners[i] in seen]


def class_challenge_ids(session: Session, classroom: Classroom) -> list[str]:
    """The ids a competition of this class may use: the built-ins and the class's own uploads."""
    owners = _owners(session)
    return [i for i in catalog.challenge_ids() if owners.get(i, classroom.id) == classroom.id]


def _owners(session: Session) -> dict[str, int]:
    """Each uploaded challenge's class."""
    return dict(session.execute(select(ArenaBundle.challenge_id, ArenaBundle.class_id)
                                .where(ArenaBundle.passed.is_(True))).all())


def _classes_seen_by(session: Session, viewer: User | None) -> set[int]:
    if viewer is None:
        return set()
    taught = session.scalars(select(Classroom.id).where(Classroom.instructor_id == viewer.id))
    joined = session.scalars(select(Membership.class_id).where(Membership.user_id == viewer.id))
    return {*taught, *joined}


def challenge_for(session: Session, viewer: User | None, challenge_id: str) -> Bundle:
    """The bundle, if ``viewer`` may see the challenge; refused as missing otherwise (404)."""
    if _built_in(challenge_id):
        return catalog.bundle(challenge_id)  # no database needed
    ids = visible_challenge_ids(session, viewer)  # an unknown id's refusal lists only these
    if challenge_id not in ids:
        raise catalog.not_found(challenge_id, ids)
    return catalog.bundle(challenge_id)


async def check_challenge_visible(viewer: User | None, challenge_id: str) -> None:
    """``challenge_for`` for busy routes without a session: a built-in costs no database and
    no thread hop."""
    if _built_in(challenge_id):
        return

    def check() -> None:
        with open_session() as session:
            challenge_for(session, viewer, challenge_id)

    await in_thread(check)


def _built_in(challenge_id: str) -> bool:
    return catalog.is_built(challenge_id) and not is_uploaded(challenge_id)
