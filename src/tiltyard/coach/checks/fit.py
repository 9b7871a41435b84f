"""Overfitting and underfitting, read as variance and bias against the baseline ladder."""

from __future__ import annotations

from collections.abc import Iterator

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity

# Share of the apparent (training) skill that does not survive cross-validation.
OVERFIT_GAP = 0.35
OVERFIT_GAP_WITHOUT_LADDER = 0.6
# Below this share of the weakest learned baseline's skill, the model learned next to nothing.
NOTHING_LEARNED = 0.15
LOW_GAP = 0.15


def _weakest_learned_rung(context: Context):
    """The simplest baseline that learned something: the rung the learner must clear first."""
    learned = [r for r in context.case.ladder if context.skill(r.score) > 1e-9]
    if not learned:
        return None
    return min(learned, key=lambda r: context.skill(r.score))


def _ladder_chart(context: Context, train: float, valid: float):
    metric, ladder = context.case.metric, context.case.ladder
    better = "higher" if metric.direction == "maximize" else "lower"
    return context.charts.bars(
        "bias_variance",
        ["train (your model)", "cross-validated (your model)", "constant model",
         *[f"baseline: {r.name}" for r in ladder]],
        [train, valid, context.constant, *[r.score for r in ladder]],
        title=f"{metric.title}: training vs cross-validated vs the ladder ({better} is better)",
        xlabel=metric.title, highlight=[0, 1])


def check_bias_variance(context: Context) -> Iterator[Finding]:
    cv, metric = context.cv, context.case.metric
    train, valid = cv.train_score, cv.validation_score
    train_skill, valid_skill = context.skill(train), context.skill(valid)
    gap_share = (train_skill - valid_skill) / train_skill if train_skill > 1e-12 else 0.0
    rung = _weakest_learned_rung(context)
    numbers = {"train_score": train, "cv_score": valid, "cv_std": cv.validation_std,
               "constant_score": context.constant, "gap_share": gap_share,
               "ladder": {r.name: r.score for r in context.case.ladder}}

    def plot():  # drawn only when a finding needs it: charts cost more than the check
        return _ladder_chart(context, train, valid)

    below_rung = rung is not None and not context.better(valid, rung.score)
    summary = (f"{metric.title} on the rows it trained on: {context.fmt(train)}; cross-validated: "
               f"{context.fmt(valid)} (± {context.fmt(cv.validation_std)} across folds); a constant "
               f"model scores {context.fmt(context.constant)}.")
    if rung is not None:
        summary += f" The simplest learned baseline ({rung.name}) scores {context.fmt(rung.score)}."

    rung_skill = context.skill(rung.score) if rung is not None else None
    learned_nothing = valid_skill <= 1e-9 or (rung_skill is not None and valid_skill < NOTHING_LEARNED * rung_skill)
    # A gap only means memorising when the training score itself shows real skill.
    memorised = train_skill > (NOTHING_LEARNED * rung_skill if rung_skill else 1e-9)
    overfit_limit = OVERFIT_GAP if context.case.ladder else OVERFIT_GAP_WITHOUT_LADDER
    if memorised and gap_share >= overfit_limit and (below_rung or not context.case.ladder):
        yield Finding(
            id="overfitting", severity=Severity.SERIOUS,
            title="The model memorises its training rows (high variance)",
            evidence=summary + f" {gap_share:.0%} of the skill it shows on its own training rows "
                     "disappears on rows it has not seen.",
            next_steps=["Constrain the model: shallower trees, larger min_samples_leaf, stronger "
                        "regularisation (smaller C, larger alpha), more neighbours for k-NN",
                        "Average many models (a random forest or boosting with a small learning rate)",
                        "Judge every change by the cross-validated score, never the training score"],
            lesson="bias-and-variance", numbers=numbers, plot=plot())
        return
    if learned_nothing:
        yield Finding(
            id="underfitting", severity=Severity.SERIOUS,
            title="The model learned next to nothing (high bias)",
            evidence=summary + " Its cross-validated score is barely better than predicting a "
                     "constant, and its training score is no better either: more data will not help, "
                     "a more flexible model will.",
            next_steps=["Loosen the constraints: weaker regularisation, deeper trees, more features",
                        "Check that the features reach the model (a ColumnTransformer that drops them "
                        "all gives exactly this picture)"],
            lesson="bias-and-variance", numbers=numbers, plot=plot())
        return
    if below_rung and gap_share < LOW_GAP:
        yield Finding(
            id="underfitting", severity=Severity.WARNING,
            title="The model is too simple for this data (high bias)",
            evidence=summary + f" Training and cross-validated scores are close (gap {gap_share:.0%} "
                     "of its skill), and both are below the simplest baseline: the model cannot "
                     "express what the data holds.",
            next_steps=["Try a more flexible model (gradient boosting, a forest) or add interactions",
                        "Loosen regularisation and watch the cross-validated score"],
            lesson="bias-and-variance", numbers=numbers, plot=plot())
        return
    if gap_share >= 0.5:
        yield Finding(
            id="overfitting", severity=Severity.WARNING,
            title="Large gap between training and cross-validated scores",
            evidence=summary + f" {gap_share:.0%} of the training skill does not generalise, though "
                     "the cross-validated score still clears the ladder's first rung.",
            next_steps=["Some regularisation may lift the cross-validated score further"],
            lesson="bias-and-variance", numbers=numbers, plot=plot())
