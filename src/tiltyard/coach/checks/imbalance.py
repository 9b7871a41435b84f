"""Class imbalance met with the wrong habits: one-class models and accuracy-style tuning."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.metrics import roc_auc_score

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import walk

ONE_CLASS_SHARE = 0.995
RANKS_NOTHING_AUC = 0.55
IMBALANCED = 0.2  # minority share below which accuracy misleads


def _prediction_shares(labels: np.ndarray, classes: list[str]) -> dict[str, float]:
    counts = np.bincount(labels, minlength=len(classes))
    return {c: float(n / labels.size) for c, n in zip(classes, counts)}


def check_single_class(context: Context) -> Iterator[Finding]:
    case, cv = context.case, context.cv
    if not case.is_classification or cv.oof_labels is None:
        return
    done = cv.predicted
    labels, truth = cv.oof_labels[done], cv.truth[done]
    shares = _prediction_shares(labels, case.task.classes)
    top_class = max(shares, key=shares.get)
    top_index = case.task.classes.index(top_class)
    truth_share = float(np.mean(truth == top_index))
    if shares[top_class] < ONE_CLASS_SHARE or truth_share > 0.97:
        return
    ranking = None
    if case.task.type == "binary" and cv.kind == "proba":
        ranking = float(roc_auc_score(truth, cv.oof[done]))
    learned_nothing = ranking is None or ranking <= RANKS_NOTHING_AUC
    numbers = {"predicted_shares": shares, "true_share_of_top_class": truth_share,
               "ranking_auc": ranking}
    base = (f"Out of fold, the model predicts {top_class!r} for {shares[top_class]:.1%} of rows, "
            f"though only {truth_share:.1%} of rows are {top_class!r}.")
    if case.metric.needs_proba and not learned_nothing:
        yield Finding(
            id="single-class-predictions", severity=Severity.INFO,
            title="At a 0.5 threshold this model would only ever say one class",
            evidence=base + f" Its probabilities still rank the rows (ROC AUC {ranking:.3f}), which is "
                     f"what {case.metric.title} scores, so this costs nothing here; accuracy would "
                     f"flatter a do-nothing model ({truth_share:.1%}).",
            next_steps=["If a decision is needed later, choose the threshold from costs, not 0.5"],
            lesson="class-imbalance", numbers=numbers)
        return
    yield Finding(
        id="single-class-predictions", severity=Severity.SERIOUS,
        title="The model predicts one class for (nearly) every row",
        evidence=base + (f" Its scores do not rank the rows either (ROC AUC {ranking:.3f})."
                         if ranking is not None else "")
                 + " It has learned the class balance, not the problem.",
        next_steps=["Use class_weight='balanced' or a model that outputs probabilities",
                    "Look at the confusion matrix and the minority class recall, not accuracy",
                    "Check that the features reach the model and are scaled where it matters"],
        lesson="class-imbalance", numbers=numbers)


def _accuracy_scoring(estimator) -> bool:
    is_search = hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")
    scoring = getattr(estimator, "scoring", "not set")
    if is_search or type(estimator).__name__.endswith("CV"):
        return scoring is None or scoring == "accuracy"
    return scoring == "accuracy"


def check_accuracy_habits(context: Context) -> Iterator[Finding]:
    case = context.case
    if not case.is_classification or case.metric.name in ("accuracy",):
        return
    tuned = [type(e).__name__ for e in walk(context.model) if _accuracy_scoring(e)]
    if not tuned:
        return
    minority = case.minority_share()
    imbalanced = minority < IMBALANCED
    yield Finding(
        id="tuned-for-accuracy",
        severity=Severity.SERIOUS if imbalanced else Severity.WARNING,
        title=f"Tuned for accuracy on a {case.metric.title} challenge",
        evidence=f"{', '.join(tuned)} selects models by accuracy (scoring=None means accuracy for a "
                 f"classifier), but this challenge is scored by {case.metric.title}. The rarest class "
                 f"is {minority:.1%} of rows"
                 + (", so a model that never predicts it already scores "
                    f"{1 - minority:.1%} accuracy and the search rewards doing nothing."
                    if imbalanced else "; accuracy and the challenge metric can disagree on the best model."),
        next_steps=[f"Pass scoring='{_sklearn_scorer(case.metric.name)}' to the search",
                    "Compare candidates on the metric the challenge uses, with the same folds"],
        lesson="class-imbalance", numbers={"estimators": tuned, "minority_share": minority})


def _sklearn_scorer(metric: str) -> str:
    return {"log_loss": "neg_log_loss", "rmse": "neg_root_mean_squared_error"}.get(metric, metric)
