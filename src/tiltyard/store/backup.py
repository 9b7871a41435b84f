"""A consistent copy of a home's store (``tiltyard backup PATH``) and its return into an empty
home (``tiltyard restore PATH``).

The database is snapshotted first (SQLite's online backup API, or ``pg_dump`` for
PostgreSQL), then the stored submission files and reports are copied: a submission's file is
stored before its row, so every row in the snapshot finds its file. ``manifest.json`` lists
every file with its sha256; a restore checks them all before it writes anything.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from tiltyard.config import get_settings
from tiltyard.errors import TiltyardError
from tiltyard.store.database import engine_for, get_engine, session_scope
from tiltyard.store.models import Submission

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite"
POSTGRES_DUMP = "database.pgdump"
FOLDERS = ("submissions", "reports")
HOME_FILES = ("server-instance-seed",)  # the arena's secret instance: its grades depend on it


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class BackupError(TiltyardError):
    code = "backup_failed"


@dataclass
class BackupSummary:
    path: Path
    database: str  # "sqlite" or "postgresql"
    files: int
    submissions: int


def _libpq_url(url: str) -> str:
    """pg_dump and pg_restore take libpq's URL: no '+driver' part."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed", expected=f"{command[0]} on PATH "
                          f"to {what} a PostgreSQL store", got="no such command",
                          hint="Install the PostgreSQL client tools (apt install "
                               "postgresql-client), the same major version as the server")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed", expected=f"{command[0]} to {what} the store",
                          got=done.stderr.strip()[-500:] or f"exit code {done.returncode}",
                          hint="Check the database URL and that this user may read it")


def backup(path: Path) -> BackupSummary:
    """Write the store of the current home (``TILTYARD_HOME``) to the new folder ``path``."""
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise BackupError(f"{path} is not empty", expected="a new or empty folder",
                          got=f"{sum(1 for _ in path.iterdir())} entries",
                          hint="Choose a new folder, e.g. one named by today's date")
    path.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    engine = get_engine()
    dialect = engine.dialect.name
    if dialect == "sqlite":
        database_file = SQLITE_COPY
        with closing(sqlite3.connect(engine.url.database)) as source, \
                closing(sqlite3.connect(path / SQLITE_COPY)) as target:
            source.backup(target)  # a consistent snapshot while the server keeps writing
    else:
        database_file = POSTGRES_DUMP
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={path / POSTGRES_DUMP}", _libpq_url(settings.resolved_database_url)],
             "dump")
    with session_scope() as session:
        submissions = session.scalar(select(func.count()).select_from(Submission))
    for folder in FOLDERS:
        if (settings.home / folder).is_dir():
            shutil.copytree(settings.home / folder, path / folder)
    for name in HOME_FILES:
        if (settings.home / name).is_file():
            shutil.copy2(settings.home / name, path / name)
    files = {str(f.relative_to(path)): sha256_file(f)
             for f in sorted(path.rglob("*")) if f.is_file()}
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                "database": dialect, "database_file": database_file,
                "home": str(settings.home), "files": files}
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return BackupSummary(path, dialect, len(files), submissions)


def read_manifest(path: Path) -> dict:
    """The backup's manifest, after checking every file it lists against its sha256."""
    path = Path(path)
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{path} holds no readable {MANIFEST}", expected="a folder written "
                          "by `tiltyard backup PATH`", got=f"{type(error).__name__}: {error}",
                          hint="Point at the backup folder itself") from None
    problems = []
    for name, digest in manifest["files"].items():
        found = path / name
        if not found.is_file():
            problems.append(f"{name} is missing")
        elif sha256_file(found) != digest:
            problems.append(f"{name} differs from its sha256 in the manifest")
    if problems:
        raise BackupError(f"The backup at {path} does not match its manifest",
                          expected="every file listed in manifest.json, unchanged",
                          got="; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)"
                                                         if len(problems) > 5 else ""),
                          hint="Restore from another copy of the backup; nothing was written")
    return manifest


def _home_in_use(home: Path, url: str) -> list[str]:
    """What in the target home (and its database) is already there; [] when it is empty."""
    found = [name for name in (*FOLDERS, *HOME_FILES) if (home / name).exists()
             and (not (home / name).is_dir() or any((home / name).iterdir()))]
    if url.startswith("sqlite") and not Path(make_url(url).database or "").is_file():
        return found
    engine = create_engine(url)  # a look only: no migration, disposed at once
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table != "alembic_version" and connection.execute(
                    text(f'SELECT 1 FROM "{table}" LIMIT 1')).first():
                found.append(f"table {table}")
    engine.dispose()
    return found


def restore(path: Path) -> BackupSummary:
    """Bring the backup at ``path`` into the current home, which must be empty."""
    path = Path(path)
    manifest = read_manifest(path)
    settings = get_settings()
    home, url = settings.home, settings.resolved_database_url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    if dialect != manifest["database"]:
        raise BackupError("The backup is of another kind of database",
                          expected=f"a backup of a {dialect} store (this home's)",
                          got=f"a {manifest['database']} backup",
                          hint="Set TILTYARD_DATABASE_URL to the kind the backup holds")
    in_use = _home_in_use(home, url)
    if in_use:
        raise BackupError(f"The home {home} is not empty", expected="a new home with no store",
                          got=", ".join(in_use[:6]),
                          hint="Restore into a fresh home: set TILTYARD_HOME (and "
                               "TILTYARD_DATABASE_URL) to a new, empty place; nothing was "
                               "written")
    home.mkdir(parents=True, exist_ok=True)
    if dialect == "sqlite":
        database = Path(make_url(url).database)
        engine_for(url).dispose()  # no open connection may hold the file we replace
        engine_for.cache_clear()
        for leftover in (database.with_name(database.name + "-wal"),
                         database.with_name(database.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(path / SQLITE_COPY, database)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              f"--dbname={_libpq_url(url)}", str(path / POSTGRES_DUMP)], "restore")
    for folder in FOLDERS:
        if (path / folder).is_dir():
            shutil.copytree(path / folder, home / folder, dirs_exist_ok=True)
    for name in HOME_FILES:
        if (path / name).is_file():
            shutil.copy2(path / name, home / name)
    with session_scope() as session:  # stored paths point into the home they were made in
        old = str(Path(manifest["home"]) / "submissions")
        rows = session.scalars(select(Submission)).all()
        for row in rows:
            if row.stored_path.startswith(old):
                row.stored_path = str(settings.submissions_dir) + row.stored_path[len(old):]
        submissions = len(rows)
    return BackupSummary(path, dialect, len(manifest["files"]), submissions)
