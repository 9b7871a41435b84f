"""What reaches the model: unscaled features, nominal codes read as numbers, one-hot blow-ups."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import (
    describe,
    is_scale_sensitive,
    module_of,
    reads_numbers_as_magnitudes,
    walk_with_inputs,
)

LARGEST_SPREAD = 5.0   # a standardised or one-hot column has a standard deviation near 1 or below
SPREAD_RATIO = 10.0    # ... and columns differ from the typical one by less than this
EXPLOSION_LEVELS = 100
EXPLOSION_ROW_SHARE = 0.05


def check_unscaled(context: Context) -> Iterator[Finding]:
    final = context.final
    if final is None or final.X is None or not is_scale_sensitive(final.estimator):
        return
    spread = np.nanstd(final.X, axis=0)
    varying = spread > 1e-9
    if varying.sum() < 2:
        return
    typical = float(np.median(spread[varying]))
    largest = float(spread[varying].max())
    ratio = largest / typical if typical > 0 else np.inf
    if largest < LARGEST_SPREAD or ratio < SPREAD_RATIO:
        return
    order = np.argsort(-spread)
    names = [final.feature_names[i] if i < len(final.feature_names) else f"x{i}" for i in order]
    wide = [n for n, i in zip(names, order) if spread[i] >= SPREAD_RATIO * typical]
    shown = order[:15]
    plot = context.charts.bars(
        "feature_scales", [names[k] for k in range(len(shown))], [float(np.log10(spread[i] + 1e-12)) for i in shown],
        title=f"Spread of the features reaching {describe(final.estimator)}", xlabel="log10 standard deviation",
        highlight=[k for k in range(len(shown)) if names[k] in wide])
    yield Finding(
        id="unscaled-features", severity=Severity.SERIOUS,
        title=f"Unscaled features reach a scale-sensitive model ({describe(final.estimator)})",
        evidence=f"The features reaching {describe(final.estimator)} have standard deviations from "
                 f"{spread[varying].min():.3g} to {largest:.3g} (typical {typical:.3g}). "
                 f"{', '.join(wide[:5])} dominate{'s' if len(wide) == 1 else ''} distances, penalties "
                 "and gradient steps; the other columns barely count.",
        next_steps=["Put StandardScaler (numbers) in a ColumnTransformer before the model",
                    "Or use a tree-based model, which does not care about scale"],
        lesson="feature-scaling", numbers={"largest_spread": largest, "typical_spread": typical,
                                           "widest_columns": wide[:10]}, plot=plot)


def _ordinal_coded_columns(context: Context) -> list[tuple[str, int, str]]:
    """(column, levels, how) for nominal columns that reach the final model as integer codes."""
    case, final = context.case, context.final
    found = []
    for estimator, inputs in walk_with_inputs(context.cv.fitted, [str(c) for c in case.X_train.columns]):
        if isinstance(estimator, OrdinalEncoder) and hasattr(estimator, "categories_"):
            names = _input_names(estimator, inputs)
            found += [(str(n), len(c), "OrdinalEncoder") for n, c in zip(names, estimator.categories_)
                      if len(c) >= 3]
    for column in case.X_train.columns:
        dtype = case.X_train[column].dtype
        if case.declared_type(column) == "categorical" and pd.api.types.is_integer_dtype(dtype):
            levels = case.X_train[column].nunique()
            reaches = any(n == column or n.endswith(f"__{column}") for n in final.feature_names)
            if levels >= 3 and reaches:
                found.append((column, int(levels), "integer codes in the data"))
    return found


def check_integer_coded(context: Context) -> Iterator[Finding]:
    final = context.final
    if final is None or not reads_numbers_as_magnitudes(final.estimator):
        return
    coded = _ordinal_coded_columns(context)
    if not coded:
        return
    listed = ", ".join(f"{name} ({levels} levels, {how})" for name, levels, how in coded[:6])
    yield Finding(
        id="integer-coded-categories", severity=Severity.SERIOUS,
        title=f"Nominal categories reach {describe(final.estimator)} as integer codes",
        evidence=f"{listed}. {describe(final.estimator)} {_how_codes_mislead(final.estimator)}",
        next_steps=["One-hot encode nominal columns for linear, distance and neural models: "
                    "OneHotEncoder(handle_unknown='ignore', min_frequency=...)",
                    "Keep OrdinalEncoder for tree models, which split codes into groups"],
        lesson="encoding-categories", numbers={"columns": [c[0] for c in coded]})


def _how_codes_mislead(estimator) -> str:
    """What integer codes do to this family of model: only a linear model fits a slope."""
    module, name = module_of(estimator), type(estimator).__name__
    linear_svm = module.startswith("sklearn.svm") and (name.startswith("Linear")
                                                        or getattr(estimator, "kernel", "") == "linear")
    if module.startswith(("sklearn.linear_model", "sklearn.discriminant_analysis")) or linear_svm:
        return ("reads code 7 as 'more than' code 3 and fits one slope across codes whose order "
                "means nothing, so each category's own effect is lost.")
    if module.startswith(("sklearn.neighbors", "sklearn.svm")):
        return ("measures distances on the codes: code 7 counts as near code 6 and far from code 1, "
                "so rows from unrelated categories pass for close neighbours and each category's "
                "own effect blurs.")
    return ("reads code 7 as 'more than' code 3: to treat each category on its own it must carve "
            "the codes into pieces, which takes many units and rows, so most categories' own "
            "effect is lost.")


def check_one_hot_explosion(context: Context) -> Iterator[Finding]:
    case, cv = context.case, context.cv
    rows = len(cv.fitted_rows)
    limit = max(EXPLOSION_LEVELS, EXPLOSION_ROW_SHARE * rows)
    exploded = []
    for estimator, inputs in walk_with_inputs(cv.fitted, [str(c) for c in case.X_train.columns]):
        if isinstance(estimator, OneHotEncoder) and hasattr(estimator, "categories_"):
            names = _input_names(estimator, inputs)
            widths = [_output_width(estimator, i) for i in range(len(estimator.categories_))]
            exploded += [(str(n), k) for n, k in zip(names, widths) if k >= limit]
    if case.original_train is not None:
        # One-hot done in pandas before the model: many new columns sharing a source prefix.
        for column in case.original_train.columns:
            children = [c for c in case.X_train.columns if str(c).startswith(f"{column}_")]
            if column not in case.X_train.columns and len(children) >= limit:
                exploded.append((column, len(children)))
    if not exploded:
        return
    width = context.final.X.shape[1] if context.final is not None and context.final.X is not None else None
    yield Finding(
        id="one-hot-explosion", severity=Severity.SERIOUS,
        title="One-hot encoding of a high-cardinality column",
        evidence=", ".join(f"{n} becomes {k} columns" for n, k in exploded[:5])
                 + f" for {rows} training rows"
                 + (f" ({width} columns reach the model)" if width else "")
                 + ". Most levels are seen a handful of times: the model gets thousands of nearly "
                   "empty columns to overfit, and unseen levels in the test data carry no signal.",
        next_steps=["OneHotEncoder(min_frequency=20, handle_unknown='infrequent_if_exist') groups rare levels",
                    "Or TargetEncoder (cross-fitted) for the high-cardinality column",
                    "Or drop identifiers such as names and ticket numbers, which do not generalise"],
        lesson="encoding-categories", numbers={"columns": dict(exploded)})


def _input_names(encoder, inputs: list[str] | None) -> list[str]:
    own = getattr(encoder, "feature_names_in_", None)
    if own is not None:
        return [str(n) for n in own]
    if inputs is not None and len(inputs) == len(encoder.categories_):
        return inputs
    return [f"input {i + 1}" for i in range(len(encoder.categories_))]


def _output_width(encoder: OneHotEncoder, index: int) -> int:
    """Columns one input becomes: its levels, with rare levels grouped into one when asked."""
    levels = len(encoder.categories_[index])
    infrequent = getattr(encoder, "infrequent_categories_", None)
    if infrequent is not None and infrequent[index] is not None:
        levels = levels - len(infrequent[index]) + 1
    return levels
