"""The learner commands once `tiltyard login URL` has saved a login: each speaks to the arena's
HTTP API, so every id and every command they print refers to the arena, not this machine."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tiltyard.cli.render import print_json, report_panel, score, table, when
from tiltyard.client import ArenaClient, require_arena

console = Console()


def register(app: typer.Typer) -> None:
    app.command()(competitions)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def competitions(json_: Annotated[bool, typer.Option("--json", help="Print machine-readable "
                                                                    "JSON.")] = False,
                 every: Annotated[bool, typer.Option("--all", help="Upcoming and closed ones "
                                                                   "too.")] = False) -> None:
    """Your class competitions that are open now, with the submissions you have left today.

    Needs `tiltyard login URL`. Example: `tiltyard competitions`, then
    `tiltyard submit titanic-v1 submission.csv --competition ID`
    """
    arena = require_arena("competitions")
    found = arena.competitions(None if every else "open")
    if json_:
        print_json(console, found)
        return
    if not found:
        console.print(f"No {'' if every else 'open '}competitions in your classes on {arena.url}. "
                      "Join a class with its code on the arena's /me page.")
        return
    console.print(table(f"Competitions on {arena.url}",
                        ["id", "slug", "title", "class", "challenge", "state", "closes",
                         "left today"],
                        [[c["id"], c["slug"], c["title"], c["class_name"], c["challenge_id"],
                          c["state"], when(_moment(c["closes_at"])), _left(c["allowance"])]
                         for c in found]))
    first = found[0]
    console.print(f"Submit: [bold]tiltyard submit {first['challenge_id']} submission.csv "
                  f"--competition {first['id']}[/]")


def _left(allowance: dict | None) -> str:
    if allowance is None:
        return ""
    return (f"{allowance['left_today']} of {allowance['limit']} "
            f"(resets in {allowance['resets_in']})")


def start(arena: ArenaClient, challenge_id: str, workspace: Path) -> None:
    """Unpack the arena's workspace: its public files are the ones it grades against."""
    with tempfile.TemporaryDirectory() as folder:
        archive = arena.download_workspace(challenge_id, Path(folder) / "workspace.zip")
        with zipfile.ZipFile(archive) as unpacked:
            unpacked.extractall(workspace)
    console.print(f"[green]✓[/] Workspace for [bold]{challenge_id}[/] from {arena.url} in "
                  f"{workspace}: " + ", ".join(sorted(p.name for p in workspace.iterdir())))
    if (workspace / "starter.py").exists():
        console.print(f"  cd {workspace} && python starter.py && "
                      f"tiltyard submit {challenge_id} submission.csv")
    else:
        console.print(f"  cd {workspace} and open the notebook; the brief is README.md")


def submit(arena: ArenaClient, challenge_id: str, file: Path, competition: str | None,
           json_: bool) -> None:
    from tiltyard.errors import TiltyardError

    entered = arena.competition(competition) if competition else None
    if entered and entered["challenge_id"] != challenge_id:
        raise TiltyardError(f"{entered['title']} is on {entered['challenge_id']}, not "
                            f"{challenge_id}", expected=f"a file for {entered['challenge_id']}",
                            got=challenge_id, code="wrong_challenge",
                            hint=f"Run `tiltyard submit {entered['challenge_id']} {file} "
                                 f"--competition {entered['id']}`")
    with console.status(f"Submitting to {arena.url}…"):
        report = arena.submit(challenge_id, file, entered["id"] if entered else None)
    if json_:
        console.print_json(report.model_dump_json())
    else:
        console.print(report_panel(report, f"{arena.url}/submissions/{report.submission_id}",
                                   competition=entered["title"] if entered else None))
        allowance = (arena.competition(str(entered["id"]))["allowance"] if entered else
                     arena.json("GET", f"/api/v1/challenges/{challenge_id}/allowance"))
        if allowance:
            console.print(f"Submissions left today: {_left(allowance)}; a rejected file uses "
                          "none.")
    if report.status != "graded":
        raise typer.Exit(1)


def history(arena: ArenaClient, challenge_id: str | None, json_: bool) -> None:
    rows = arena.history(challenge_id)
    data = [{"id": r["id"], "challenge": r["challenge_id"], "competition": r["competition_id"],
             "submitted_at": r["submitted_at"], "file": r["filename"], "status": r["status"],
             "public_score": r["public_score"], "final": r["final"],
             "private_score": _private_if_shown(arena, r), "error": r["error_code"]}
            for r in rows]
    if json_:
        print_json(console, data)
        return
    if not data:
        console.print(f"No submissions on {arena.url} yet. Try [bold]tiltyard start "
                      f"{challenge_id or 'titanic-v1'}[/].")
        return
    console.print(table(f"Submissions on {arena.url}",
                        ["id", "challenge", "where", "when", "file", "status", "public", "final",
                         "private"],
                        [[d["id"], d["challenge"],
                          f"competition {d['competition']}" if d["competition"] else "practice",
                          when(_moment(d["submitted_at"])), d["file"],
                          d["status"] + (f" ({d['error']})" if d["error"] else ""),
                          score(d["public_score"]), "★" if d["final"] else "",
                          score(d["private_score"])] for d in data]))


def _private_if_shown(arena: ArenaClient, row: dict) -> float | None:
    if not row["final"] or row["status"] != "graded":
        return None
    return arena.report(row["id"]).private_score


def leaderboard(arena: ArenaClient, challenge_id: str, competition: str | None,
                json_: bool) -> None:
    competition_id = arena.competition(competition)["id"] if competition else None
    board = arena.leaderboard(challenge_id, competition_id)
    if json_:
        print_json(console, board)
        return
    rows = board["rows"]
    console.print(table(f"Leaderboard: {board['title']} on {arena.url} ({board['scoring']} "
                        f"{board['metric']})",
                        ["rank", "who", "score", "public", "submissions", "when"],
                        [[r["rank"], r["who"] + (" ★" if r["final"] else "")
                          + (f" (final changed {r['final_changes']}×)" if r["final_changes"]
                             else ""),
                          score(r["score"]), score(r["public_score"]),
                          "" if r["baseline"] else r["submissions"],
                          when(_moment(r["submitted_at"]))] for r in rows],
                        highlight=[i for i, r in enumerate(rows) if not r["baseline"]]))


def report(arena: ArenaClient, submission_id: int, json_: bool) -> None:
    result = arena.report(submission_id)
    if json_:
        console.print_json(result.model_dump_json())
        return
    console.print(report_panel(result, f"{arena.url}/submissions/{submission_id}",
                               competition=_competition_title(arena, submission_id)))


def _competition_title(arena: ArenaClient, submission_id: int) -> str | None:
    competition_id = arena.submission(submission_id)["competition_id"]
    if competition_id is None:
        return None
    return arena.json("GET", f"/api/v1/competitions/{competition_id}")["title"]


def final(arena: ArenaClient, challenge_id: str, submission_id: int, json_: bool) -> None:
    result, chosen = arena.choose_final(challenge_id, submission_id)
    if json_:
        console.print_json(result.model_dump_json())
        return
    title = _competition_title(arena, submission_id)
    console.print(report_panel(result, f"{arena.url}/submissions/{submission_id}",
                               competition=title))
    if result.private_score is not None:
        gap = result.private_score - result.public_score
        console.print(f"Private minus public: {gap:+.4f}. A large gap means the public score "
                      "flattered (or undersold) this submission; the private rows decide.")
    if chosen.get("final_changes_left") is not None:
        console.print(f"Changes of final left on {challenge_id}: {chosen['final_changes_left']}.")
