"""`tiltyard coach` and `tiltyard lessons`: diagnoses with evidence, and the lessons they open."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def coach(challenge_id: Annotated[str, typer.Argument(help="Challenge id, e.g. credit-risk-v1.")],
          solution: Annotated[Path | None, typer.Argument(help="A .py file defining build_model().")] = None,
          predictions: Annotated[Path | None, typer.Option(help="Coach a predictions file instead of a model.")] = None,
          budget: Annotated[float, typer.Option(help="Stop checking after this many seconds.")] = 600.0,
          max_rows: Annotated[int | None, typer.Option(help="Coach on a sample of this many training rows.")] = None,
          json_: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False) -> None:
    """Fit and cross-validate your model on the training data (never the hidden answers) and
    say, with evidence, what went wrong, what to try next, and which lesson explains it.

    Example: `tiltyard coach credit-risk-v1 solution.py` or `tiltyard coach titanic-v1 --predictions submission.csv`
    """
    import tiltyard
    from tiltyard.cli import bundle_for, console
    from tiltyard.coach.challenge import coach_challenge, load_build_model
    from tiltyard.coach.render import render_report
    from tiltyard.errors import TiltyardError

    if (solution is None) == (predictions is None):
        raise TiltyardError("Coach one thing at a time", expected="a solution file, or --predictions FILE",
                            got="both" if solution else "neither",
                            hint=f"tiltyard coach {challenge_id} solution.py")
    bundle_for(challenge_id)
    challenge = tiltyard.load(challenge_id)
    if solution is not None:
        report = coach_challenge(challenge, load_build_model(solution), budget_seconds=budget,
                                 max_rows=max_rows, progress=not json_ and console)
    else:
        report = coach_challenge(challenge, predictions=read_predictions_frame(predictions),
                                 budget_seconds=budget, progress=not json_ and console)
    if json_:
        console.print_json((report.folder / "coach.json").read_text())
    else:
        render_report(report, console, new_lessons=report.new_lessons)
    if report.serious:
        raise typer.Exit(1)


def read_predictions_frame(path: Path):
    import pandas as pd

    return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)


def lessons(lesson_id: Annotated[str | None, typer.Argument(help="Show this lesson.")] = None,
            all_: Annotated[bool, typer.Option("--all", help="List every lesson, met or not.")] = False) -> None:
    """The lessons you have met (a finding opened them), or one lesson in full.

    Example: `tiltyard lessons` then `tiltyard lessons target-leakage`
    """
    from tiltyard.cli import console
    from tiltyard.coach.journal import lessons_met
    from tiltyard.coach.render import render_lesson, render_lessons_met

    if lesson_id:
        render_lesson(lesson_id, console)
    else:
        render_lessons_met(lessons_met(), console, show_all=all_)


def register(app: typer.Typer) -> None:
    app.command("coach")(coach)
    app.command("lessons")(lessons)
