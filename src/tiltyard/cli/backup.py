"""`tiltyard backup PATH` and `tiltyard restore PATH`: the store of a home, copied whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup(path: Annotated[Path, typer.Argument(help="A new or empty folder for the backup.")]) -> None:
    """Copy this home's store (a consistent database snapshot, the stored submission files and
    reports) into PATH, with a manifest of sha256 hashes. Safe while the arena runs.

    Example: `tiltyard backup /srv/backups/arena-2026-12-01`
    """
    from tiltyard.cli import console
    from tiltyard.store.backup import backup as write_backup

    with console.status(f"Backing up to {path}…"):
        summary = write_backup(path)
    console.print(f"[green]✓[/] {summary.database} store with {summary.submissions} submissions "
                  f"and {summary.files} files backed up to {summary.path}; restore it with "
                  f"`tiltyard restore {summary.path}` into an empty home")


def restore(path: Annotated[Path, typer.Argument(help="A folder written by `tiltyard backup`.")]) -> None:
    """Bring a backup into this home (TILTYARD_HOME, TILTYARD_DATABASE_URL), which must be
    empty; every file is checked against the manifest first.

    Example: `TILTYARD_HOME=/srv/arena tiltyard restore /srv/backups/arena-2026-12-01`
    """
    from tiltyard.cli import console
    from tiltyard.config import get_settings
    from tiltyard.store.backup import restore as read_backup

    with console.status(f"Restoring {path}…"):
        summary = read_backup(path)
    console.print(f"[green]✓[/] Restored {summary.submissions} submissions and {summary.files} "
                  f"files into {get_settings().home}")


def register(app: typer.Typer) -> None:
    app.command()(backup)
    app.command()(restore)
