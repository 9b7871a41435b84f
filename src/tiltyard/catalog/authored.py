"""Built-in challenges made through the authoring flow, like any author's: a spec folder in
``specs/`` (author.toml and the story) and, in place of the author's CSV, the rows read from a
package we depend on. ``tiltyard author build src/tiltyard/catalog/specs/ID`` would need that
CSV; the loaders below are the only Python these challenges have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.authoring.build import AuthoredBuilder
from tiltyard.catalog.sources import rdataset

SPECS = Path(__file__).parent / "specs"


def doctor_visits() -> pd.DataFrame:
    """AER::DoctorVisits, with age in years and income in dollars (the package divides them by
    100 and 10,000), and the count of visits made the question: any visit at all?"""
    frame = rdataset("AER", "DoctorVisits").drop(columns=["rownames"])
    frame["age"] = (frame["age"] * 100).round().astype(np.int64)
    frame["income"] = (frame["income"] * 10_000).round().astype(np.int64)
    frame["visited"] = np.where(frame.pop("visits") > 0, "yes", "no")
    return frame


def city_rain() -> pd.DataFrame:
    """mosaicData::Weather, one row per city and day; did it rain? The precipitation and the
    events columns say it outright, so they become the target and leave."""
    frame = rdataset("mosaicData", "Weather").drop(columns=["rownames", "year", "month", "day"])
    events = frame.pop("events").fillna("")
    frame = frame.drop(columns=["precip"])
    frame["rain"] = np.where(events.str.contains("Rain"), "yes", "no")
    return frame


DOCTOR_VISITS = AuthoredBuilder(SPECS / "doctor-visits-v1", doctor_visits)
CITY_RAIN = AuthoredBuilder(SPECS / "city-rain-v1", city_rain)
