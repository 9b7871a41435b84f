"""`tiltyard author ...`: an author's commands. `export` takes a built table bundle to Codabench,
Kaggle, Croissant or a Frictionless data package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tiltyard.cli.render import table

console = Console()
author_app = typer.Typer(help="Make and export challenges of your own.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(author_app, name="author")


@author_app.command("export")
def export(bundle: Annotated[str, typer.Argument(help="A bundle folder, or a challenge id.")],
           to: Annotated[str, typer.Option("--to", help="codabench | kaggle | croissant | datapackage")],
           out: Annotated[Path | None, typer.Option(help="Folder to write (default: ./ID-TARGET).")] = None,
           force: Annotated[bool, typer.Option(help="Replace --out if it already holds files.")] = False,
           dry_run: Annotated[bool, typer.Option(help="Print what would be written, write nothing.")] = False,
           ) -> None:
    """Export a built table bundle. Answers go only where the target keeps them hidden
    (Codabench reference data, Kaggle solution); Croissant and datapackage carry public files only.

    Example: `tiltyard author export titanic-v1 --to codabench --out titanic-codabench`
    """
    from tiltyard.authoring.export import plan_export, target_module
    from tiltyard.authoring.export.plan import check_writable
    from tiltyard.challenges.registry import get_bundle

    target_module(to)  # an unknown target is refused before a bundle is opened or built
    plan = plan_export(get_bundle(bundle), to, out)
    check_writable(plan.out, force=force)
    console.print(table(f"{plan.target} export of {plan.bundle.manifest.id} → {plan.out}",
                        ["file", "what"],
                        [[f.path, f"[bold red]{f.what}[/]" if f.answers else f.what]
                         for f in plan.files]))
    if dry_run:
        console.print("Dry run: nothing written.")
        return
    with console.status(f"Writing {len(plan.files)} files…"):
        written = plan.write(force=force)
    console.print(f"[green]✓[/] Wrote {len(plan.files)} files to {written}")
    console.print(f"Next: {plan.next_step}")
