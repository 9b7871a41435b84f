"""Turn a table into an environment: ``from_table(frame, context=..., rewards=...)``.

The mapping, in words a learner can repeat on their own data:

- **observation**: the ``context`` columns of one row. Numbers pass as they are (booleans as
  0/1); text columns named in ``one_hot`` become one 0/1 column per category, sorted, named
  ``column=category``. ``missing="indicate"`` fills a numeric gap with the column's median and
  adds a ``column_missing`` 0/1 column (a text gap becomes the category ``missing``).
- **actions**: the keys of ``rewards``, in order, as a ``Discrete`` space.
- **reward**: ``rewards[action]`` is the column that says what the action earns on that row
  (or a constant). Only the chosen action's reward is revealed.
- **episodes**:
  - *bandit* (no ``episode_by``, no ``order_by``): each episode draws ``episode_length`` rows
    at random, without replacement; rows are independent, so no memory is needed.
  - *sequential* (``order_by`` and/or ``episode_by``): each episode is the rows of one
    ``episode_by`` value (the whole table without it), in ``order_by`` order (the frame's
    order without it). The agent sees one row at a time; with ``window=k`` each observation
    also holds the k rows before it (shape ``(k + 1, features)``, oldest first, zeros before
    the episode starts), with ``window=0`` it holds only the current row and a policy that
    needs the past must remember it.

The table never reacts to actions (rows are what happened), so ``from_table`` maps decision
problems where the world goes its way whatever the agent does: lend or not, ramp up or down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from tiltyard.kinds.agent.table_columns import TableMappingError, encode_context, episode_rows, reward_matrix
from tiltyard.kinds.agent.table_env import TableEnv

__all__ = ["TableEnv", "TableMappingError", "from_table"]


def from_table(frame: pd.DataFrame, *, context: Sequence[str], rewards: Mapping[str, str | float],
               one_hot: Sequence[str] = (), missing: str = "error", episode_by: str | None = None,
               order_by: str | None = None, window: int = 0, episode_length: int = 1) -> TableEnv:
    """A Gymnasium environment over ``frame``'s rows (see this module's docstring).

    >>> env = from_table(loans, context=["income", "debt", "home"], one_hot=["home"],
    ...                  rewards={"approve": "profit_if_approved", "decline": 0.0})
    >>> env = from_table(meters, context=["demand"], rewards={"down": "fall", "up": "rise"},
    ...                  episode_by="day", order_by="time", window=3)

    Seed it as any Gymnasium environment: ``env.reset(seed=0)``; a sequential table's
    ``env.reset(options={"episode": key})`` replays one episode.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TableMappingError("from_table maps a pandas DataFrame", expected="a DataFrame",
                                got=type(frame).__name__, hint="Read your file first: pd.read_csv(path)")
    if len(frame) == 0:
        raise TableMappingError("The table has no rows", expected="at least one row", got="an empty DataFrame")
    if isinstance(context, str) or isinstance(one_hot, str):
        raise TableMappingError("context and one_hot are lists of column names", expected="['a', 'b']",
                                got=repr(context if isinstance(context, str) else one_hot),
                                hint="Wrap a single column in a list")
    context, one_hot = list(context), list(one_hot)
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise TableMappingError("window counts past rows", expected="an integer >= 0", got=repr(window))
    features = encode_context(frame, context, one_hot, missing)
    matrix = reward_matrix(frame, rewards, context)
    labels = frame.index.tolist()
    actions = [str(name) for name in rewards]
    if episode_by is None and order_by is None:
        if window:
            raise TableMappingError("A window of past rows needs an order", expected="order_by= (and episode_by=) "
                                    "so the rows before a row are defined", got=f"window={window} on unordered rows",
                                    hint="Pass order_by='your time column', or window=0 for a bandit")
        if not 1 <= episode_length <= len(frame):
            raise TableMappingError("episode_length is the number of rows an episode draws",
                                    expected=f"an integer in 1..{len(frame)} (the table's rows)",
                                    got=repr(episode_length))
        return TableEnv(features, matrix, actions, row_labels=labels, episodes=None, episode_keys=None,
                        episode_length=episode_length, window=0)
    if episode_length != 1:
        raise TableMappingError("episode_length is for bandits", expected="episodes made by episode_by / order_by",
                                got=f"episode_length={episode_length}", hint="Drop episode_length")
    keys, episodes = episode_rows(frame, episode_by, order_by)
    return TableEnv(features, matrix, actions, row_labels=labels, episodes=episodes, episode_keys=keys,
                    episode_length=0, window=window)
