"""What the store knows of each grid run: its spec and its cells (key, challenge, split, seed,
combination or rung), recorded by ``run_plan``, so a grid's report can be built from the store
alone, without the spec file or the user's component modules (the arena's grid page does so).
The cells' results are the queue's jobs; a grid run again under the same name replaces its record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from tiltyard.errors import TiltyardError, did_you_mean
from tiltyard.grid.plan import Cell, ChallengeInfo, Combination, Plan, Split
from tiltyard.grid.spec import spec_from_dict
from tiltyard.runner import queue
from tiltyard.runner.jobs import JobStatus
from tiltyard.store import session_scope
from tiltyard.store.models import Base, utcnow


class GridNotFound(TiltyardError):
    code = "grid_not_found"


class GridRecord(Base):
    __tablename__ = "grid_records"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    spec: Mapped[dict] = mapped_column(JSON)
    challenges: Mapped[list] = mapped_column(JSON)
    cells: Mapped[list] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def record_plan(plan: Plan) -> None:
    """Keep (or replace) the record of ``plan`` under its spec's name."""
    cells = [{"key": c.key, "challenge": c.challenge, "split": asdict(c.split), "seed": c.seed,
              "choices": [list(choice) for choice in c.combination.choices] if c.combination else None,
              "rung": c.rung} for c in plan.cells]
    values = {"spec": plan.spec.model_dump(mode="json"), "challenges": [asdict(c) for c in plan.challenges],
              "cells": cells, "recorded_at": utcnow()}
    with session_scope() as session:
        record = session.get(GridRecord, plan.spec.name)
        if record is None:
            session.add(GridRecord(name=plan.spec.name, **values))
        else:
            for field, value in values.items():
                setattr(record, field, value)


def recorded_names() -> list[str]:
    with session_scope() as session:
        return list(session.scalars(select(GridRecord.name).order_by(GridRecord.name)))


def stored_plan(name: str) -> Plan:
    """The plan recorded under ``name``; GridNotFound (with a "did you mean") if there is none."""
    with session_scope() as session:
        record = session.get(GridRecord, name)
        if record is not None:
            spec, challenges, cells = record.spec, record.challenges, record.cells
    if record is None:
        names = recorded_names()
        raise GridNotFound(f"No grid named {name!r} in this store",
                           expected="the name of a grid run here with `tiltyard grid run SPEC`",
                           got=name, hint=did_you_mean(name, names) or f"known grids: {', '.join(names) or 'none'}")
    plan_cells = []
    for cell in cells:
        combination = Combination(tuple(tuple(choice) for choice in cell["choices"])) if cell["choices"] else None
        plan_cells.append(Cell(cell["key"], cell["challenge"], Split(**cell["split"]), cell["seed"], combination,
                               cell["rung"], {}))
    combinations = list(dict.fromkeys(c.combination for c in plan_cells if c.combination is not None))
    return Plan(spec_from_dict(spec, source=f"the stored spec of grid {name!r}"),
                combinations, [ChallengeInfo(**c) for c in challenges], plan_cells)


@dataclass(frozen=True)
class GridState:
    counts: dict[str, int]  # 'done', 'failed', 'pending' (queued, running or never enqueued)
    # A digest of the spec, the cells and each settled cell's job: it changes when a cell is
    # settled, retried or requeued, or the grid is recorded with other cells, and only then.
    settled: str


def grid_state(plan: Plan) -> GridState:
    jobs = queue.jobs_by_key(plan.keys)
    counts = {"done": 0, "failed": 0, "pending": 0}
    digest = hashlib.sha256(json.dumps(plan.spec.model_dump(mode="json"), sort_keys=True).encode())
    for key in plan.keys:
        job = jobs.get(key)
        settled = job is not None and job.status in (JobStatus.DONE, JobStatus.FAILED)
        counts[job.status if settled else "pending"] += 1
        digest.update(f"{key}:{job.status}:{job.attempts}:{job.finished_at}\n".encode() if settled
                      else f"{key}:pending\n".encode())
    return GridState(counts, digest.hexdigest())


def status_counts(plan: Plan) -> dict[str, int]:
    """{'done', 'failed', 'pending'}: pending counts queued, running and never-enqueued cells."""
    return grid_state(plan).counts
