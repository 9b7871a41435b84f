"""The `tiltyard` command. Every command has --help with an example; --json where output is data."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from tiltyard.cli.render import print_json, report_panel, score, table, when
from tiltyard.errors import TiltyardError

console = Console()
err_console = Console(stderr=True)



class FriendlyGroup(typer.core.TyperGroup):
    """Turns any TiltyardError into its message and exit code 2, never a traceback; adds the
    verbs of plugins (``tiltyard lab ...``), imported only when one of them runs."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *_plugin_verbs()})

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and name in _plugin_verbs():
            tools = SimpleNamespace(console=console, table=table, print_json=print_json,
                                    bundle_for=bundle_for)
            command = typer.main.get_command(_plugin_verbs()[name].load()(tools))
            command.name = name
        return command

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except TiltyardError as error:
            err_console.print(f"[bold red]Error:[/] {error}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None


app = typer.Typer(name="tiltyard", cls=FriendlyGroup, no_args_is_help=True, rich_markup_mode="markdown",
                  help="Learn machine learning by doing the real task: real, messy data, graded "
                       "on answers you cannot see.\n\nStart with `tiltyard challenges`.")
catalog_app = typer.Typer(help="Build the built-in challenges.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@cache
def _plugin_verbs() -> dict:
    """Entry points in the ``tiltyard.cli`` group: a kind's own command group, by its name."""
    return {point.name: point for point in entry_points(group="tiltyard.cli")}


def building_progress():
    """A progress display for catalog builds, which fit baselines and can take a minute."""
    progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[challenge]}"), BarColumn(),
                        TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=err_console, transient=False)
    tasks: dict[str, int] = {}
    steps = ["loading data", "writing files", "fitting baseline: constant", "fitting baseline",
             "fitting baseline", "fitting baseline", "fitting baseline: automl",
             "writing brief and starters"]

    def report(challenge_id: str, step: str) -> None:
        if challenge_id not in tasks:
            tasks[challenge_id] = progress.add_task(step, total=len(steps), challenge=challenge_id)
        if step == "built":  # what a build in another process reports, at its end
            progress.update(tasks[challenge_id], description=step, completed=len(steps))
        else:
            progress.update(tasks[challenge_id], description=step, advance=1)

    return progress, report


def bundles_for(ids: list[str] | None = None, force: bool = False, jobs: int = 1):
    from tiltyard.challenges.registry import build

    progress, report = building_progress()
    with progress:
        return build(ids, force=force, progress=report, jobs=jobs)


def bundle_for(challenge_id: str):
    from tiltyard.challenges.registry import get_bundle

    progress, report = building_progress()
    with progress:
        return get_bundle(challenge_id, progress=report)


@app.command("challenges")
def list_challenges(json_: JsonOption = False,
                    tag: Annotated[str | None, typer.Option(help="Only challenges with this tag, e.g. grid.")] = None,
                    ) -> None:
    """The catalog: id, kind, task, metric, rows, difficulty, tags.

    Example: `tiltyard challenges --tag grid --json`
    """
    from tiltyard.challenges.registry import builtin_ids, get_bundle, ids_tagged, known_ids
    from tiltyard.plugins import kind_of

    ids = known_ids() if tag is None else ids_tagged(tag)
    builtins = [i for i in ids if i in builtin_ids()]
    if builtins:
        bundles_for(builtins)
    rows = []
    for challenge_id in ids:
        manifest = get_bundle(challenge_id).manifest
        rows.append({"id": manifest.id, "kind": manifest.kind, **kind_of(manifest).describe(manifest),
                     "metric": manifest.metric.primary, "difficulty": manifest.difficulty,
                     "tags": manifest.tags, "title": manifest.title})
    if json_:
        print_json(console, rows)
        return
    console.print(table("Challenges" + (f" tagged {tag}" if tag else ""),
                        ["id", "kind", "task", "metric", "rows", "difficulty", "tags"],
                        [[r["id"], r["kind"], r["task"], r["metric"],
                          f"{r['rows']:,}" if r["rows"] else "", r["difficulty"], ", ".join(r["tags"])]
                         for r in rows]))
    console.print("Next: [bold]tiltyard show ID[/] for the brief, [bold]tiltyard start ID[/] for a workspace.")


@catalog_app.command("build")
def catalog_build(ids: Annotated[list[str] | None, typer.Argument(help="Challenge ids (default: all).")] = None,
                  force: Annotated[bool, typer.Option(help="Rebuild even if present.")] = False,
                  jobs: Annotated[int, typer.Option(min=1, help="Challenges built at once, each in its own "
                                                           "process (under 1 GB each).")] = 1) -> None:
    """Build built-in challenges into the home folder (fits the baseline ladders).

    Example: `tiltyard catalog build titanic-v1 --force`, `tiltyard catalog build --jobs 2`
    """
    for bundle in bundles_for(ids, force=force, jobs=jobs):
        console.print(f"[green]✓[/] {bundle.manifest.id}  {bundle.root}  (bundle {bundle.hash[:12]})")


@app.command()
def show(challenge_id: Annotated[str, typer.Argument(help="Challenge id, e.g. titanic-v1.")],
         json_: JsonOption = False) -> None:
    """The brief: story, data dictionary, metric, split policy and baselines.

    Example: `tiltyard show flight-delays-v1`
    """
    bundle = bundle_for(challenge_id)
    if json_:
        # A private score is part of the hidden answers: never shown before a competition closes.
        print_json(console, bundle.manifest.model_dump(
            mode="json", exclude={"files": True, "baselines": {"__all__": {"private_score"}}}))
        return
    console.print(Markdown(bundle.brief))


@app.command()
def start(challenge_id: Annotated[str, typer.Argument(help="Challenge id, e.g. titanic-v1.")],
          directory: Annotated[Path | None, typer.Argument(help="Workspace folder (default: ./ID).")] = None,
          force: Annotated[bool, typer.Option(help="Write into a folder that is not empty.")] = False) -> None:
    """A workspace: data/, README.md (the brief), starter.py and starter.ipynb. Signed in to an
    arena (`tiltyard login`), its files come from the arena, which grades against them.

    Example: `tiltyard start titanic-v1 ~/work/titanic && cd ~/work/titanic && python starter.py`
    """
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient
    from tiltyard.plugins import kind_of

    arena = ArenaClient.from_saved()
    workspace = directory or Path(challenge_id)
    if workspace.exists() and any(workspace.iterdir()) and not force:
        raise TiltyardError(f"{workspace} already exists and is not empty",
                            expected="a new or empty folder", got=f"{len(list(workspace.iterdir()))} entries",
                            hint="Pick another folder, or pass --force to overwrite the starter files")
    if arena is not None:
        return remote.start(arena, challenge_id, workspace)
    bundle = bundle_for(challenge_id)
    next_step = kind_of(bundle).workspace(bundle, workspace)
    console.print(f"[green]✓[/] Workspace for [bold]{bundle.manifest.id}[/] in {workspace}: "
                  + ", ".join(sorted(p.name for p in workspace.iterdir())))
    console.print(f"  {next_step}", markup=False, highlight=False)


@app.command()
def submit(challenge_id: Annotated[str, typer.Argument(help="Challenge id, e.g. titanic-v1.")],
           file: Annotated[Path, typer.Argument(help="What the challenge grades: predictions (CSV or "
                                                     "Parquet) or code (a .py defining build_model()) "
                                                     "for a table, designs for a lab, a policy folder "
                                                     "(zipped on the way) for an agent.")],
           coach: Annotated[bool, typer.Option(help="Show the coach's findings on a predictions file.")] = True,
           competition: Annotated[str | None, typer.Option(
               help="Enter a class competition (its id or slug, from `tiltyard competitions`); "
                    "needs `tiltyard login`.")] = None,
           json_: JsonOption = False) -> None:
    """Validate, store and grade a submission; print the score and where it stands.

    A .py file is code: its `build_model()` is fitted on train and predicts the hidden test
    inside the sandbox; the report adds what the run used. Signed in to an arena
    (`tiltyard login`), the arena grades it (practice, or `--competition ID`).

    Example: `tiltyard submit titanic-v1 submission.csv` or `tiltyard submit titanic-v1 solution.py`
    """
    import tempfile

    from tiltyard.submissions import folder_as_zip

    with tempfile.TemporaryDirectory(prefix="tiltyard-folder-") as scratch:
        _submit(challenge_id, folder_as_zip(file, Path(scratch)), coach, competition, json_)


def _submit(challenge_id: str, file: Path, coach: bool, competition: str | None, json_: bool) -> None:
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient, require_arena
    from tiltyard.submissions import report_path, submit_file

    if competition is not None:
        return remote.submit(require_arena("submit --competition"), challenge_id, file,
                             competition, json_)
    arena = ArenaClient.from_saved()  # after `tiltyard login URL`, the server grades it
    if arena is not None:
        return remote.submit(arena, challenge_id, file, None, json_)
    from tiltyard.plugins import kind_of

    bundle = bundle_for(challenge_id)
    accepted = kind_of(bundle).formats(bundle.manifest)
    # A file of no accepted format is still stored and rejected with the reason, below.
    code = any(f.runs_code and file.suffix.lower() in f.suffixes for f in accepted)
    doing = "Running your code in the sandbox, then grading" if code else "Grading"
    with console.status(f"{doing}…"):
        report = submit_file(challenge_id, file)
    if json_:
        console.print_json(report.model_dump_json())
    else:
        console.print(report_panel(report, str(report_path(report.submission_id))))
        if report.status == "graded" and coach and not code:
            coach_predictions_file(challenge_id, file)
    if report.status != "graded":
        raise typer.Exit(1)


def coach_predictions_file(challenge_id: str, file: Path) -> None:
    """The findings that need no model (prediction distribution, hard labels, chasing the
    public board), shown right after the score."""
    import tiltyard
    from tiltyard.cli.coach import read_predictions_frame
    from tiltyard.coach.challenge import coach_challenge
    from tiltyard.coach.render import render_report

    challenge = tiltyard.load(challenge_id)
    if getattr(challenge, "task", None) is None:
        return  # the coach reads predictions of a supervised task
    with console.status("The score above is final; the coach is reading your predictions…"):
        report = coach_challenge(challenge, predictions=read_predictions_frame(file), progress=False)
    if report.findings:
        render_report(report, console, new_lessons=report.new_lessons)


@app.command()
def history(challenge_id: Annotated[str | None, typer.Argument(help="Only this challenge.")] = None,
            json_: JsonOption = False) -> None:
    """Your submissions, oldest first: on this machine, or on the arena once signed in.

    Example: `tiltyard history titanic-v1`
    """
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient
    from tiltyard.submissions import history as load_history

    if (arena := ArenaClient.from_saved()) is not None:
        return remote.history(arena, challenge_id, json_)

    rows = load_history(challenge_id)
    data = [{"id": r.id, "challenge": r.challenge_id, "submitted_at": r.created_at, "file": r.filename,
             "status": r.status, "public_score": r.public_score, "final": r.is_final,
             "private_score": r.private_score if r.is_final else None, "error": r.error_code}
            for r in rows]
    if json_:
        print_json(console, data)
        return
    if not data:
        console.print("No submissions yet. Try [bold]tiltyard start titanic-v1[/].")
        return
    console.print(table("Submissions", ["id", "challenge", "when", "file", "status", "public", "final", "private"],
                        [[d["id"], d["challenge"], when(d["submitted_at"]), d["file"],
                          d["status"] + (f" ({d['error']})" if d["error"] else ""), score(d["public_score"]),
                          "★" if d["final"] else "", score(d["private_score"])] for d in data]))


@app.command()
def leaderboard(challenge_id: Annotated[str, typer.Argument(help="Challenge id.")],
                competition: Annotated[str | None, typer.Option(
                    help="A class competition's board (id or slug); needs `tiltyard login`.")] = None,
                json_: JsonOption = False) -> None:
    """Submissions and the baselines, best public score first: on this machine, or the arena's
    board once signed in.

    Example: `tiltyard leaderboard titanic-v1` or `tiltyard leaderboard titanic-v1 --competition 2`
    """
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient, require_arena
    from tiltyard.submissions import leaderboard as load_leaderboard

    if competition is not None:
        return remote.leaderboard(require_arena("leaderboard --competition"), challenge_id,
                                  competition, json_)
    if (arena := ArenaClient.from_saved()) is not None:
        return remote.leaderboard(arena, challenge_id, None, json_)

    bundle_for(challenge_id)
    entries = load_leaderboard(challenge_id)
    if json_:
        print_json(console, entries)
        return
    console.print(table(f"Leaderboard: {challenge_id}",
                        ["rank", "who", "submission", "public", "private", "when", "bundle"],
                        [[e["rank"], e["who"], e["submission_id"] or "", score(e["public_score"]),
                          score(e["private_score"]), when(e["submitted_at"]), e["bundle_hash"][:12]]
                         for e in entries],
                        highlight=[i for i, e in enumerate(entries) if not e["baseline"]]))


@app.command()
def report(submission_id: Annotated[int, typer.Argument(help="Submission id from `tiltyard history`.")],
           json_: JsonOption = False) -> None:
    """Show a submission's report (the arena's, once signed in).

    Example: `tiltyard report 3 --json`
    """
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient
    from tiltyard.submissions import get_report, report_path

    if (arena := ArenaClient.from_saved()) is not None:
        return remote.report(arena, submission_id, json_)

    result = get_report(submission_id)
    if json_:
        console.print_json(result.model_dump_json())
        return
    console.print(report_panel(result, str(report_path(submission_id))))


@app.command()
def final(challenge_id: Annotated[str, typer.Argument(help="Challenge id.")],
          submission_id: Annotated[int, typer.Argument(help="The submission to be judged on.")],
          json_: JsonOption = False) -> None:
    """Choose your final submission; only then is its private score shown. A final may be
    changed 2 times per challenge (going back to one already shown is free). Once signed in,
    on the arena; in a competition, private scores show when it closes.

    Example: `tiltyard final titanic-v1 3`
    """
    from tiltyard.cli import remote
    from tiltyard.client import ArenaClient
    from tiltyard.submissions import FINAL_CHANGES_PER_CHALLENGE, choose_final, final_changes, report_path

    if (arena := ArenaClient.from_saved()) is not None:
        return remote.final(arena, challenge_id, submission_id, json_)
    result = choose_final(challenge_id, submission_id)
    if json_:
        console.print_json(result.model_dump_json())
        return
    console.print(report_panel(result, str(report_path(submission_id))))
    gap = result.private_score - result.public_score
    console.print(f"Private minus public: {gap:+.4f}. A large gap means the public score flattered "
                  "(or undersold) this submission; the private rows decide.")
    used, _seen = final_changes(challenge_id)
    console.print(f"Changes of final left on {challenge_id}: {FINAL_CHANGES_PER_CHALLENGE - used}.")


@app.command()
def check(target: Annotated[str, typer.Argument(
              help="A challenge id (a built-in is built on first use) or a bundle folder.")],
          refit: Annotated[bool, typer.Option(help="Also refit the baselines and compare scores.")] = False,
          only: Annotated[str | None, typer.Option(help="Run one check by its id, e.g. table.ids.")] = None,
          json_: JsonOption = False) -> None:
    """Check a challenge's bundle against the contract (manifest, hashes, ids, answers, baselines).

    Example: `tiltyard check titanic-v1 --refit`, or `tiltyard check ./my-bundle`
    """
    from tiltyard.check import check_challenge

    path = Path(target)
    if not path.exists() and "/" not in target:  # an id: its bundle in the catalog
        path = bundle_for(target).root
    with console.status("Checking…"):
        result = check_challenge(path, refit=refit, only=only)
    if json_:
        print_json(console, {"path": str(path), "challenge_id": result.challenge_id, "ok": result.ok,
                             "checks": [c.__dict__ for c in result.checks]})
    else:
        console.print(table(f"check {path}", ["", "id", "check", "detail"],
                            [["[green]✓[/]" if c.passed else "[red]✗[/]", c.id, c.name, c.detail]
                             for c in result.checks]))
        console.print("[green]All checks passed.[/]" if result.ok
                      else f"[red]{len(result.failures)} checks failed.[/]")
    if not result.ok:
        raise typer.Exit(1)


def _register_command_groups() -> None:
    from tiltyard.cli import arena, author, backup, coach, grid, regrade, remote, worker

    arena.register(app)
    author.register(app)
    backup.register(app)
    regrade.register(app)
    coach.register(app)
    grid.register(app)
    remote.register(app)
    worker.register(app)


_register_command_groups()


def main() -> None:
    app()
