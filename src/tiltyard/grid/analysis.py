"""The grid's statistics: does a component help, across contexts?

Every cell's score is put on the ladder's scale of its own split (0 = the constant rung,
1 = the boosted-trees rung, both run on the same outer split), so challenges with different
metrics can be pooled. A failed cell counts at the constant rung's score; the complete-cells
view beside it leaves failures out. Intervals are 95% percentile bootstraps (tiltyard.stats)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations as pairs

import numpy as np
import pandas as pd

from tiltyard import stats
from tiltyard.challenges.registry import get_bundle
from tiltyard.grid.plan import BOOSTED_RUNG, CONSTANT_RUNG, Plan
from tiltyard.metrics import get_metric
from tiltyard.runner import queue
from tiltyard.runner.jobs import JobStatus

RUN_COLUMNS = ["split", "seed"]
ELO_ROUNDS = 100


def cells_frame(plan: Plan) -> pd.DataFrame:
    """One row per cell of the plan: what it is, where it stands, and its score on both scales."""
    jobs = queue.jobs_by_key(plan.keys)
    axes = list(plan.spec.axes)
    rows = []
    for cell in plan.cells:
        job = jobs.get(cell.key)
        result = (job.result or {}) if job is not None and job.status == JobStatus.DONE else {}
        outcome = result.get("outcome") or ("not_run" if job is not None and job.status == JobStatus.FAILED else None)
        rows.append({"key": cell.key, "challenge": cell.challenge, "entry": cell.label, "rung": cell.rung,
                     **{axis: cell.combination.get(axis) if cell.combination else None for axis in axes},
                     "split": cell.split.index, "repeat": cell.split.repeat, "fold": cell.split.fold,
                     "seed": cell.seed, "status": job.status if job is not None else "new", "outcome": outcome,
                     "score": result.get("score"), "cpu_s": result.get("cpu_s"), "wall_s": result.get("wall_s"),
                     "host": result.get("host"), "worker": result.get("worker") or result.get("host"),
                     "predictions": result.get("predictions"),
                     "message": result.get("message") or (job.error if job is not None else None),
                     "finished_at": job.finished_at if job is not None else None})
    frame = pd.DataFrame(rows)
    return _on_ladder_scale(frame, plan)


def _on_ladder_scale(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    maximize = {}
    fallback = {}
    for challenge in plan.challenges:
        manifest = get_bundle(challenge.id).manifest
        maximize[challenge.id] = get_metric(manifest.metric.primary).direction == "maximize"
        fallback[challenge.id] = {b.name: b.public_score for b in manifest.baselines}
    frame["maximize"] = frame["challenge"].map(maximize)
    rungs = frame[frame["rung"].notna() & (frame["outcome"] == "ok")]
    for rung, column in ((CONSTANT_RUNG, "constant"), (BOOSTED_RUNG, "boosted")):
        on_split = rungs[rungs["rung"] == rung].set_index(["challenge", "split"])["score"]
        index = pd.MultiIndex.from_frame(frame[["challenge", "split"]])
        frame[column] = on_split.reindex(index).to_numpy(dtype=float)
        # The manifest's score on the hidden test, when the rung's own cell on this split failed.
        missing = frame[column].isna()
        frame.loc[missing, column] = [fallback[c].get(rung, np.nan) for c in frame.loc[missing, "challenge"]]
    return normalise(frame)


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Given each cell's ``constant`` and ``boosted`` rung scores on its split: the score with
    failures at the constant rung (``filled``), and both on the ladder's 0-1 scale.

    Where the boosted-trees rung does not beat the constant on a split (an overfitted log loss
    on a small multiclass table does this) the scale has no unit, and would turn upside down:
    such a split is ``unscaled`` and has no normalised score."""
    frame["complete"] = frame["outcome"] == "ok"
    frame["filled"] = frame["score"].where(frame["complete"], frame["constant"]).astype(float)
    span = frame["boosted"] - frame["constant"]
    gain = pd.Series(np.where(frame["maximize"].astype(bool), span, -span), index=frame.index)
    frame["unscaled"] = gain <= 0
    frame["normalised"] = (frame["filled"] - frame["constant"]) / span.where(gain > 0)
    frame["normalised_complete"] = frame["normalised"].where(frame["complete"])
    return frame


def entries(frame: pd.DataFrame, *, with_rungs: bool = True) -> pd.DataFrame:
    settled = frame[frame["outcome"].notna()]
    return settled if with_rungs else settled[settled["rung"].isna()]


def _interval(values: np.ndarray) -> dict[str, float]:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return {"estimate": math.nan, "low": math.nan, "high": math.nan}
    if len(values) < 2:
        return {"estimate": float(values[0]), "low": math.nan, "high": math.nan}
    return stats.bootstrap_ci(values).as_dict()


def per_challenge(frame: pd.DataFrame) -> pd.DataFrame:
    """Per challenge × entry: mean score over splits × seeds with its 95% interval (failed cells
    at the constant rung), the complete-cells-only mean beside it, and how many cells failed."""
    rows = []
    for (challenge, entry), group in entries(frame).groupby(["challenge", "entry"], sort=False):
        all_cells, complete = _interval(group["filled"].to_numpy(float)), group.loc[group["complete"], "score"]
        rows.append({"challenge": challenge, "entry": entry, "cells": len(group),
                     "failed": int((~group["complete"]).sum()), "mean": all_cells["estimate"],
                     "low": all_cells["low"], "high": all_cells["high"],
                     "mean_complete": float(complete.mean()) if len(complete) else math.nan,
                     "normalised": float(group["normalised"].mean())})
    return pd.DataFrame(rows)


def paired(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Entry ``a`` against ``b`` per challenge, over identical splits and seeds: the mean of
    a - b with its interval, signed so that positive means a is better."""
    rows = []
    for challenge, group in entries(frame).groupby("challenge", sort=False):
        left = group[group["entry"] == a].set_index(RUN_COLUMNS)["filled"]
        right = group[group["entry"] == b].set_index(RUN_COLUMNS)["filled"]
        both = left.index.intersection(right.index)
        if len(both) == 0:
            continue
        sign = 1.0 if group["maximize"].iloc[0] else -1.0
        diff = sign * (left[both].to_numpy() - right[both].to_numpy())
        interval = _interval(diff)
        rows.append({"challenge": challenge, "a": a, "b": b, "pairs": len(both), "difference": interval["estimate"],
                     "low": interval["low"], "high": interval["high"], "a_better": float((diff > 0).mean())})
    return pd.DataFrame(rows)


@dataclass
class Board:
    pool: str  # what was ranked against what: ranks depend on it
    table: pd.DataFrame
    method: str  # how the IQM's interval was drawn


def board(frame: pd.DataFrame, *, column: str = "normalised", elo: bool = True) -> Board:
    """Across challenges: IQM of the ladder-normalised score with its interval, Bradley–Terry Elo
    with bootstrap intervals (bencheval; from two challenges on), win rate and mean rank, over
    every entry and both rungs."""
    settled = entries(frame)
    per_task = settled.groupby(["entry", "challenge"], sort=False)[column].mean().unstack("challenge")
    # An entry with no score at all (on the complete-cells board: one that never finished) is
    # left out and named, rather than emptying the board; then the challenges every entry has.
    absent = [name for name in per_task.index if per_task.loc[name].isna().all()]
    per_task = per_task.drop(index=absent).dropna(axis=1, how="any")
    names, challenges = list(per_task.index), list(per_task.columns)
    pool = (f"{len(names)} entries (grid combinations and the constant and boosted-trees rungs) on "
            f"{len(challenges)} challenge(s): {', '.join(challenges)}"
            + (f"; left out, with no score: {', '.join(absent)}" if absent else "")
            + _unscaled_note([c for c in unscaled(frame) if c not in challenges]))
    if not names or not challenges:
        return Board(pool, pd.DataFrame(), "none")
    iqm_rows, method = {}, ""
    for name in names:
        runs = settled[settled["entry"] == name].pivot_table(index=RUN_COLUMNS, columns="challenge", values=column)
        runs = runs[challenges].dropna()  # the runs common to every challenge
        if len(runs) >= 2:
            interval, method = stats.stratified_bootstrap_ci(runs.to_numpy()), "stratified bootstrap over runs"
        elif len(challenges) >= 2:
            values = per_task.loc[name].to_numpy(float)
            interval, method = stats.bootstrap_ci(values, stats.iqm), "bootstrap over challenges (one run each)"
        else:
            value = float(per_task.loc[name].iloc[0])
            interval, method = stats.Interval(value, math.nan, math.nan), "one value, no interval"
        iqm_rows[name] = interval.as_dict()
    table = pd.DataFrame({"entry": names, "iqm": [iqm_rows[n]["estimate"] for n in names],
                          "iqm_low": [iqm_rows[n]["low"] for n in names],
                          "iqm_high": [iqm_rows[n]["high"] for n in names]}).set_index("entry")
    table["win_rate"], table["mean_rank"] = _win_rate_and_rank(per_task)
    if elo and len(challenges) >= 2:
        table = table.join(_elo(per_task))
    return Board(pool, table.sort_values("iqm", ascending=False).reset_index(), method)


def unscaled(frame: pd.DataFrame) -> list[str]:
    """Challenges with a split where the boosted-trees rung did not beat the constant one."""
    settled = entries(frame)
    return list(dict.fromkeys(settled.loc[settled["unscaled"], "challenge"]))


def _unscaled_note(challenges: list[str]) -> str:
    if not challenges:
        return ""
    return (f"; left out, the boosted-trees rung not beating the constant there (no scale): "
            f"{', '.join(challenges)}")


def _win_rate_and_rank(per_task: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    ranks = per_task.rank(axis=0, ascending=False, method="average")
    wins = pd.Series(0.0, index=per_task.index)
    for first, second in pairs(per_task.index, 2):
        a, b = per_task.loc[first].to_numpy(), per_task.loc[second].to_numpy()
        score = (a > b) + 0.5 * (a == b)
        wins[first] += score.sum()
        wins[second] += (1 - score).sum()
    games = (len(per_task.index) - 1) * per_task.shape[1]
    return (wins / games if games else wins * math.nan), ranks.mean(axis=1)


def _elo(per_task: pd.DataFrame) -> pd.DataFrame:
    from bencheval.evaluator import BenchmarkEvaluator

    long = per_task.stack().rename("value").reset_index()
    # bencheval ranks errors (lower is better, never negative): the distance below each task's best.
    long["metric_error"] = long.groupby("challenge")["value"].transform("max") - long["value"]
    long = long.rename(columns={"entry": "method", "challenge": "task"})[["method", "task", "metric_error"]]
    evaluator = BenchmarkEvaluator(method_col="method", task_col="task", error_col="metric_error",
                                   columns_to_agg_extra=None)
    elo = evaluator.compute_elo(long, BOOTSTRAP_ROUNDS=ELO_ROUNDS)
    return pd.DataFrame({"elo": elo["elo"], "elo_low": elo["elo"] - elo["elo-"], "elo_high": elo["elo"] + elo["elo+"]})


def effects(frame: pd.DataFrame, axes: list[str], axis: str, reference: str | None = None) -> dict[str, pd.DataFrame]:
    """Each value x of ``axis`` against the reference x0 (by default the axis's first entry),
    paired over every context (the other axes, challenge, split, seed): the mean difference in
    ladder-normalised score with its interval, the shares of contexts improved and made worse
    (the rest are ties: a scaler before a tree changes nothing), and the
    interaction tables (x × each other axis, x × challenge)."""
    grid = entries(frame, with_rungs=False)
    grid = grid[grid[axis].notna()]
    values = list(dict.fromkeys(grid[axis]))
    if not values:
        return {"summary": pd.DataFrame()}
    reference = reference or values[0]
    others = [other for other in axes if other != axis]
    context = [*others, "challenge", *RUN_COLUMNS]
    keyed = grid.assign(**{c: grid[c].fillna("—") for c in others})
    base = keyed[keyed[axis] == reference].set_index(context)["normalised"]
    summary, by_other = [], []
    for value in values:
        if value == reference:
            continue
        mine = keyed[keyed[axis] == value].set_index(context)["normalised"]
        both = mine.index.intersection(base.index)
        diff = (mine[both] - base[both]).dropna()
        if diff.empty:
            continue
        interval = _interval(diff.to_numpy())
        summary.append({"axis": axis, "value": value, "reference": reference, "contexts": len(diff),
                        "difference": interval["estimate"], "low": interval["low"], "high": interval["high"],
                        "improved": float((diff > 0).mean()), "worse": float((diff < 0).mean())})
        named = diff.rename("difference").reset_index()
        for other in [*others, "challenge"]:
            for level, group in named.groupby(other, sort=False):
                by_other.append({"value": value, "by": other, "level": level, "contexts": len(group),
                                 "difference": float(group["difference"].mean()),
                                 "improved": float((group["difference"] > 0).mean())})
    return {"summary": pd.DataFrame(summary), "interactions": pd.DataFrame(by_other)}


def costs(frame: pd.DataFrame) -> pd.DataFrame:
    """CPU seconds per cell (the sandbox's start included), and its ratio to the CPU seconds of
    the boosted-trees rung's fit on the same split and the same worker, so that cells run on a
    slow node and on a fast one compare alike; where no rung of that split finished on the
    cell's worker, the rung on another worker stands in, and ``same_worker`` says how often not."""
    settled = entries(frame)
    rungs = settled[(settled["rung"] == BOOSTED_RUNG) & settled["complete"]]
    on_worker = rungs.groupby(["challenge", "split", "worker"])["cpu_s"].median()
    on_split = rungs.groupby(["challenge", "split"])["cpu_s"].median()
    where = pd.MultiIndex.from_frame(settled[["challenge", "split", "worker"]])
    same = on_worker.reindex(where).to_numpy(float)
    other = on_split.reindex(pd.MultiIndex.from_frame(settled[["challenge", "split"]])).to_numpy(float)
    yardstick = np.where(np.isfinite(same), same, other)
    cpu = settled["cpu_s"].to_numpy(float)
    compared = np.isfinite(yardstick) & np.isfinite(cpu)  # a job that never ran has no CPU to compare
    with_ratio = settled.assign(ratio=cpu / yardstick, same_worker=np.where(compared, np.isfinite(same), np.nan))
    return with_ratio.groupby("entry", sort=False).agg(
        cells=("key", "size"), cpu_s_median=("cpu_s", "median"),
        cpu_s_total=("cpu_s", lambda cpu: cpu.sum(min_count=1)), ratio_to_boosted=("ratio", "median"),
        same_worker=("same_worker", "mean")).reset_index()


def axes_with_choices(frame: pd.DataFrame, plan: Plan) -> list[str]:
    """Axes where at least two values were tried (where an effect can be measured)."""
    return [axis for axis in plan.spec.axes if frame[axis].dropna().nunique() >= 2]
