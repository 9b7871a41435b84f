"""`tiltyard author export` (a built table bundle to Codabench, Kaggle, Croissant or a
Frictionless data package) and `tiltyard author upload` (a built bundle, or an author's folder
the arena builds, to a class on the arena, which checks it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tiltyard.cli.render import table

console = Console()


def register(author_app: typer.Typer) -> None:
    author_app.command("export")(export)
    author_app.command("upload")(upload)


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
    from tiltyard.cli import bundle_for

    target_module(to)  # an unknown target is refused before a bundle is opened or built
    plan = plan_export(bundle_for(bundle), to, out)
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


def upload(folder: Annotated[Path, typer.Argument(help="A built bundle folder (holding challenge.toml), or "
                                                  "an author's folder (holding author.toml).")],
           class_id: Annotated[int, typer.Option("--class", help="The class id (on its page and in "
                                                 "GET /api/v1/classes).")]) -> None:
    """Upload a built bundle, or an author's folder (its author.toml, data file and story), to
    your class on the arena you are signed in to. The server builds an author's folder as
    `tiltyard author build` does, runs the same checks as `tiltyard check` and answers with them;
    a bundle that passes can be chosen for a competition of that class.

    Example: `tiltyard author upload catalog/visits-v1 --class 3` or `tiltyard author upload visits --class 3`
    """
    from tiltyard.authoring.spec import AUTHOR_TOML
    from tiltyard.challenges.manifest import MANIFEST_NAME
    from tiltyard.client import require_arena

    arena = require_arena("author upload")
    if (folder / AUTHOR_TOML).is_file() and not (folder / MANIFEST_NAME).is_file():
        result = _upload_authored(arena, folder, class_id)
    else:
        result = _upload_built(arena, folder, class_id)
    console.print(table(f"checks of {result['challenge_id'] or folder.name} on {arena.url}",
                        ["", "id", "check", "detail"],
                        [["[green]✓[/]" if c["passed"] else "[red]✗[/]", c["id"], c["name"], c["detail"]]
                         for c in result["checks"]]))
    if not result["passed"]:
        console.print("[red]Not published:[/] fix what failed (`tiltyard check` shows the same), "
                      "then upload again.")
        raise typer.Exit(1)
    console.print(f"[green]✓[/] Published {result['challenge_id']} (bundle {result['bundle_hash'][:12]}) "
                  f"to class {class_id}: create a competition on it from the class page.")


def _upload_built(arena, bundle: Path, class_id: int) -> dict:
    import shutil
    import tempfile

    from tiltyard.challenges.manifest import Manifest

    Manifest.read(bundle)  # refuse a folder that is no bundle before sending anything
    with tempfile.TemporaryDirectory() as folder:
        archive = shutil.make_archive(str(Path(folder) / "bundle"), "zip", bundle.parent, bundle.name)
        with console.status(f"Uploading {bundle.name} to {arena.url} and checking it there…"):
            return arena.upload_bundle(class_id, Path(archive))


def _upload_authored(arena, folder: Path, class_id: int) -> dict:
    from tiltyard.authoring.spec import AUTHOR_TOML, AuthoringError, read_spec

    spec = read_spec(folder)  # refuse a spec that does not read before sending anything
    files = [folder / spec.data.file, folder / AUTHOR_TOML, folder / spec.challenge.story]
    for path in files:
        if not path.is_file():
            raise AuthoringError(f"No file {path}", expected="the data file and the story author.toml names",
                                 got="no such file", hint="Fix [data] file / [challenge] story, or add the file")
    console.print(f"Will send {', '.join(p.name for p in files)} to {arena.url}; it builds {spec.challenge.id} "
                  "as `tiltyard author build` does.")
    with console.status(f"Uploading {folder.name} to {arena.url}, building and checking it there…"):
        return arena.upload_authored(class_id, *files)
