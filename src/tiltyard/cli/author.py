"""`tiltyard author init | inspect | corrupt | build`: an author's own dataset becomes a
challenge that checks itself. Every command works in the author's folder, says what it will
write before it writes, and can be run again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tiltyard.cli import author_export

author_app = typer.Typer(
    help="Turn a dataset of your own into a challenge: init, inspect, corrupt, build, export, upload.",
    no_args_is_help=True)
Folder = Annotated[Path, typer.Argument(help="The author's folder (holding author.toml).")]


@author_app.command("init")
def init(data: Annotated[Path, typer.Argument(help="The CSV to turn into a challenge.")],
         target: Annotated[str, typer.Option(help="The column to predict.")],
         task: Annotated[str, typer.Option(help="binary, multiclass or regression.")],
         metric: Annotated[str, typer.Option(help="The primary metric, e.g. roc_auc, accuracy, rmse.")],
         id_column: Annotated[str, typer.Option(help="The row id column (made if the data have none).")],
         out: Annotated[Path, typer.Option(help="The folder to write author.toml and story.md into.")],
         encoding: Annotated[str | None, typer.Option(help="The CSV's encoding, if not UTF-8.")] = None,
         force: Annotated[bool, typer.Option(help="Write author.toml again over an existing one.")] = False) -> None:
    """Write OUT/author.toml (detected types, missing counts, a dictionary and provenance to
    fill in, a seed) and OUT/story.md, and copy the data beside them.

    Example: `tiltyard author init visits.csv --target visited --task binary --metric roc_auc
    --id-column person_id --out visits`
    """
    from tiltyard.authoring.init import plan_init, write_init
    from tiltyard.cli import console

    if task not in ("binary", "multiclass", "regression"):
        from tiltyard.authoring.spec import AuthoringError
        from tiltyard.errors import did_you_mean

        raise AuthoringError(f"{task!r} is not a task type", expected="binary, multiclass or regression",
                             got=task, hint=did_you_mean(task, ["binary", "multiclass", "regression"]))
    plan = plan_init(data, target=target, task_type=task, metric=metric, id_column=id_column, out=out,
                     encoding=encoding)
    console.print(f"Will write {out / 'author.toml'}, {out / 'story.md'} and a copy of {data.name} in {out}.")
    for path in write_init(plan, force=force):
        console.print(f"[green]✓[/] {path}")
    console.print(f"Next: fill in every TODO in {out / 'author.toml'} and {out / 'story.md'}, then "
                  f"[bold]tiltyard author inspect {out}[/].")


@author_app.command("inspect")
def inspect(folder: Folder, json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Profile the data and say what the checker would refuse (leaks by cross-validation,
    rows shared by train and test, a copy of the target, unfilled TODOs), with warnings for
    constant columns, personal data and a file sorted by the target. Writes nothing.

    Example: `tiltyard author inspect visits`
    """
    from tiltyard.authoring.build import read_folder
    from tiltyard.authoring.inspect import inspect as run_inspect
    from tiltyard.cli import console, print_json, table

    console.print(f"Reading {folder} (writes nothing).")
    with console.status("Profiling, and cross-validating each column alone…"):
        result = run_inspect(read_folder(folder))
    if json_:
        print_json(console, {"rows": result.rows, "train_rows": result.train_rows, "test_rows": result.test_rows,
                             "profile": result.profile.to_dict(orient="records"),
                             "findings": [f.__dict__ for f in result.findings]})
    else:
        console.print(table(f"{folder}: {result.rows:,} rows ({result.train_rows:,} train, "
                            f"{result.test_rows:,} test)", list(result.profile.columns),
                            result.profile.itertuples(index=False)))
        if result.findings:
            console.print(table("What the checker would say", ["", "check", "what"],
                                [["[red]refused[/]" if f.severity == "refused" else "[yellow]warning[/]",
                                  f.check, f.message] for f in result.findings]))
        console.print("[green]Nothing the checker would refuse.[/] Next: [bold]tiltyard author build "
                      f"{folder}[/]" if not result.refused else
                      f"[red]{len(result.refused)} things the checker would refuse.[/]")
    if result.refused:
        raise typer.Exit(1)


@author_app.command("corrupt")
def corrupt(folder: Folder, teeth: Annotated[bool, typer.Option(
        help="Also fit the boosted rung on the messy and the clean files, to see the gap.")] = True) -> None:
    """The dry run of the [[corrupt]] recipe: cells touched per step and split, a few cells
    before and after, and whether the mess has teeth. Writes nothing.

    Example: `tiltyard author corrupt visits`
    """
    from tiltyard.authoring.build import table_spec
    from tiltyard.authoring.dryrun import dry_run
    from tiltyard.cli import console, table

    console.print(f"Dry run of the recipe in {folder / 'author.toml'} (writes nothing).")
    with console.status("Applying the recipe" + (", fitting the boosted rung twice…" if teeth else "…")):
        result = dry_run(table_spec(folder), with_teeth=teeth)
    console.print(table("Recipe", ["step", "op", "cells train", "cells test", "rows +/-", "columns added"],
                        [[s.number, s.op, s.cells["train"], s.cells["test"],
                          f"+{sum(s.rows_added.values())}/-{sum(s.rows_removed.values())}",
                          ", ".join(s.columns_added)] for s in result.steps]))
    console.print("What the brief says of each step:")
    for step in result.steps:
        console.print(f"  {step.number}. {step.says}", highlight=False)
    examples = [[s.number, split, column, before, after] for s in result.steps
                for split, column, before, after in s.examples]
    if examples:
        console.print(table("Before and after", ["step", "split", "column", "before", "after"], examples))
    odd = {name: enc for name, enc in result.encodings.items() if enc != "utf-8"}
    if odd:
        console.print("Files not in UTF-8: " + ", ".join(f"{n}.csv ({e})" for n, e in odd.items()))
    for step in result.quiet:
        console.print(f"[yellow]Step {step.number} ({step.op}) changed nothing:[/] a lesson without teeth.")
    if result.naive is not None:
        console.print(f"Teeth: the boosted rung scores {result.metric} {result.naive:.4f} on the messy "
                      f"files and {result.oracle:.4f} on the clean data (all test rows).")


@author_app.command("build")
def build(folder: Folder,
          catalog: Annotated[Path | None, typer.Option(help="Where to write the bundle (default: the "
                                                             "catalog folder of your home).")] = None) -> None:
    """Build the bundle NAME-vN: split, (with a recipe) corrupt the public files and seal the
    clean copy and the log, fit and grade the ladder (and the naive and clean-oracle rungs).

    Example: `tiltyard author build visits --catalog ./bundles && tiltyard check ./bundles/visits-v1 --refit`
    """
    from tiltyard.authoring.build import table_spec
    from tiltyard.authoring.spec import read_spec
    from tiltyard.cli import console, err_console
    from tiltyard.config import get_settings

    spec = table_spec(folder)
    destination = (catalog or get_settings().catalog_dir)
    console.print(f"Will write the bundle {spec.id} to {destination / spec.id}"
                  + (" (replacing the one there)" if (destination / spec.id).exists() else "") + ".")
    with err_console.status(f"Building {spec.id}…") as status:
        bundle = spec.build(destination, lambda step: status.update(f"Building {spec.id}: {step}"))
    console.print(f"[green]✓[/] {bundle.manifest.id}  {bundle.root}  (bundle {bundle.hash[:12]})")
    unfilled = read_spec(folder).unfilled()
    if unfilled:
        console.print(f"[yellow]Still TODO ({len(unfilled)}):[/] {', '.join(unfilled[:6])}; "
                      "`tiltyard check` refuses the bundle until none is left.")
    console.print(f"Next: [bold]tiltyard check {bundle.root} --refit[/]")


author_export.register(author_app)


def register(app: typer.Typer) -> None:
    app.add_typer(author_app, name="author")
