"""Bundles instructors upload to their class. The archive is unpacked safely, checked by the
same checker authors run (`tiltyard check`, :func:`tiltyard.check.check_challenge`), and
answered with the same named checks. A bundle that passes is kept under the arena's home by its
hash (``HOME/arena-bundles/HASH/ID``) and joins the arena's catalog, where that class's
competitions may use it; one that fails is recorded with its checks and used by nothing. An
instructor may send an author's folder instead (a CSV, its ``author.toml`` and story): the server
builds it as ``tiltyard author build`` does, then checks and publishes the result the same way.
Learners only ever get a bundle's public files and starters (``catalog.public_file``,
``catalog.workspace_zip``), never its ``sealed/`` folder (answers, clean copy, corruption log)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tiltyard.authoring.spec import AUTHOR_TOML, AuthoringError, read_spec
from tiltyard.challenges.archive import unpack_bundle
from tiltyard.challenges.bundle import Bundle
from tiltyard.check import check_challenge
from tiltyard.config import get_settings
from tiltyard.server import catalog
from tiltyard.server.errors import Conflict
from tiltyard.server.models import ArenaBundle, Classroom, User

UNPACKED_LIMIT_FACTOR = 20  # an archive may unpack to this many times the upload limit


def bundles_home() -> Path:
    return get_settings().home / "arena-bundles"


def receive_bundle(session: Session, classroom: Classroom, user: User, archive: Path) -> ArenaBundle:
    """Unpack, check, and (when every check passes) keep and publish to the arena's catalog."""
    with _incoming() as incoming:
        root = unpack_bundle(archive, incoming / "unpacked",
                             max_bytes=UNPACKED_LIMIT_FACTOR * get_settings().max_submission_bytes)
        return _check_and_publish(session, classroom, user, root)


def receive_authored(session: Session, classroom: Classroom, user: User, *, author_toml: Path,
                     data: Path, story: Path) -> ArenaBundle:
    """An author's folder (its ``author.toml``, the data file and the story it names) built by
    the same authoring build as ``tiltyard author build``, in a temporary folder under the
    arena's home, then checked and published like an uploaded bundle. A folder the build refuses
    raises the build's own error and leaves nothing behind."""
    from tiltyard.authoring.build import table_spec  # the table kind's builder: loaded when used

    with _incoming() as incoming:
        folder = incoming / "author"
        folder.mkdir()
        shutil.copyfile(author_toml, folder / AUTHOR_TOML)
        spec = read_spec(folder)
        shutil.copyfile(data, folder / _plain_name(spec.data.file, "[data] file"))
        shutil.copyfile(story, folder / _plain_name(spec.challenge.story, "[challenge] story"))
        built = table_spec(folder).build(incoming / "built")
        return _check_and_publish(session, classroom, user, built.root)


def _plain_name(name: str, field: str) -> str:
    """The uploaded file goes beside author.toml under this name: no folder, no way out of it."""
    if name and Path(name).name == name and name not in (".", ".."):
        return name
    raise AuthoringError(f"author.toml's {field} is not a plain file name", expected="a file name "
                         "beside author.toml, such as data.csv or story.md", got=name,
                         hint=f"Set {field} to the file's name alone; the upload sends the file itself")


@contextmanager
def _incoming() -> Iterator[Path]:
    bundles_home().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=bundles_home(), prefix=".incoming-") as incoming:
        yield Path(incoming)


def _check_and_publish(session: Session, classroom: Classroom, user: User, root: Path) -> ArenaBundle:
    result = check_challenge(root)
    checks = [asdict(check) for check in result.checks]
    row = ArenaBundle(class_id=classroom.id, uploaded_by=user.id,
                      challenge_id=(result.challenge_id or "")[:120], bundle_hash="", passed=result.ok,
                      checks=checks)
    if result.ok:
        bundle = Bundle(root)
        row.bundle_hash = bundle.hash
        _refuse_a_taken_id(session, classroom, bundle)
        _publish(bundle)
    session.add(row)
    session.flush()
    return row


def _refuse_a_taken_id(session: Session, classroom: Classroom, bundle: Bundle) -> None:
    challenge_id = bundle.manifest.id
    if challenge_id not in catalog.challenge_ids():
        return
    owner = owning_class(session, challenge_id)
    if owner is None:
        raise Conflict(f"{challenge_id} is one of the arena's own challenges",
                       expected="a challenge id of your own", got=challenge_id,
                       hint="Pick it for a competition as it is, or give your bundle another id")
    if owner != classroom.id:
        raise Conflict(f"Another class already published {challenge_id}",
                       expected="a challenge id of your own", got=challenge_id,
                       hint="Give your bundle another id (its manifest's id)")
    existing = catalog.bundle(challenge_id)
    if existing.hash == bundle.hash:
        return  # the same bundle again: nothing changes
    name, version = bundle.manifest.name, bundle.manifest.version
    raise Conflict(f"The arena already has a different {challenge_id}",
                   expected=f"a new version id such as {name}-v{version + 1} for a changed bundle",
                   got=f"bundle {bundle.hash[:12]}, the arena's is {existing.hash[:12]}",
                   hint="Published bundles never change under stored grades: publish the new "
                        f"version, then `tiltyard regrade {challenge_id}` moves its submissions")


def _publish(bundle: Bundle) -> None:
    """Keep the bundle by its hash, then place a copy in the arena's catalog atomically."""
    kept = bundles_home() / bundle.hash / bundle.manifest.id
    if not kept.is_dir():
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(bundle.root, kept.with_name(f".{kept.name}.partial"), dirs_exist_ok=True)
        os.replace(kept.with_name(f".{kept.name}.partial"), kept)
    destination = get_settings().catalog_dir / bundle.manifest.id
    if destination.is_dir():
        return  # the same hash (checked above)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".upload-{bundle.manifest.id}-"))
    shutil.copytree(kept, staging, dirs_exist_ok=True)
    os.replace(staging, destination)


def is_uploaded(challenge_id: str) -> bool:
    """Whether a class uploaded this challenge (its kept copy is here), known without the database."""
    home = bundles_home()
    return home.is_dir() and any((kept / challenge_id).is_dir() for kept in home.iterdir()
                                 if not kept.name.startswith("."))


def owning_class(session: Session, challenge_id: str) -> int | None:
    """The class that uploaded this challenge (None for the arena's built-ins)."""
    return session.scalar(select(ArenaBundle.class_id).where(
        ArenaBundle.challenge_id == challenge_id, ArenaBundle.passed.is_(True))
        .order_by(ArenaBundle.id).limit(1))


def bundles_of(session: Session, classroom: Classroom) -> list[ArenaBundle]:
    return list(session.scalars(select(ArenaBundle).where(ArenaBundle.class_id == classroom.id)
                                .order_by(ArenaBundle.id.desc())))
