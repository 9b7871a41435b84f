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
from tiltyard.coach.checks.base import Check, Context

CHECKS: list[Check] = [
    Check("failures", failures.check_failures),
    Check("missing-values", missing.check_fails_on_missing),
    Check("rows-dropped", missing.check_rows_dropped),
    Check("bias-variance", fit.check_bias_variance, needs=("cv",)),
    Check("time-trend-features", time_order.check_time_trend_features, needs=("cv",)),
    Check("hard-labels", probabilities.check_hard_labels),
    Check("single-class", imbalance.check_single_class, needs=("cv",)),
    Check("accuracy-habits", imbalance.check_accuracy_habits, needs=("model",)),
    Check("calibration", probabilities.check_calibration, needs=("cv",)),
    Check("unscaled-features", preprocessing.check_unscaled, needs=("cv",)),
    Check("integer-coded-categories", preprocessing.check_integer_coded, needs=("cv",)),
    Check("one-hot-explosion", preprocessing.check_one_hot_explosion, needs=("cv",)),
    Check("log-target", log_target.check_log_target, needs=("cv", "model")),
    Check("dead-relu", neural.check_dead_relu, needs=("cv",)),
    Check("loss-curve", neural.check_loss_curve, needs=("model",)),
    Check("convergence", neural.check_convergence, needs=("cv",)),
    Check("prediction-distribution", predictions.check_prediction_distribution, needs=("predictions",)),
    Check("leaderboard", leaderboard.check_leaderboard, needs=("history",)),
    Check("leakage", leakage.check_leakage),
    Check("shift", shift.check_shift, needs=("test",)),
]

__all__ = ["CHECKS", "Check", "Context"]
