"""Stored automl searches: the build-time artefact of the automl rung.

A FLAML search of 30 trials costs tens of seconds per table, and the catalog has forty: paid on
every fresh build (a learner's first ``tiltyard challenges``, every test session), it is most of
the build. The search is a pure function of what it is given, so a developer runs it once and
stores what it chose (``python -m tiltyard.kinds.table.searches``); a build whose rung meets the
same inputs — the training rows, the rung's budget and metric, the columns it may use, and the
versions of every library that fits — refits the stored choice (seconds) and writes the same
manifest, record and scores included, as a search would. Anything else (an author's table, an
arena's secret instance, another library version) searches, as before. ``tiltyard check
--refit`` refits the stored choice and compares the scores either way.
"""

from __future__ import annotations

import argparse
import contextvars
import hashlib
import importlib
import json
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

STORE = Path(__file__).parent / "searches"
LIBRARIES = ("flaml", "lightgbm", "xgboost", "sklearn", "numpy", "pandas", "scipy")  # modules
COMMAND = "python -m tiltyard.kinds.table.searches"

# Set while the developer's command rebuilds: search even where a stored search applies, and
# collect {challenge id: entry} for the store.
_searched: contextvars.ContextVar[dict | None] = contextvars.ContextVar("searched", default=None)


def versions() -> dict[str, str]:
    """By module, not distribution: XGBoost installs as ``xgboost-cpu`` here, ``xgboost`` elsewhere."""
    return {name: importlib.import_module(name).__version__ for name in LIBRARIES}


def search_key(features: pd.DataFrame, target: pd.Series, rung: str, columns: list) -> str:
    """What determines the search: every training cell and its type, the target, the rung's
    description (FLAML version, trials, threads, folds, wall cap, target transform), the data
    dictionary (which columns the rung may use and how) and the fitting libraries' versions."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(features, index=False).values.tobytes())
    digest.update(pd.util.hash_pandas_object(target, index=False).values.tobytes())
    described = {"columns": list(map(str, features.columns)), "dtypes": list(map(str, features.dtypes)),
                 "target": [str(target.name), str(target.dtype)], "rung": rung,
                 "dictionary": [column.model_dump(mode="json") for column in columns],
                 "versions": versions()}
    digest.update(json.dumps(described, sort_keys=True).encode())
    return digest.hexdigest()


def stored(challenge_id: str, key: str) -> dict | None:
    """The record a stored search chose, when one was stored for exactly these inputs."""
    if _searched.get() is not None:
        return None
    path = STORE / f"{challenge_id}.json"
    if not path.is_file():
        return None
    entry = json.loads(path.read_text(encoding="utf-8"))
    return entry["record"] if entry.get("key") == key else None


def searched(challenge_id: str, key: str, record: dict, seconds: float) -> None:
    """Called by the builder after a real search: kept when the developer's command runs."""
    collected = _searched.get()
    if collected is not None:
        collected[challenge_id] = {"challenge": challenge_id, "key": key, "record": record,
                                   "search_seconds": round(seconds, 1), "versions": versions()}


@contextmanager
def searching_again():
    """Search on every build inside the block; yields {challenge id: entry} of the searches."""
    collected: dict = {}
    token = _searched.set(collected)
    try:
        yield collected
    finally:
        _searched.reset(token)


def write_entry(entry: dict) -> Path:
    STORE.mkdir(parents=True, exist_ok=True)
    path = STORE / f"{entry['challenge']}.json"
    path.write_text(json.dumps(entry, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    from rich.progress import Progress

    from tiltyard.challenges.registry import builtin_builder, builtin_ids

    parser = argparse.ArgumentParser(prog=COMMAND, description="Search again for the automl rung of "
                                     "built-in table challenges and store what each search chose.")
    parser.add_argument("ids", nargs="*", help="challenge ids (default: every built-in table challenge)")
    args = parser.parse_args(argv)
    tables = [i for i in builtin_ids() if builtin_builder(i).kind == "table"]
    unknown = sorted(set(args.ids) - set(tables))
    if unknown:
        parser.error(f"not a built-in table challenge: {', '.join(unknown)} (expected one of: {', '.join(tables)})")
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory() as catalog, Progress() as progress:
        task = progress.add_task("searching", total=len(args.ids or tables))
        for challenge_id in args.ids or tables:
            progress.update(task, description=challenge_id)
            started = time.perf_counter()
            with searching_again() as collected:
                builtin_builder(challenge_id).build(Path(catalog))
            for entry in collected.values():
                path = write_entry({**entry, "date": date, "command": COMMAND})
                progress.console.print(f"{challenge_id}: {entry['record']['estimator']}, "
                                       f"{entry['record']['trials']} trials, {entry['search_seconds']} s "
                                       f"(build {time.perf_counter() - started:.0f} s) -> {path.name}")
            if not collected:
                progress.console.print(f"{challenge_id}: no automl rung (kept as first published)")
            progress.advance(task)
    return 0


if __name__ == "__main__":  # the builder reports to the imported module, not to __main__
    from tiltyard.kinds.table.searches import main as imported_main

    sys.exit(imported_main())
