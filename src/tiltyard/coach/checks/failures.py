"""Fits or predictions that raised, for reasons no more specific check explains."""

from __future__ import annotations

from collections.abc import Iterator

from tiltyard.coach.checks.base import Context
from tiltyard.coach.checks.missing import is_missing_value_error
from tiltyard.coach.checks.neural import DIVERGENCE_WORDS
from tiltyard.coach.findings import Finding, Severity


def _explained(error: BaseException) -> bool:
    text = str(error).lower()
    return is_missing_value_error(error) or any(word in text for word in DIVERGENCE_WORDS)


def check_failures(context: Context) -> Iterator[Finding]:
    cv = context.cv
    if cv is not None and cv.error is not None and not _explained(cv.error):
        yield Finding(
            id="model-failed", severity=Severity.SERIOUS,
            title="The model raised an error while fitting",
            evidence=f"Fold {len(cv.folds) + 1} of {cv.n_splits} stopped with "
                     f"{type(cv.error).__name__}: {str(cv.error).splitlines()[0][:300]}\n{cv.error_trace}",
            next_steps=["Run build_model().fit(train features, target) yourself to see the full traceback",
                        "Check the column names your ColumnTransformer selects against the training features"],
            lesson="bias-and-variance", numbers={"error_type": type(cv.error).__name__})
    error = context.test_error
    if error is not None and not _explained(error) and not _missing_columns(context):
        yield Finding(
            id="fails-on-test", severity=Severity.SERIOUS,
            title="The fitted model cannot predict the test rows",
            evidence=f"Predicting the test features raised {type(error).__name__}: "
                     f"{str(error).splitlines()[0][:300]}",
            next_steps=["Unseen categories: OneHotEncoder(handle_unknown='ignore')",
                        "Make one function build the features for train and test alike"],
            lesson="train-test-shift", numbers={"error_type": type(error).__name__})


def _missing_columns(context: Context) -> bool:
    """Columns absent from the test data have their own finding (train-only-feature)."""
    test = context.case.X_test
    return test is not None and any(c not in test.columns for c in context.case.X_train.columns)
