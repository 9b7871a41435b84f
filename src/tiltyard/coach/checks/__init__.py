"""Every check the coach runs, in the order it runs them (cheap and decisive ones first)."""

from tiltyard.coach.checks import (
    failures,
    fit,
    imbalance,
    leaderboard,
    leakage,
    log_target,
    missing,
    neural,
    predictions,
    preprocessing,
    probabilities,
    shift,
    time_order,
)
from tiltyard.coach.checks.base import Context, Diagnosis

CHECKS: list[Diagnosis] = [
    Diagnosis("failures", failures.check_failures),
    Diagnosis("missing-values", missing.check_fails_on_missing),
    Diagnosis("rows-dropped", missing.check_rows_dropped),
    Diagnosis("bias-variance", fit.check_bias_variance, needs=("cv",)),
    Diagnosis("time-trend-features", time_order.check_time_trend_features, needs=("cv",)),
    Diagnosis("hard-labels", probabilities.check_hard_labels),
    Diagnosis("single-class", imbalance.check_single_class, needs=("cv",)),
    Diagnosis("accuracy-habits", imbalance.check_accuracy_habits, needs=("model",)),
    Diagnosis("calibration", probabilities.check_calibration, needs=("cv",)),
    Diagnosis("unscaled-features", preprocessing.check_unscaled, needs=("cv",)),
    Diagnosis("integer-coded-categories", preprocessing.check_integer_coded, needs=("cv",)),
    Diagnosis("one-hot-explosion", preprocessing.check_one_hot_explosion, needs=("cv",)),
    Diagnosis("log-target", log_target.check_log_target, needs=("cv", "model")),
    Diagnosis("dead-relu", neural.check_dead_relu, needs=("cv",)),
    Diagnosis("loss-curve", neural.check_loss_curve, needs=("model",)),
    Diagnosis("convergence", neural.check_convergence, needs=("cv",)),
    Diagnosis("prediction-distribution", predictions.check_prediction_distribution, needs=("predictions",)),
    Diagnosis("leaderboard", leaderboard.check_leaderboard, needs=("history",)),
    Diagnosis("leakage", leakage.check_leakage),
    Diagnosis("shift", shift.check_shift, needs=("test",)),
]

__all__ = ["CHECKS", "Check", "Context"]
