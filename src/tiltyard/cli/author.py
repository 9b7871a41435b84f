"""`tiltyard author ...`: an author's commands (export and upload: cli/author_export.py)."""

from __future__ import annotations

import typer

from tiltyard.cli import author_export

author_app = typer.Typer(help="Make and export challenges of your own.", no_args_is_help=True)
author_export.register(author_app)


def register(app: typer.Typer) -> None:
    app.add_typer(author_app, name="author")
