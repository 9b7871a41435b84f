"""Show a coach report and lessons in the terminal with Rich."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tiltyard.coach.findings import CoachReport, Finding, Severity
from tiltyard.coach.journal import MetLesson
from tiltyard.coach.lesson_book import all_lessons, get_lesson

STYLE = {Severity.SERIOUS: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def finding_panel(finding: Finding) -> Panel:
    lesson = all_lessons().get(finding.lesson)
    body = [Text(finding.evidence)]
    if finding.next_steps:
        body.append(Text("\nTry next:", style="bold"))
        body += [Text(f"  • {step}") for step in finding.next_steps]
    charts = [path for path in (finding.plot, *finding.extra_plots) if path is not None]
    if charts:
        body.append(Text(f"\nChart{'s' if len(charts) > 1 else ''}: " + ", ".join(map(str, charts)),
                         style="dim"))
    body.append(Text(f"\nLesson: tiltyard lessons {finding.lesson}"
                     + (f"  ({lesson.title})" if lesson else ""), style="green"))
    title = Text.assemble((f"{finding.severity.value.upper()} ", STYLE[finding.severity]),
                          (finding.id, "bold"), f"  {finding.title}")
    return Panel(Group(*body), title=title, title_align="left", border_style=STYLE[finding.severity])


def render_report(report: CoachReport, console: Console | None = None, *,
                  new_lessons: list[str] = ()) -> None:
    console = console or Console()
    scores = report.scores
    if scores.get("folds"):
        console.print(f"[bold]{report.challenge_id or 'coach'}[/]  {scores['metric']}: train "
                      f"{scores['train']:.4f}, cross-validated {scores['cross_validated']:.4f} "
                      f"± {scores['cross_validated_std']:.4f} ({scores['folds']} folds), constant "
                      f"{scores['constant']:.4f}   [dim]{report.seconds:.1f}s[/]")
        if scores.get("time_ordered"):
            console.print(f"[bold]Validated in time order[/] (the test rows come later): {scores['validation']}.")
    if not report.findings:
        console.print("[green]No findings: nothing the coach knows how to spot went wrong.[/]")
    for finding in report.findings:
        console.print(finding_panel(finding))
    if report.skipped:
        console.print(f"[yellow]Time budget spent; not run:[/] {', '.join(report.skipped)}")
    for lesson_id in new_lessons:
        console.print(f"[green]New lesson unlocked:[/] {get_lesson(lesson_id).title} "
                      f"(tiltyard lessons {lesson_id})")
    if report.folder is not None:
        console.print(f"[dim]Report and charts: {report.folder}[/]")


def render_lesson(lesson_id: str, console: Console | None = None) -> None:
    console = console or Console()
    console.print(Markdown(get_lesson(lesson_id).markdown))


def render_lessons_met(met: list[MetLesson], console: Console | None = None, *,
                       show_all: bool = False) -> None:
    console = console or Console()
    lessons = all_lessons()
    table = Table(title="Lessons met" if not show_all else "Lessons")
    for column in ("lesson", "title", "opened by", "first met", "times"):
        table.add_column(column)
    seen = {m.lesson_id for m in met}
    for m in met:
        title = lessons[m.lesson_id].title if m.lesson_id in lessons else "(retired lesson)"
        table.add_row(m.lesson_id, title, f"{m.first_finding} on {m.first_challenge or '-'}",
                      m.first_met_at.strftime("%Y-%m-%d %H:%M"), str(m.times_met))
    if show_all:
        for lesson in lessons.values():
            if lesson.id not in seen:
                table.add_row(lesson.id, lesson.title, "[dim]not met yet[/]", "", "")
    if not met and not show_all:
        console.print("No lessons met yet: run `tiltyard coach ID solution.py` and they open "
                      "as findings need them (`tiltyard lessons --all` lists every one).")
        return
    console.print(table)
