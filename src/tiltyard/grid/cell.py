"""One cell, run where the executor puts it: cut the outer split from the labelled training rows,
build the combination's estimator (or a ladder rung), fit and predict it in the sandbox through
the table kind's ``build_model()`` harness, and score the held-out rows with the challenge's
metric through the same validation a predictions file gets. The hidden test is never touched."""

from __future__ import annotations

import base64
import pickle
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tiltyard.challenges.registry import get_bundle
from tiltyard.config import get_settings
from tiltyard.errors import SubmissionError
from tiltyard.grid import components
from tiltyard.grid.spec import Component, GridError
from tiltyard.kinds.table.baselines import MAX_ONE_HOT_LEVELS, ladder, usable_columns
from tiltyard.kinds.table.code import in_manifest_order, run_code_submission
from tiltyard.kinds.table.grader import encode_target
from tiltyard.kinds.table.handle import Challenge, submission_frame
from tiltyard.kinds.table.validation import read_predictions
from tiltyard.runner.limits import SandboxLimits

NOT_RUN = "not_run"  # the outcome of a cell whose job could not run at all
CELL_FILE = "grid_cell.py"
# The cell's file: the user's modules first (registered under their names), then the estimator
# built on the host, unpickled by build_model().
CELL_TEMPLATE = '''"""A grid cell: build_model() returns the estimator the grid composed."""
import base64, linecache, pickle, sys, types

MODULES = {modules!r}
for name, source in MODULES.items():
    module = types.ModuleType(name)
    module.__file__ = "<grid module " + name + ">"
    linecache.cache[module.__file__] = (len(source), None, source.splitlines(True), module.__file__)
    sys.modules[name] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)

MODEL = {model!r}


def build_model():
    return pickle.loads(base64.b64decode(MODEL))
'''


def run_cell_job(payload: dict[str, Any]) -> dict[str, Any]:
    """The grid's job kind: one cell, its result JSON-ready (a failed fit is a result too)."""
    bundle = get_bundle(payload["challenge"])
    if bundle.hash != payload["bundle_hash"]:
        raise GridError(f"{payload['challenge']} changed since the grid was planned",
                        expected=f"bundle {payload['bundle_hash'][:12]}", got=f"bundle {bundle.hash[:12]}",
                        hint="run `tiltyard grid run SPEC` again: the changed challenge gets new cells")
    challenge = Challenge(bundle)
    task, metric = challenge.task, challenge.metric
    train_rows, test_rows = outer_split(challenge.y_train, payload["split"], task.type)
    fold_train = challenge.train.iloc[train_rows]
    model = build_estimator(payload, challenge, fold_train)
    budget = payload["budget"]
    limits = SandboxLimits(wall_seconds=budget["wall_seconds"], cpu_seconds=budget["cpu_seconds"],
                           memory_mb=budget["memory_mb"], threads=budget["threads"])
    X, y = challenge.X_train, challenge.y_train
    with tempfile.TemporaryDirectory(prefix="tiltyard-cell-") as folder:
        code = Path(folder) / CELL_FILE
        code.write_text(CELL_TEMPLATE.format(modules=payload.get("modules", {}),
                                             model=base64.b64encode(pickle.dumps(model)).decode()))
        run = run_code_submission(
            code, X.iloc[train_rows], y.iloc[train_rows], X.iloc[test_rows], task_type=task.type,
            needs_proba=metric.needs_proba, budget=limits, positive_label=task.positive_label,
            allow_weak_sandbox=get_settings().allow_weak_sandbox,
            data_files=tuple(bundle.root / table.file for table in bundle.manifest.tables))
    result = {"outcome": run.outcome.value, "message": run.message, "score": None, "metric": metric.name,
              "direction": metric.direction, "wall_s": run.wall_s, "cpu_s": run.cpu_s,
              "peak_memory_mb": run.peak_memory_mb, "limits_enforced_by": run.limits_enforced_by.value,
              "host": socket.gethostname(), "worker": _worker(), "train_rows": len(train_rows),
              "test_rows": len(test_rows),
              "traceback_tail": run.traceback_tail, "predictions": None}
    if not run.ok:
        return result
    ids = challenge.train[task.id_column].iloc[test_rows]
    frame = submission_frame(task, ids, in_manifest_order(run, task.classes))
    folder = Path(payload.get("predictions_dir") or tempfile.mkdtemp(prefix="tiltyard-cell-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{payload['key'].partition(':')[2]}.parquet"
    frame.to_parquet(path, index=False)
    try:
        values = read_predictions(path, task, metric, ids.to_numpy(), max_bytes=1 << 40).values
    except SubmissionError as error:
        return {**result, "outcome": "invalid_output", "message": error.render()}
    truth = y.iloc[test_rows]
    truth = pa.chunked_array([pa.array(truth.astype(float if task.type == "regression" else str).to_numpy())])
    score = metric(encode_target(truth, task), values)
    if not np.isfinite(score):
        return {**result, "outcome": "invalid_output", "message": f"the {metric.name} of the predictions is {score}"}
    return {**result, "score": score, "predictions": str(path) if payload.get("predictions_dir") else None}


def _worker() -> str:
    """Where the cell ran: the host, and the Ray node when a Ray worker runs it."""
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        return f"{socket.gethostname()}:ray-node-{ray.get_runtime_context().get_node_id()[:12]}"
    return socket.gethostname()


def outer_split(y: pd.Series, split: dict[str, int], task_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the training data that fit, and rows that score, for one outer split:
    fold ``fold`` of a shuffled ``folds``-fold split seeded by ``repeat`` (stratified for classes)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    folds, repeat = split["folds"], split["repeat"]
    stratify = task_type != "regression" and y.value_counts().min() >= folds
    splitter = (StratifiedKFold if stratify else KFold)(n_splits=folds, shuffle=True, random_state=repeat)
    for index, (train, test) in enumerate(splitter.split(np.zeros(len(y)), y if stratify else None)):
        if index == split["fold"]:
            return train, test
    raise GridError("No such outer fold", expected=f"a fold below {folds}", got=str(split["fold"]))


def build_estimator(payload: dict[str, Any], challenge: Challenge, fold_train: pd.DataFrame) -> Any:
    """The cell's unfitted estimator: a ladder rung, or the combination's pipeline."""
    task, metric, columns = challenge.task, challenge.metric, challenge.manifest.columns
    if payload.get("rung"):
        rungs = {rung.name: rung for rung in ladder(task, metric, fold_train, columns)}
        return rungs[payload["rung"]].make()
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    components.register_user_modules(payload.get("modules", {}))
    seed, threads = payload["seed"], payload["budget"]["threads"]
    built: dict[str, Any] = {}
    for filler in reversed(payload["fillers"]):  # fillers of fillers are built before what they fill
        built[filler["axis"]] = _component(filler, payload, built, seed, threads)
    steps = [(step["axis"], _component(step, payload, built, seed, threads)) for step in payload["steps"]]
    if payload["encode"] == "auto":
        numeric, categorical = usable_columns(fold_train, columns, MAX_ONE_HOT_LEVELS, task.target)
        encode = ColumnTransformer([
            ("numeric", SimpleImputer(strategy="median"), numeric),
            ("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=10,
                                          sparse_output=False), categorical)], sparse_threshold=0)
        steps.insert(0, ("encode", encode))
    model = Pipeline(steps)
    if metric.name == "rmsle":  # as the ladder does: fit log(1 + target), predict on the original scale
        model = TransformedTargetRegressor(model, func=np.log1p, inverse_func=np.expm1)
    return model


def _component(entry: dict, payload: dict, built: dict[str, Any], seed: int, threads: int) -> Any:
    fed = {f["parameter"]: built[f["axis"]] for f in payload["fillers"]
           if f["into"] == entry["axis"] and f["axis"] in built}
    component = Component.model_validate(entry["component"])
    estimator = components.build(component, where=f"axes.{entry['axis']}", extra=fed,
                                 max_trials=payload.get("max_trials"))
    params = getattr(estimator, "get_params", lambda deep=False: {})(deep=False)
    # The cell's seed and thread budget, unless the spec set them itself.
    chosen = {name: value for name, value in (("random_state", seed), ("n_jobs", threads))
              if name in params and name not in component.params}
    if chosen:
        estimator.set_params(**chosen)
    return estimator
