"""A table's columns as an agent sees them: context columns encoded as numbers, one reward
per action per row, and the rows grouped into episodes in order.

Every check here says which column or row broke the mapping and what to do about it: a learner
maps their own data with :func:`tiltyard.kinds.agent.tables.from_table` and the first error
they meet should be the last one they need to read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tiltyard.errors import TiltyardError, did_you_mean

MISSING_POLICIES = ("error", "indicate")
MISSING_CATEGORY = "missing"


class TableMappingError(TiltyardError):
    """A DataFrame that cannot become an environment as asked."""

    code = "table_mapping"


@dataclass(frozen=True)
class Features:
    """The context columns as a float32 matrix (one row per table row) and a name per column."""

    values: np.ndarray
    names: list[str]


def require_columns(frame: pd.DataFrame, columns: Sequence[str], role: str) -> None:
    for column in columns:
        if column not in frame.columns:
            known = [str(c) for c in frame.columns]
            raise TableMappingError(
                f"There is no column {column!r} to use as {role}",
                expected="one of " + ", ".join(known[:20]) + (" ..." if len(known) > 20 else ""),
                got=repr(column), hint=did_you_mean(str(column), known) or "Check frame.columns")


def _rows(mask: pd.Series, limit: int = 5) -> str:
    labels = mask[mask].index[:limit].tolist()
    more = int(mask.sum()) - len(labels)
    return ", ".join(map(repr, labels)) + (f" and {more} more" if more > 0 else "")


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _gaps(series: pd.Series, what: str, missing: str, indicated: str) -> pd.Series:
    """Where ``series`` is empty; a TableMappingError unless gaps are to be indicated."""
    absent = series.isna()
    if absent.any() and missing == "error":
        raise TableMappingError(
            f"The {what} {series.name!r} has {int(absent.sum())} missing values (rows {_rows(absent)})",
            expected="a value in every row, since an observation cannot hold a gap",
            got=f"{int(absent.sum())} of {len(series)} rows empty",
            hint=f"Fill them yourself (frame.fillna), or pass missing='indicate' to {indicated}")
    return absent


def _numeric(frame: pd.DataFrame, column: str, missing: str) -> tuple[list[np.ndarray], list[str]]:
    absent = _gaps(frame[column], "context column", missing,
                   "fill with the column's median and add a 0/1 column saying the value was missing")
    values = frame[column].astype(float).to_numpy()
    if not absent.any():
        return [values], [column]
    median = float(np.nanmedian(values)) if (~absent).any() else 0.0
    return [np.where(absent, median, values), absent.to_numpy(dtype=float)], [column, f"{column}_missing"]


def _one_hot(frame: pd.DataFrame, column: str, missing: str) -> tuple[list[np.ndarray], list[str]]:
    absent = _gaps(frame[column], "one-hot column", missing, f"give them a category {MISSING_CATEGORY!r}")
    text = frame[column].astype(object).where(~absent, MISSING_CATEGORY).astype(str)
    categories = sorted(set(text))
    return ([(text == category).to_numpy(dtype=float) for category in categories],
            [f"{column}={category}" for category in categories])


def encode_context(frame: pd.DataFrame, context: Sequence[str], one_hot: Sequence[str],
                   missing: str) -> Features:
    """Numbers stay as they are (booleans become 0/1); ``one_hot`` columns become one 0/1
    column per category, in sorted order, named ``column=category``."""
    if missing not in MISSING_POLICIES:
        raise TableMappingError("Unknown way to treat missing values", expected=" or ".join(MISSING_POLICIES),
                                got=repr(missing), hint=did_you_mean(str(missing), MISSING_POLICIES))
    if not context:
        raise TableMappingError("An observation needs at least one context column",
                                expected="context=[...] naming the columns the agent sees", got="none")
    require_columns(frame, context, "context")
    strays = [c for c in one_hot if c not in context]
    if strays:
        raise TableMappingError(f"one_hot names {strays[0]!r}, which is not a context column",
                                expected="one_hot columns listed in context too", got=repr(list(one_hot)),
                                hint=did_you_mean(str(strays[0]), context) or f"Add {strays[0]!r} to context")
    columns: list[np.ndarray] = []
    names: list[str] = []
    for column in context:
        if column in one_hot:
            parts, labels = _one_hot(frame, column, missing)
        elif _is_numeric(frame[column]):
            parts, labels = _numeric(frame, column, missing)
        else:
            example = frame[column].dropna().astype(str).head(3).tolist()
            raise TableMappingError(
                f"The context column {column!r} holds {frame[column].dtype} values, not numbers",
                expected="numeric context columns, or text columns named in one_hot=[...]",
                got="values such as " + ", ".join(map(repr, example)),
                hint=f"Pass one_hot=[{column!r}] to give each category its own 0/1 column")
        columns += parts
        names += labels
    values = np.column_stack(columns).astype(np.float32)
    if not np.isfinite(values).all():
        bad = [names[j] for j in range(values.shape[1]) if not np.isfinite(values[:, j]).all()]
        raise TableMappingError("A context column holds infinite values", expected="finite numbers",
                                got=f"inf in {', '.join(bad)}", hint="Replace them (frame.replace) or drop the rows")
    return Features(values=values, names=names)


def reward_matrix(frame: pd.DataFrame, rewards: Mapping[str, str | float], context: Sequence[str]) -> np.ndarray:
    """One column per action: the reward that action earns on each row."""
    if not isinstance(rewards, Mapping) or len(rewards) < 2:
        raise TableMappingError("An agent needs at least two actions to choose between",
                                expected="rewards={'action': 'reward column' or a number, ...} with 2+ actions",
                                got=repr(rewards))
    columns = []
    for action, source in rewards.items():
        if isinstance(source, bool) or not isinstance(source, (str, int, float)):
            raise TableMappingError(f"The reward of action {action!r} is neither a column nor a number",
                                    expected="a column name or a constant", got=repr(source))
        if not isinstance(source, str):
            columns.append(np.full(len(frame), float(source)))
            continue
        require_columns(frame, [source], f"the reward of action {action!r}")
        if source in context:
            raise TableMappingError(
                f"The column {source!r} is both context and the reward of {action!r}",
                expected="rewards the agent learns only after it acts",
                got=f"{source!r} in context", hint=f"Drop {source!r} from context: the agent would read its reward")
        series = frame[source]
        if not _is_numeric(series):
            raise TableMappingError(f"The reward column {source!r} is not numeric", expected="numbers",
                                    got=f"{series.dtype} values such as {series.astype(str).head(2).tolist()}",
                                    hint="Compute a numeric reward column first (e.g. with np.where)")
        absent = series.isna()
        if absent.any():
            raise TableMappingError(
                f"The reward column {source!r} has {int(absent.sum())} missing values (rows {_rows(absent)})",
                expected="a reward in every row", got=f"{int(absent.sum())} empty rows",
                hint="Drop those rows or say what the action earns there (frame.fillna)")
        columns.append(series.astype(float).to_numpy())
    return np.column_stack(columns)


def episode_rows(frame: pd.DataFrame, episode_by: str | None, order_by: str | None) -> tuple[list, list[np.ndarray]]:
    """Each episode's key and its rows (positions) in order."""
    for column, role in ((episode_by, "episode_by"), (order_by, "order_by")):
        if column is not None:
            require_columns(frame, [column], role)
    table = frame.reset_index(drop=True)  # positions, whatever the learner's index holds
    labels = frame.index
    if episode_by is None:
        groups = [(None, table.index.to_numpy())]
    else:
        absent = frame[episode_by].isna()
        if absent.any():
            raise TableMappingError(f"The episode column {episode_by!r} is empty in rows {_rows(absent)}",
                                    expected="an episode for every row", got=f"{int(absent.sum())} empty rows")
        groups = [(key, rows.to_numpy()) for key, rows in table.groupby(episode_by, sort=True).groups.items()]
    keys, episodes = [], []
    for key, rows in groups:
        if order_by is not None:
            order = table[order_by].to_numpy()[rows]
            repeated = pd.Series(order).duplicated(keep=False).to_numpy()
            if repeated.any():
                tied = pd.Series(True, index=labels[rows[repeated]])
                where = f" in episode {key!r}" if key is not None else ""
                raise TableMappingError(
                    f"Rows {_rows(tied)} share an {order_by!r} value{where}",
                    expected=f"one row per {order_by!r} value within an episode, so the order is clear",
                    got=f"{int(repeated.sum())} rows tied", hint="Add the column that separates them to episode_by, "
                    "or aggregate the tied rows")
            rows = rows[np.argsort(order, kind="stable")]
        if len(rows) < 2:
            raise TableMappingError(
                f"Episode {key!r} has a single row", expected="at least two rows per episode, "
                "or there is nothing to remember", got=f"1 row ({labels[rows[0]]!r})",
                hint=f"Drop episodes with one row (frame.groupby({episode_by!r}).filter(lambda g: len(g) > 1))"
                     " or use coarser episodes")
        keys.append(key)
        episodes.append(np.asarray(rows, dtype=np.int64))
    return keys, episodes
