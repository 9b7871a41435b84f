"""`tiltyard agent verify`: the verified budget track, run by the grader on this machine's queue."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import typer

# The CLI's own console and helpers (console, bundle_for), handed over by verbs(): this package
# never imports the CLI that sits above it.
cli = SimpleNamespace()
agent_app = typer.Typer(help="Agent challenges: the verified budget track.", no_args_is_help=True)


@agent_app.callback()
def agent() -> None:
    """Agent challenges: the verified budget track (a group, so that `verify` keeps its name)."""


@agent_app.command()
def verify(challenge_id: Annotated[str, typer.Argument(help="An agent challenge with a verified track, "
                                                           "e.g. cartpole-balance-v1.")],
           folder: Annotated[Path, typer.Argument(help="Your workspace folder (train.py, policy.py, budget.py), "
                                                       "or a .zip/.tar.gz of it.")],
           seeds: Annotated[str | None, typer.Option(help="Training seeds, comma-separated (default: the "
                                                          "challenge's, 3 of them).")] = None,
           executor: Annotated[str, typer.Option(help="local (a process pool) or ray.")] = "local",
           concurrency: Annotated[int | None, typer.Option(help="Training runs at once.")] = 1,
           address: Annotated[str | None, typer.Option(help="A Ray cluster's address.")] = None,
           json_: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False) -> None:
    """Train your train.py in the sandbox once per training seed, under the challenge's step cap
    (counted by the grader), its wall cap and thread count, then play each trained policy on the
    sealed seeds: IQM over the seeds with a stratified-bootstrap interval, and the probability
    of improvement over the reference rung.

    Example: `tiltyard agent verify cartpole-balance-v1 cartpole/`
    """
    from tiltyard.kinds.agent.verified import statement_lines, track_of, verify

    bundle = cli.bundle_for(challenge_id)
    track = track_of(bundle)
    chosen = [int(seed) for seed in seeds.split(",")] if seeds else list(track.seeds)
    with cli.console.status(f"Training {folder} on {len(chosen)} seeds in the sandbox (up to "
                            f"{track.wall_seconds:g} s each), then playing it on the sealed seeds…"):
        summary = verify(bundle, folder, seeds=chosen, executor=executor, concurrency=concurrency, address=address)
    if json_:
        cli.console.print_json(json.dumps(summary))
    else:
        for line in statement_lines(summary):
            cli.console.print(line, markup=False, highlight=False)
    if summary["failed_seeds"]:
        raise typer.Exit(1)


def verbs(tools: SimpleNamespace) -> typer.Typer:
    """`tiltyard agent ...`: the entry point in the ``tiltyard.cli`` group (see pyproject.toml)."""
    cli.__dict__.update(vars(tools))
    return agent_app
