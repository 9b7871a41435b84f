"""`tiltyard regrade ID`: grade every stored submission of a challenge again on its new version."""

from __future__ import annotations

from typing import Annotated

import typer

from tiltyard.cli.render import print_json, score, table


def regrade(challenge_id: Annotated[str, typer.Argument(help="The challenge whose submissions are graded again.")],
            to: Annotated[str | None, typer.Option(
                help="The bundle to grade on (default: the newest -vN of the same name).")] = None,
            arena: Annotated[bool, typer.Option(
                help="Regrade the arena on this home (its catalog; its classes' entries and "
                     "competitions move to the new version).")] = False,
            json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Grade every stored submission of a challenge again, explicitly, keeping each old grade
    (and the bundle hash it came from) beside the new one.

    Example: `tiltyard regrade house-prices-v1` (onto house-prices-v2), `tiltyard regrade
    titanic-v1 --arena` on the arena's machine
    """
    from rich.progress import Progress

    from tiltyard.cli import console, err_console

    if arena:
        from tiltyard.server.regrading import regrade_arena as run
        from tiltyard.server.settings import get_arena_settings

        get_arena_settings().enter_arena()
    else:
        from tiltyard.regrade import regrade as run

    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task(f"Regrading {challenge_id}", total=None)
        result = run(challenge_id, to=to,
                     progress=lambda done, total: progress.update(task, completed=done, total=total))
    if json_:
        print_json(console, {"from_id": result.from_id, "to_id": result.to_id, "to_hash": result.to_hash,
                             "unchanged": result.unchanged,
                             "regraded": [r.__dict__ for r in result.regraded]})
        return
    console.print(table(f"Regraded {result.from_id} on {result.to_id} (bundle {result.to_hash[:12]})",
                        ["submission", "owner", "old bundle", "old public", "new", "new public"],
                        [[r.submission_id, r.owner, r.old_bundle_hash[:12], score(r.old_public_score),
                          r.new_status, score(r.new_public_score)] for r in result.regraded]))
    console.print(f"{len(result.regraded)} graded again, {result.unchanged} unchanged; the old grades "
                  "stay in each report (`tiltyard report ID`).")


def register(app: typer.Typer) -> None:
    app.command("regrade")(regrade)
