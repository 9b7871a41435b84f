"""`tiltyard serve`, `login` and `logout`: run the arena, or point the CLI at one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(login)
    app.command()(logout)


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          build: Annotated[bool, typer.Option(help="Build the built-in challenges first.")] = True,
          workers: Annotated[int, typer.Option(
              min=0, help="Grading worker processes started beside the server; 0 to run them "
                          "elsewhere with `tiltyard worker` on the same database.")] = 1,
          concurrency: Annotated[int, typer.Option(
              min=1, help="Submissions each worker process grades at once.")] = 2,
          processes: Annotated[int, typer.Option(
              min=1, help="Web server processes over the one store (rate limits, daily "
                          "limits, boards and sessions are held in the store).")] = 1) -> None:
    """Run the arena: web UI, HTTP API under /api/v1, and grading worker processes.

    Submissions wait in the store's durable queue, so a restart grades everything received.
    The first start creates the admin from TILTYARD_ADMIN_USERNAME and TILTYARD_ADMIN_PASSWORD,
    or prints a one-time setup link. Example: `tiltyard serve --host 0.0.0.0 --workers 2
    --processes 2`
    """
    import os

    import uvicorn

    from tiltyard.server import create_app
    from tiltyard.server.settings import get_arena_settings
    from tiltyard.store.database import check_connections_fit

    check_connections_fit(processes, workers, concurrency)  # before anything starts
    os.environ.setdefault("TILTYARD_PUBLIC_URL", f"http://{host}:{port}")
    get_arena_settings.cache_clear()
    get_arena_settings().enter_arena()
    if build:
        from tiltyard.challenges.registry import build as build_catalog

        with console.status("Building the arena's instance of the catalog from its secret "
                            "seed (first start fits the baselines)…"):
            build_catalog()
    arena = get_arena_settings().model_copy(update={"grading_workers": workers,
                                                     "grading_concurrency": concurrency})
    graders = (f"{workers} grading worker process{'es' if workers != 1 else ''}" if workers
               else "no grading workers: run `tiltyard worker` against the same database")
    console.print(f"Tiltyard arena on [bold]http://{host}:{port}[/] (API docs at /docs); {graders}"
                  + (f"; {processes} server processes" if processes > 1 else ""))
    if processes == 1:
        uvicorn.run(create_app(arena, serving=True), host=host, port=port, workers=1, log_level="warning")
        return
    _serve_in_processes(arena, host, port, processes)


def _serve_in_processes(arena, host: str, port: int, processes: int) -> None:
    """This process starts the arena once and its grading workers (which die with it), then
    supervises ``processes`` server processes sharing the port; each imports the app."""
    import uvicorn

    from tiltyard.server.app import start_arena
    from tiltyard.server.grading_processes import GradingProcesses

    start_arena(arena)
    graders = GradingProcesses(arena.grading_workers, arena.grading_concurrency,
                               arena.grading_lease_seconds, arena.grading_niceness)
    graders.start()
    try:
        uvicorn.run("tiltyard.server.app:one_of_several_processes", factory=True, host=host,
                    port=port, workers=processes, log_level="warning")
    finally:
        graders.stop()


def login(url: Annotated[str, typer.Argument(help="The arena's address, e.g. http://127.0.0.1:8000.")],
          username: Annotated[str, typer.Option(prompt=True)] = ...,
          password: Annotated[str, typer.Option(prompt=True, hide_input=True)] = ...) -> None:
    """Sign in to an arena; from then on the learner commands (start, submit, history, report,
    final, leaderboard, competitions) speak to it.

    Example: `tiltyard login http://127.0.0.1:8000`
    """
    from tiltyard.client import credentials_path
    from tiltyard.client import login as client_login

    saved = client_login(url, username, password)
    console.print(f"[green]✓[/] Signed in to {saved['url']} as [bold]{saved['username']}[/]; "
                  f"token saved in {credentials_path()}")
    console.print("`start`, `submit`, `history`, `report`, `final` and `leaderboard` now speak "
                  "to it; `tiltyard competitions` lists your open competitions; "
                  "`tiltyard logout` to work locally.")


def logout() -> None:
    """Forget (and revoke) the arena token; `tiltyard submit` grades locally again.

    Example: `tiltyard logout`
    """
    from tiltyard.client import logout as client_logout

    saved = client_logout()
    console.print(f"Signed out of {saved['url']}." if saved else "Not signed in to any arena.")
