"""The arena's regrade: its classes follow the submissions onto the new version — entries and
competitions on the old challenge id move to the new one — then every stored submission is
graded again (:func:`tiltyard.regrade.regrade`), keeping each old grade with its bundle hash."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update

from tiltyard.regrade import RegradeResult, newest_version, regrade, target_bundle
from tiltyard.server import catalog
from tiltyard.server.grading import note_grades_changed
from tiltyard.server.models import Competition, Entry
from tiltyard.store import session_scope


def regrade_arena(challenge_id: str, *, to: str | None = None,
                  progress: Callable[[int, int], None] = lambda _done, _total: None) -> RegradeResult:
    # Only bundles built in the arena's catalog (never a folder by path), refused before anything moves.
    target = target_bundle(challenge_id, catalog.bundle(to or newest_version(challenge_id)).manifest.id)
    new_id = target.manifest.id
    if new_id != challenge_id:
        # Entries and competitions first: a regrade stopped half-way is finished by running it
        # again, and the boards already read the new version.
        with session_scope() as session:
            session.execute(update(Entry).where(Entry.challenge_id == challenge_id)
                            .values(challenge_id=new_id))
            session.execute(update(Competition).where(Competition.challenge_id == challenge_id)
                            .values(challenge_id=new_id))
    result = regrade(challenge_id, to=new_id, progress=progress)
    note_grades_changed()
    return result
