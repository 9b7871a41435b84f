"""Run a plan's cells as durable jobs of the store's queue, and read back where each one is.

A cell's job key is its content hash, so enqueueing a plan again finds the cells already done
(they are not run twice), an interrupted run resumes with what is left, and an edited component
has new keys for its own cells only. Results live in the store with the queue (no table of
their own); each cell's held-out predictions are a small Parquet file in the home."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tiltyard.config import get_settings
from tiltyard.grid.plan import CELL_JOB, Cell, Plan, check_fits_nodes
from tiltyard.grid.records import record_plan
from tiltyard.runner import queue
from tiltyard.runner.jobs import JobStatus
from tiltyard.runner.worker import run_worker

LEASE_SECONDS = 60.0


def predictions_dir() -> Path:
    """Held-out predictions of every cell, by cell key; on a cluster spanning machines this
    home must be shared (the cell's worker writes the file)."""
    return get_settings().home / "grid" / "predictions"


@dataclass
class RunSummary:
    cells: int
    already_done: int
    ran: int = 0
    failed_to_run: int = 0
    left: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def cell_states(plan: Plan) -> dict[str, str]:
    """{cell key: 'done' | 'failed' | 'queued' | 'running' | 'new'} (new: never enqueued)."""
    jobs = queue.jobs_by_key(plan.keys)
    return {key: (jobs[key].status if key in jobs else "new") for key in plan.keys}


def run_plan(plan: Plan, *, executor: str = "local", address: str | None = None, concurrency: int | None = None,
             max_cells: int | None = None, on_cell: Callable[[Cell, str], None] | None = None) -> RunSummary:
    """Run every cell not done yet (failed jobs get fresh attempts); ``max_cells`` stops early."""
    by_key = {cell.key: cell for cell in plan.cells}
    record_plan(plan)
    before = cell_states(plan)
    summary = RunSummary(cells=len(plan.cells), already_done=sum(s == JobStatus.DONE for s in before.values()))
    queue.requeue_failed([key for key, state in before.items() if state == JobStatus.FAILED])
    for cell in plan.cells:
        if before[cell.key] == "new":
            queue.enqueue(CELL_JOB, cell.payload, key=cell.key, max_attempts=2)
    if executor == "ray" and address:
        _check_ray_nodes(plan, address)

    def settled(job, status: str) -> None:
        cell = by_key[job.payload["key"]]
        if on_cell is not None:
            on_cell(cell, status)

    keys = [key for key, state in before.items() if state != JobStatus.DONE]
    if keys:
        worker = run_worker(executor=executor, address=address, concurrency=concurrency, until_idle=True,
                            max_jobs=max_cells, keys=keys, lease_seconds=LEASE_SECONDS, on_settled=settled)
        summary.ran, summary.failed_to_run = worker.done, worker.failed
    after = queue.jobs_by_key(plan.keys)
    summary.left = sum(1 for key in plan.keys if after[key].status != JobStatus.DONE)
    for job in after.values():
        if job.status == JobStatus.DONE:
            outcome = job.result["outcome"]
            summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
    return summary


def _check_ray_nodes(plan: Plan, address: str | None) -> None:
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    finally:
        if started_here:
            ray.shutdown()
    check_fits_nodes(plan.spec, nodes)
