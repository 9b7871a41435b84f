"""A logarithmic metric (RMSLE) met by a model fitted on the raw target scale."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import KFold

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import walk

LOG_FUNCTIONS = {"log", "log1p", "log2", "log10"}
LOG_LINK_LOSSES = {"poisson", "gamma", "tweedie"}
LOG_METRICS = {"rmsle"}
# The one-fold refit on the log scale lowers the metric by this share or more: fix it first.
SERIOUS_GAIN = 0.05
# Below this share the two scales do about as well for this model: context, nothing to fix.
WORTHWHILE_GAIN = 0.01


def fits_log_scale(model) -> bool:
    """True when some part of the model learns on a log scale (target transform or log link)."""
    for estimator in walk(model):
        if isinstance(estimator, TransformedTargetRegressor):
            func = estimator.func if estimator.transformer is None else getattr(estimator.transformer, "func", None)
            if func is not None and getattr(func, "__name__", "") in LOG_FUNCTIONS:
                return True
            if type(estimator.transformer).__name__ in ("PowerTransformer", "QuantileTransformer"):
                return True
        if str(getattr(estimator, "loss", "")).lower() in LOG_LINK_LOSSES:
            return True
        if type(estimator).__name__ in ("PoissonRegressor", "GammaRegressor"):
            return True
        if type(estimator).__name__ == "TweedieRegressor" and getattr(estimator, "link", "") in ("log", "auto"):
            return getattr(estimator, "power", 0) >= 1
    return False


def _one_fold_log_fit(context: Context) -> float | None:
    """Refit once with the target on log1p scale and score the same validation fold."""
    case = context.case
    train_at, valid_at = next(KFold(5, shuffle=True, random_state=context.seed).split(case.X_train))
    model = TransformedTargetRegressor(regressor=clone(context.model), func=np.log1p,
                                       inverse_func=np.expm1, check_inverse=False)
    model.fit(case.X_train.iloc[train_at], case.y_train.iloc[train_at])
    predicted = np.clip(model.predict(case.X_train.iloc[valid_at]), 0, None)
    return case.metric(case.truth[valid_at], predicted)


def check_log_target(context: Context) -> Iterator[Finding]:
    case, cv = context.case, context.cv
    if case.task.type != "regression" or case.metric.name not in LOG_METRICS:
        return
    if fits_log_scale(context.model):
        return
    done = cv.predicted
    truth, predicted = cv.truth[done], cv.oof[done]
    negative = int(np.sum(predicted < 0))
    quartile = np.quantile(truth, [0.25, 0.75])
    log_error = np.log1p(np.clip(predicted, 0, None)) - np.log1p(truth)
    cheap = float(np.sqrt(np.mean(log_error[truth <= quartile[0]] ** 2)))
    dear = float(np.sqrt(np.mean(log_error[truth >= quartile[1]] ** 2)))
    numbers = {"cv_score": cv.validation_score, "negative_predictions": negative,
               "rmsle_lowest_quarter": cheap, "rmsle_highest_quarter": dear}
    evidence = (f"{case.metric.title} scores relative errors, but the model fits {case.task.target!r} on "
                f"its raw scale, where a 10% miss on an expensive row weighs far more than on a cheap "
                f"one. Out of fold: {case.metric.title} {cheap:.3f} on the lowest quarter of targets vs "
                f"{dear:.3f} on the highest")
    evidence += f", and {negative} negative predictions." if negative else "."
    fold_estimate = cv.fit_seconds / max(len(cv.folds), 1)
    gain = None
    if context.budget.allows(1.5 * fold_estimate):
        log_score, raw_score = _one_fold_log_fit(context), cv.folds[0].validation
        gain = (raw_score - log_score) / raw_score if raw_score > 0 else 0.0
        numbers.update(one_fold_score_on_log_scale=log_score, one_fold_score_on_raw_scale=raw_score,
                       log_scale_gain=gain)
        evidence += (f" Refitting the same model on log1p({case.task.target}) gives {log_score:.4f} on "
                     f"one fold (raw scale: {raw_score:.4f} on a fold of the same size): "
                     f"{abs(gain):.1%} {'better' if gain >= 0 else 'worse'}, where the folds' own "
                     f"scores spread by ± {cv.validation_std:.4f}.")
    severity = _severity(gain, negative)
    if severity is Severity.INFO:
        evidence += " For this model the scale makes little difference."
    yield Finding(
        id="log-target-on-raw-scale", severity=severity,
        title="A logarithmic metric, but the target is fitted on the raw scale"
              + (" (little difference here)" if severity is Severity.INFO else ""),
        evidence=evidence,
        next_steps=["TransformedTargetRegressor(regressor=model, func=np.log1p, inverse_func=np.expm1)",
                    "Or a loss on the log scale: HistGradientBoostingRegressor(loss='poisson')"],
        lesson="log-targets", numbers=numbers)


def _severity(gain: float | None, negative_predictions: int) -> Severity:
    """As serious as the refit shows it to be; unmeasured (no time left) is a warning."""
    if gain is None:
        return Severity.WARNING
    if gain >= SERIOUS_GAIN:
        return Severity.SERIOUS
    if gain >= WORTHWHILE_GAIN or negative_predictions:
        return Severity.WARNING
    return Severity.INFO
