"""The selectivity score and the constraints a design must meet (stated in the brief)."""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_PERSISTENCE_DAYS = 120.0
MAX_MOLECULAR_WEIGHT = 500.0

SCORE_TEXT = (
    "selectivity_score = aphid_mortality * (1 - bee_mortality) * (1 - mammal_mortality) "
    "* (1 - mammal_arrhythmia), between 0 and 1; a design scores it only if it meets the "
    f"constraints (valid molecule, soil half-life at most {MAX_PERSISTENCE_DAYS:g} days, "
    f"molecular weight at most {MAX_MOLECULAR_WEIGHT:g} g/mol), otherwise 0")


def selectivity_score(results: pd.DataFrame) -> np.ndarray:
    """Kill the pest, spare the bee, spare the mammal and its heart; NaN for invalid rows."""
    return (results["aphid_mortality"].to_numpy()
            * (1 - results["bee_mortality"].to_numpy())
            * (1 - results["mammal_mortality"].to_numpy())
            * (1 - results["mammal_arrhythmia"].to_numpy()))


def constraint_broken(results: pd.DataFrame) -> list[str | None]:
    """Why each row fails the constraints, or None when it meets them."""
    reasons: list[str | None] = []
    for valid, days, weight, error in zip(results["valid"], results["persistence_days"],
                                          results["molecular_weight"], results["error"]):
        if not valid:
            reasons.append(f"invalid molecule: {error}")
        elif days > MAX_PERSISTENCE_DAYS:
            reasons.append(f"persists {days:.0f} days in soil; the limit is {MAX_PERSISTENCE_DAYS:g}")
        elif weight > MAX_MOLECULAR_WEIGHT:
            reasons.append(f"weighs {weight:.0f} g/mol; the limit is {MAX_MOLECULAR_WEIGHT:g}")
        else:
            reasons.append(None)
    return reasons


def add_score_columns(results: pd.DataFrame) -> pd.DataFrame:
    results["selectivity_score"] = selectivity_score(results)
    broken = constraint_broken(results)
    results["meets_constraints"] = [reason is None for reason in broken]
    results["constraint_broken"] = broken
    results["graded_score"] = np.where(results["meets_constraints"],
                                       results["selectivity_score"], 0.0)
    return results
