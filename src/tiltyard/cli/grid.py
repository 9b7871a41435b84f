"""`tiltyard grid plan|run|status|report SPEC`: many-to-many benchmarks from a spec file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from tiltyard.cli.render import print_json, table

grid_app = typer.Typer(help="Benchmark components inside whole pipelines over many challenges.",
                       no_args_is_help=True)
SpecArgument = Annotated[Path, typer.Argument(help="The grid spec (TOML).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _plan(spec_path: Path):
    from tiltyard.grid.plan import plan
    from tiltyard.grid.run import predictions_dir
    from tiltyard.grid.spec import load_spec

    return plan(load_spec(spec_path), predictions_dir=str(predictions_dir()))


def _states(the_plan) -> dict[str, str]:
    from tiltyard.grid.run import cell_states

    return cell_states(the_plan)


def _counts(the_plan) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in _states(the_plan).values():
        counts[str(state)] = counts.get(str(state), 0) + 1
    return counts


@grid_app.command("plan")
def plan_command(spec: SpecArgument, json_: JsonOption = False) -> None:
    """The cells a spec makes, the most CPU time they may use, and what is already done."""
    from tiltyard.cli import console

    the_plan = _plan(spec)
    budget = the_plan.spec.budget
    summary = {"grid": the_plan.spec.name, "protocol": the_plan.spec.protocol,
               "combinations": [c.label for c in the_plan.combinations],
               "challenges": [c.id for c in the_plan.challenges], "seeds": the_plan.spec.seeds,
               "cells": len(the_plan.cells), "grid_cells": len(the_plan.grid_cells),
               "ladder_cells": len(the_plan.cells) - len(the_plan.grid_cells),
               "cpu_hours_at_most": round(the_plan.cpu_hours(), 3), "budget": budget.model_dump(),
               "states": _counts(the_plan)}
    if json_:
        print_json(console, summary)
        return
    console.print(table(f"Grid {the_plan.spec.name} ({the_plan.spec.protocol})", ["what", "value"], [
        ["combinations", f"{len(the_plan.combinations)}: " + ", ".join(summary["combinations"])],
        ["challenges", f"{len(the_plan.challenges)}: " + ", ".join(summary["challenges"])],
        ["seeds", ", ".join(map(str, the_plan.spec.seeds))],
        ["cells", f"{summary['grid_cells']} + {summary['ladder_cells']} ladder rungs (constant, boosted trees)"],
        ["CPU-hours at most", f"{summary['cpu_hours_at_most']:g} ({budget.cpu_seconds:g} s CPU per cell)"],
        ["done so far", ", ".join(f"{k}: {v}" for k, v in summary["states"].items())]]))


@grid_app.command("run")
def run_command(
    spec: SpecArgument,
    executor: Annotated[str, typer.Option(help="'local' (a process pool) or 'ray'.")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --executor ray).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Cells at once (default: 2 locally, "
                                                         "the cluster's CPUs on Ray).")] = None,
    max_cells: Annotated[int | None, typer.Option(help="Stop after this many cells (run again to go on).")] = None,
    json_: JsonOption = False,
) -> None:
    """Run the cells not done yet; stopping and running again resumes (nothing is done twice)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tiltyard.cli import console
    from tiltyard.grid.run import run_plan

    the_plan = _plan(spec)
    todo = sum(state != "done" for state in _states(the_plan).values())
    if max_cells is not None:
        todo = min(todo, max_cells)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=json_, transient=False) as progress:
        bar = progress.add_task(f"grid {the_plan.spec.name} on {executor}", total=todo)

        def advanced(cell, status: str) -> None:
            progress.update(bar, advance=1, description=f"{cell.challenge}: {cell.label} ({status})")

        summary = run_plan(the_plan, executor=executor, address=address, concurrency=concurrency,
                           max_cells=max_cells, on_cell=advanced)
    if json_:
        print_json(console, summary.__dict__)
        return
    console.print(f"Ran {summary.ran} cell(s), {summary.already_done} were already done, {summary.left} left; "
                  f"outcomes {summary.outcomes}" + (f"; {summary.failed_to_run} could not run"
                                                    if summary.failed_to_run else "") + ".")


@grid_app.command("status")
def status_command(spec: SpecArgument, json_: JsonOption = False) -> None:
    """How many cells are done, failed, queued or new, per challenge."""
    from tiltyard.cli import console
    from tiltyard.grid.analysis import cells_frame

    frame = cells_frame(_plan(spec))
    frame["state"] = [outcome if status == "done" else status for status, outcome in
                      zip(frame["status"], frame["outcome"])]
    counts = frame.groupby(["challenge", "state"]).size().unstack(fill_value=0)
    if json_:
        print_json(console, {"cells": len(frame), "by_challenge": counts.to_dict(orient="index")})
        return
    console.print(table(f"{len(frame)} cells", ["challenge", *counts.columns],
                        [[index, *row] for index, row in zip(counts.index, counts.to_numpy().tolist())]))


@grid_app.command("report")
def report_command(
    spec: SpecArgument,
    json_: JsonOption = False,
    html: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the results in AMLB's results.csv columns.")] = None,
) -> None:
    """The board (IQM, Elo, win rate, rank), component effects with intervals, per-challenge means, costs."""
    from tiltyard.cli import console
    from tiltyard.grid.report import amlb_results, as_json, build_report, unscaled_note, write_html

    the_plan = _plan(spec)
    report = build_report(the_plan)
    if csv is not None:
        amlb_results(the_plan, report["frame"]).to_csv(csv, index=False)
    if html is not None:
        write_html(report, html)
    if json_:
        console.print_json(as_json(report))
        return
    board = report["board"]
    console.print(table(f"Board ({board['interval']}); pool: {board['pool']}",
                        ["entry", "IQM normalised [95%]", "Elo [95%]", "win rate", "mean rank"],
                        [[r["entry"], _interval(r["iqm"], r["iqm_low"], r["iqm_high"]),
                          _interval(r.get("elo"), r.get("elo_low"), r.get("elo_high"), digits=0),
                          _number(r["win_rate"]), _number(r["mean_rank"], 2)] for r in board["rows"]]))
    if report["unscaled"]:
        console.print(unscaled_note(report["unscaled"]))
    for axis, tables in report["effects"].items():
        console.print(table(f"Effect of {axis} (paired over every context; + = better than the reference)",
                            ["value", "reference", "contexts", "difference [95%]", "improved", "worse"],
                            [[r["value"], r["reference"], r["contexts"],
                              _interval(r["difference"], r["low"], r["high"]), f"{r['improved']:.0%}",
                              f"{r['worse']:.0%}"]
                             for r in tables["summary"]]))
    console.print(table("Cost (CPU s per cell; the ratio is to the boosted-trees rung's fit on the same split "
                        "and worker)", ["entry", "cells", "median CPU s", "× boosted-trees rung", "same worker"],
                        [[r["entry"], r["cells"], _number(r["cpu_s_median"], 2), _number(r["ratio_to_boosted"], 2),
                          "—" if r["same_worker"] is None else f"{r['same_worker']:.0%}"] for r in report["costs"]]))
    for path in (html, csv):
        if path is not None:
            console.print(f"Wrote {path}")


def _number(value, digits: int = 3) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _interval(estimate, low, high, digits: int = 3) -> str:
    if estimate is None:
        return "—"
    if low is None or high is None:
        return _number(estimate, digits)
    return f"{_number(estimate, digits)} [{_number(low, digits)}, {_number(high, digits)}]"


def register(app: typer.Typer) -> None:
    app.add_typer(grid_app, name="grid")
