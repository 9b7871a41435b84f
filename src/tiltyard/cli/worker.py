"""`tiltyard worker`: run grading jobs from the store's durable queue."""

from __future__ import annotations

from typing import Annotated

import typer

from tiltyard.cli.render import print_json, table


def worker(
    executor: Annotated[str, typer.Option(help="Where jobs run: 'local' (a process pool) or 'ray'.")] = "local",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with --executor ray), e.g. 'auto'.")] = None,
    concurrency: Annotated[int | None, typer.Option(
        help="Jobs at once (default: 2 locally, the cluster's CPUs on Ray).")] = None,
    lease_seconds: Annotated[float, typer.Option(
        help="A job whose worker stops heartbeating this long is retried.")] = 30.0,
    until_idle: Annotated[bool, typer.Option(help="Stop when the queue is empty.")] = False,
    max_jobs: Annotated[int | None, typer.Option(help="Stop after claiming this many jobs.")] = None,
    name: Annotated[str | None, typer.Option(help="Worker name in the queue (default: host:pid).")] = None,
    allow_weak_sandbox: Annotated[bool, typer.Option(
        help="Where bubblewrap cannot run, grade code with rlimits only (trusted code only).")] = False,
    arena: Annotated[bool, typer.Option(
        help="Grade for the arena on this home: its own catalog, built from its secret "
             "instance seed, as the workers `tiltyard serve` starts do.")] = False,
    status: Annotated[bool, typer.Option("--status", help="Print the queue's job counts and exit.")] = False,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Run workers that take jobs (code submissions, grading) from the durable queue.

    Example: `tiltyard worker --until-idle`, `tiltyard worker --arena` (beside `tiltyard serve
    --workers 0`) or `tiltyard worker --executor ray --address auto`
    """
    import os

    from tiltyard.cli import console
    from tiltyard.config import get_settings
    from tiltyard.runner import queue
    from tiltyard.runner.worker import run_worker

    if status:
        counts = queue.status_counts()
        if json_:
            print_json(console, counts)
        else:
            console.print(table("Jobs", ["status", "count"], [[k, v] for k, v in counts.items()]))
        return
    if arena:
        from tiltyard.server.settings import get_arena_settings

        get_arena_settings().enter_arena()  # inherited by the pool processes too
    if allow_weak_sandbox:
        os.environ["TILTYARD_ALLOW_WEAK_SANDBOX"] = "1"  # read by pool processes too
        get_settings.cache_clear()

    def settled(job, outcome: str) -> None:
        console.print(f"job {job.id} ({job.kind}, attempt {job.attempt}): {outcome}")
        if arena:  # a grading job that failed for good rejects its submission, as on a server
            from tiltyard.server.grading import when_job_settles

            when_job_settles(job, outcome)

    with console.status(f"Worker on {executor}: waiting for jobs (Ctrl-C stops)…"):
        summary = run_worker(executor=executor, address=address, concurrency=concurrency,
                             lease_seconds=lease_seconds, until_idle=until_idle, max_jobs=max_jobs,
                             name=name, on_settled=settled, warm=not until_idle)
    if json_:
        print_json(console, summary.__dict__)
    else:
        console.print(f"Done {summary.done}, failed {summary.failed}, retried {summary.retried}, "
                      f"duplicates {summary.duplicates}.")


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
