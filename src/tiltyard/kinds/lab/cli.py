"""`tiltyard lab query | export | inspect`: experiments against a lab's simulator."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.columns import Columns
from rich.console import Group
from rich.markdown import Markdown
from rich.padding import Padding
from rich.text import Text

from tiltyard.kinds.lab.core import readable
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
    return _fitted(title, frame[columns].head(limit))


def part_table(title: str, frame: pd.DataFrame):
    """A part run alone: every output of the inputs it accepted (the refused ones are listed
    apart, with their diagnosis)."""
    shown = frame[frame["error"].isna()] if "error" in frame else frame
    shown = shown.drop(columns=[c for c in ("valid", "error") if c in shown])
    shown = shown.drop(columns=[c for c in shown.columns[1:] if shown[c].isna().all()])
    return _fitted(title, shown)


def _fitted(title: str, frame: pd.DataFrame):
    """A table when it fits the terminal; otherwise one card per row (its first column, then
    every other column as "name value"), so no figure is ever cut."""
    cells = {c: _column(frame[c]) for c in frame.columns}
    width = sum(max([len(w) for w in _header(c).split()] + [len(v) for v in cells[c]]) + 3
                for c in frame.columns)
    if width <= cli.console.width or len(frame.columns) <= 2:
        return cli.table(title, [_header(c) for c in frame.columns], list(zip(*cells.values())))
    first, *rest = frame.columns
    cards: list = [Text(title, style="bold")]
    for i in range(len(frame)):
        cards.append(Text(cells[first][i], style="bold cyan"))
        pairs = [Text.assemble((f"{_header(c)} ", "dim"), cells[c][i], no_wrap=True)
                 for c in rest if cells[c][i]]
        cards.append(Padding(Columns(pairs, padding=(0, 3)), (0, 0, 0, 2)))
    return Group(*cards)


def _header(column) -> str:
    return str(column).replace("_", " ")  # a header with spaces wraps instead of being cut


def refusals(frame: pd.DataFrame, design_column: str) -> list[Text]:
    """One line per refused design: what it was and why (the simulator's own diagnosis)."""
    if "error" not in frame:
        return []
    if design_column not in frame:
        design_column = frame.columns[0]
    return [Text.assemble(("✗ ", "red"), f"{design}: {error}")
            for design, error in zip(frame[design_column], frame["error"]) if isinstance(error, str)]


def _column(values: pd.Series) -> list[str]:
    """Figures a person reads: three significant digits, at most four decimals, a value below
    0.0001 as "< 0.0001", whole numbers as whole numbers, truth values as yes or no."""
    if not pd.api.types.is_float_dtype(values):
        return ["" if v is None or (isinstance(v, float) and pd.isna(v))
                else ("yes" if v else "no") if isinstance(v, bool | np.bool_) else str(v) for v in values]
    known = values[values.notna()]
    if len(known) and bool((known == known.round()).all()) and bool((known.abs() < 1e6).all()):
        return ["" if pd.isna(v) else f"{int(v):,}" for v in values]  # counts read as counts
    return [readable(v) for v in values]


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
    for line in refusals(outcome.results, simulator_for(cli.bundle_for(challenge_id)).summary_columns[0]):
        cli.console.print(line, highlight=False)
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
        if "error" not in shown or shown["error"].isna().any():  # else only refusals to show
            cli.console.print(part_table(f"{part} alone", shown))
        for line in refusals(shown, shown.columns[0]):
            cli.console.print(line, highlight=False)
    elif part is None:
        cli.console.print(shown, markup=False, highlight=False)
        cli.console.print(f"Read one: tiltyard lab inspect {challenge_id} PART")
    else:
        cli.console.print(Markdown(shown))


def verbs(tools: SimpleNamespace) -> typer.Typer:
    """`tiltyard lab ...`: the entry point in the ``tiltyard.cli`` group (see pyproject.toml)."""
    cli.__dict__.update(vars(tools))
    return lab_app
