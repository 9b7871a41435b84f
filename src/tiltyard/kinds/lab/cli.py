"""`tiltyard lab query | export | inspect`: experiments against a lab's simulator."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import pandas as pd
import typer
from rich.markdown import Markdown

from tiltyard.kinds.lab.lab import export_queries, inspect_part, query_file, simulator_for

# The CLI's own console and helpers (console, table, print_json, bundle_for), handed over by
# register(): this package never imports the CLI that sits above it.
cli = SimpleNamespace()
lab_app = typer.Typer(help="Query a lab's simulator under a budget, export what you measured, "
                           "and read its parts.", no_args_is_help=True)

def frame_table(challenge_id: str, title: str, frame: pd.DataFrame, limit: int = 30):
    """The simulator's summary columns first (every column is in `tiltyard lab export` and --json)."""
    summary = simulator_for(cli.bundle_for(challenge_id)).summary_columns
    columns = [c for c in summary if c in frame] or list(frame.columns[:10])
    rows = [[_cell(v) for v in row] for row in frame[columns].head(limit).itertuples(index=False)]
    return cli.table(title, columns, rows)


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.3g}"
    return "" if value is None else str(value)


@lab_app.command("query")
def query(challenge_id: Annotated[str, typer.Argument(help="Lab id, e.g. insecticide-design-v1.")],
          molecules: Annotated[Path, typer.Argument(help="A .smi file: one SMILES per line.")],
          json_: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False) -> None:
    """Measure molecules; each valid new one counts against the budget; every query is stored.

    Example: `tiltyard lab query insecticide-design-v1 molecules.smi`
    """
    cli.bundle_for(challenge_id)
    with cli.console.status("Running the simulation…"):
        outcome = query_file(challenge_id, molecules)
    if json_:
        cli.print_json(cli.console, outcome.results.astype(object).where(outcome.results.notna(), None)
                   .to_dict("records"))
        return
    valid = outcome.results[outcome.results["valid"].astype(bool)]
    cli.console.print(frame_table(challenge_id, f"{len(valid)} of {len(outcome.results)} molecules measured", valid))
    for row in outcome.results[~outcome.results["valid"].astype(bool)].itertuples():
        cli.console.print(f"[red]✗[/] {row.smiles}: {row.error}", markup=False, highlight=False)
    cli.console.print(f"Charged {outcome.charged}; used {outcome.used:,} of {outcome.budget:,} "
                  f"experiments, {outcome.remaining:,} left. "
                  f"Everything so far: tiltyard lab export {challenge_id} --parquet runs.parquet")


@lab_app.command("export")
def export(challenge_id: Annotated[str, typer.Argument(help="Lab id.")],
           parquet: Annotated[Path | None, typer.Option(help="Write every stored row to this Parquet file.")] = None,
           csv: Annotated[Path | None, typer.Option(help="Or to this CSV file.")] = None) -> None:
    """Every result you have measured in this lab, ready for a surrogate model.

    Example: `tiltyard lab export insecticide-design-v1 --parquet runs.parquet`
    """
    cli.bundle_for(challenge_id)
    frame = export_queries(challenge_id, parquet=parquet)
    if csv is not None:
        frame.to_csv(csv, index=False)
    if parquet or csv:
        cli.console.print(f"[green]✓[/] {len(frame):,} rows written to {parquet or csv}")
    else:
        cli.console.print(frame_table(challenge_id, f"{len(frame):,} measured rows (first 30)", frame))


@lab_app.command("inspect")
def inspect(challenge_id: Annotated[str, typer.Argument(help="Lab id.")],
            part: Annotated[str | None, typer.Argument(help="A part of the simulation; omit to list them.")] = None,
            run: Annotated[list[str] | None, typer.Option(
                help="Run this part alone on these inputs (repeat the option).")] = None) -> None:
    """Read a part of the simulation (equations, parameter priors, code) or run it alone.

    Example: `tiltyard lab inspect insecticide-design-v1 uptake --run "CN1CCC[C@H]1c1cccnc1"`
    """
    cli.bundle_for(challenge_id)
    shown = inspect_part(challenge_id, part, run_on=run)
    if isinstance(shown, pd.DataFrame):
        cli.console.print(frame_table(challenge_id, f"{part} alone", shown))
    elif part is None:
        cli.console.print(shown, markup=False, highlight=False)
        cli.console.print(f"Read one: tiltyard lab inspect {challenge_id} PART")
    else:
        cli.console.print(Markdown(shown))


def verbs(tools: SimpleNamespace) -> typer.Typer:
    """`tiltyard lab ...`: the entry point in the ``tiltyard.cli`` group (see pyproject.toml)."""
    cli.__dict__.update(vars(tools))
    return lab_app
