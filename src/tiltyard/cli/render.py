"""Rich renderings shared by the commands: reports, ladders, tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tiltyard.metrics import METRICS
from tiltyard.plugins import get_kind
from tiltyard.report import Report


def metric_title(name: str) -> str:
    return METRICS[name].title if name in METRICS else name.replace("_", " ").capitalize()


def print_json(console: Console, data) -> None:
    console.print_json(json.dumps(data, default=str))


def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence], *,
          highlight: Iterable[int] = ()) -> Table:
    out = Table(title=title, header_style="bold", title_justify="left")
    for index, column in enumerate(columns):
        out.add_column(column, no_wrap=index == 0)  # ids stay whole, to copy and paste
    highlighted = set(highlight)
    for index, row in enumerate(rows):
        out.add_row(*[str(cell) for cell in row], style="bold cyan" if index in highlighted else None)
    return out


def ladder_table(report: Report) -> Table:
    """The baselines and this submission, best first, on the public split."""
    show_private = report.private_scores is not None
    rows = [(rung.public_score, f"baseline: {rung.name}", rung.private_score, rung.description)
            for rung in report.ladder]
    rows.append((report.public_score, "▶ this submission", report.private_score, report.filename))
    best_first = -1 if report.direction == "maximize" else 1
    rows.sort(key=lambda r: best_first * r[0])
    columns = ["", f"public {metric_title(report.primary_metric)}"] + (["private"] if show_private else []) + ["what"]
    body = []
    mine = None
    for index, (public, name, private, what) in enumerate(rows):
        if name.startswith("▶"):
            mine = index
        body.append([name, score(public)] + ([score(private)] if show_private else []) + [what])
    return table("Baseline ladder", columns, body, highlight=[mine] if mine is not None else [])


def section_lines(report: Report) -> list[Text]:
    """One line per report section that has something to say in a terminal (its kind decides)."""
    lines = (get_kind(section.kind).summary(section) for section in report.sections)
    return [Text(line, style="cyan") for line in lines if line]


def report_panel(report: Report, path: str | None = None, *, competition: str | None = None) -> Panel:
    """``competition``: the title of the class competition the submission entered, whose
    private scores stay hidden until it closes, final or not."""
    title = f"Submission #{report.submission_id} to {report.challenge_id}"
    if report.status == "rejected":
        error = report.error
        message = error.message if error.message.endswith((".", "!", "?")) else error.message + "."
        lines = [Text(message, style="bold red")]
        if error.expected:
            lines.append(Text(f"Expected: {error.expected}"))
        if error.got:
            lines.append(Text(f"Got:      {error.got}"))
        if error.hint:
            lines.append(Text(f"What to do: {error.hint}", style="yellow"))
        lines.append(Text(f"The file was stored (sha256 {report.submission_sha256[:12]}…) "
                          "with this reason; earlier submissions are untouched.", style="dim"))
        lines += section_lines(report)
        if path:
            lines.append(Text(f"Report: {path}", style="dim"))
        return Panel(Group(*lines), title=f"{title}: rejected ({error.code})", border_style="red")

    better = "higher" if report.direction == "maximize" else "lower"
    rows = f", {report.public_rows:,} public rows" if report.public_rows else ""
    title_of_metric = metric_title(report.primary_metric)
    headline = Text.assemble(("Public " + title_of_metric + ": ", "bold"),
                             (score(report.public_score), "bold green"),
                             f"  ({better} is better{rows})")
    parts: list = [headline]
    if report.private_scores is not None:
        parts.append(Text.assemble(("Private " + title_of_metric + ": ", "bold"),
                                   (score(report.private_score), "bold magenta"),
                                   f"  (final submission, {report.private_rows:,} private rows)"))
    others = {k: v for k, v in report.public_scores.items() if k != report.primary_metric}
    if others:
        parts.append(Text("Also: " + ", ".join(f"{metric_title(k)} {v:.4f}" for k, v in others.items())))
    parts.append(Text(f"Ladder: {report.ladder_summary}"))
    parts.append(Text(f"Graded on bundle {report.bundle_hash[:12]}", style="dim"))
    for earlier in report.earlier_grades:
        parts.append(Text(f"Before a regrade: {earlier.challenge_id} bundle {earlier.bundle_hash[:12]} "
                          f"gave {score(earlier.public_score)} public"
                          + (f", {score(earlier.private_score)} private"
                             if earlier.private_score is not None else ""), style="dim"))
    if report.rank_among_own:
        parts.append(Text(f"Among your {report.own_submissions} graded submissions to this "
                          f"challenge: #{report.rank_among_own}"))
    parts += section_lines(report)
    parts.append(ladder_table(report))
    for warning in report.warnings:
        parts.append(Text(f"Note: {warning}", style="yellow"))
    choose = f"tiltyard final {report.challenge_id} {report.submission_id}"
    if competition and report.private_scores is not None:
        pass  # closed: the private score is there
    elif competition and not report.final:
        parts.append(Text(f"Private scores of {competition} stay hidden until it closes; to be "
                          f"judged on this one: {choose}", style="dim"))
    elif competition:
        parts.append(Text(f"Your final for {competition}; its private score shows once it "
                          "closes.", style="dim"))
    elif report.private_scores is None:
        from tiltyard.submissions import FINAL_CHANGES_PER_CHALLENGE

        parts.append(Text(f"The private score stays hidden until you choose a final submission "
                          f"(a final may be changed {FINAL_CHANGES_PER_CHALLENGE} times per "
                          f"challenge): {choose}", style="dim"))
    if path:
        parts.append(Text(f"Report: {path}", style="dim"))
    return Panel(Group(*parts), title=f"{title}: graded", border_style="green")
