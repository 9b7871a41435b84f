"""Overfitting and underfitting, read as variance and bias against the baseline ladder."""

from __future__ import annotations

from collections.abc import Iterator

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.learning_curve import LearningCurve, learning_curve

# Share of the apparent (training) skill that does not survive cross-validation.
OVERFIT_GAP = 0.35
OVERFIT_GAP_WITHOUT_LADDER = 0.6
# Below this share of the weakest learned baseline's skill, the model learned next to nothing.
NOTHING_LEARNED = 0.15
LOW_GAP = 0.15
# The last doubling of rows still adds this share of the model's skill: the curve is rising.
RISING = 0.03


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

    def evidence_and_charts(text: str, without_curve: str = "", **finding) -> Finding:
        # Drawn only when a finding fires: the curve refits the model, charts cost time too.
        curve = _learning_curve(context)
        ladder = _ladder_chart(context, train, valid)
        if curve is None:
            return Finding(evidence=text + without_curve, numbers=numbers, plot=ladder, **finding)
        return Finding(evidence=text + " " + _read_curve(context, curve, finding["id"]),
                       numbers={**numbers, "learning_curve": curve.to_numbers()},
                       plot=_curve_chart(context, curve, rung), extra_plots=[ladder] if ladder else [],
                       **finding)

    below_rung = rung is not None and not context.better(valid, rung.score)
    summary = (f"The test rows come after the training rows in time, so the coach validated in "
               f"time order: {cv.scheme}. " if cv.time_ordered else "") + (
        f"{metric.title} on the rows it trained on: {context.fmt(train)}; cross-validated: "
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
        yield evidence_and_charts(
            id="overfitting", severity=Severity.SERIOUS,
            title="The model memorises its training rows (high variance)",
            text=summary + f" {gap_share:.0%} of the skill it shows on its own training rows "
                           "disappears on rows it has not seen.",
            next_steps=["Constrain the model: shallower trees, larger min_samples_leaf, stronger "
                        "regularisation (smaller C, larger alpha), more neighbours for k-NN",
                        "Average many models (a random forest or boosting with a small learning rate)",
                        "Judge every change by the cross-validated score, never the training score"],
            lesson="bias-and-variance")
        return
    if learned_nothing:
        yield evidence_and_charts(
            id="underfitting", severity=Severity.SERIOUS,
            title="The model learned next to nothing (high bias)",
            text=summary + " Its cross-validated score is barely better than predicting a "
                           "constant, and its training score is no better either.",
            without_curve=" More data will not help; a more flexible model will.",
            next_steps=["Loosen the constraints: weaker regularisation, deeper trees, more features",
                        "Check that the features reach the model (a ColumnTransformer that drops them "
                        "all gives exactly this picture)"],
            lesson="bias-and-variance")
        return
    if below_rung and gap_share < LOW_GAP:
        yield evidence_and_charts(
            id="underfitting", severity=Severity.WARNING,
            title="The model is too simple for this data (high bias)",
            text=summary + f" Training and cross-validated scores are close (gap {gap_share:.0%} "
                           "of its skill), and both are below the simplest baseline: the model cannot "
                           "express what the data holds.",
            next_steps=["Try a more flexible model (gradient boosting, a forest) or add interactions",
                        "Loosen regularisation and watch the cross-validated score"],
            lesson="bias-and-variance")
        return
    if gap_share >= 0.5:
        yield evidence_and_charts(
            id="overfitting", severity=Severity.WARNING,
            title="Large gap between training and cross-validated scores",
            text=summary + f" {gap_share:.0%} of the training skill does not generalise, though "
                           "the cross-validated score still clears the ladder's first rung.",
            next_steps=["Some regularisation may lift the cross-validated score further"],
            lesson="bias-and-variance")


def _learning_curve(context: Context) -> LearningCurve | None:
    if context.model is None:
        return None
    return learning_curve(context.case, context.model, context.cv, context.budget, context.seed)


def _read_curve(context: Context, curve: LearningCurve, finding_id: str) -> str:
    """The learning curve in words: what more rows would (not) do."""
    fmt = context.fmt
    text = (f"Learning curve ({curve.folds} fold{'s' if curve.folds > 1 else ''}): with "
            f"{curve.rows[0]} training rows it scores {fmt(curve.train[0])} on them and "
            f"{fmt(curve.validation[0])} on validation rows; with {curve.rows[-1]}, "
            f"{fmt(curve.train[-1])} and {fmt(curve.validation[-1])}.")
    gain = context.skill(curve.validation[-1]) - context.skill(curve.validation[-2])
    rising = gain > RISING * max(abs(context.skill(curve.validation[-1])), 1e-12)
    if finding_id == "overfitting":
        text += (" The validation score is still rising with more rows: more data would help, and "
                 "so would a model that needs less of it." if rising else
                 " The validation score has stopped rising: more rows alone will not close the gap; "
                 "constrain the model.")
    else:
        text += (" Both scores are still moving: some of the shortfall is too little data." if rising else
                 " Both curves are flat and close together: more rows will not help, a more "
                 "flexible model will.")
    if curve.skipped:
        text += f" (Curve cut short: {curve.skipped}.)"
    return text


def _curve_chart(context: Context, curve: LearningCurve, rung):
    metric = context.case.metric
    better = "higher" if metric.direction == "maximize" else "lower"
    return context.charts.learning_curve(
        "learning_curve", curve.rows, curve.train, curve.validation,
        title=f"Learning curve: {metric.title} on training and validation rows ({better} is better)",
        ylabel=metric.title, reference=rung.score if rung is not None else context.constant,
        reference_label=f"baseline: {rung.name}" if rung is not None else "constant model")
