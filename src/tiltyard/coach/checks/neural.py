"""Neural networks: dead ReLU units, loss curves that diverge or stall, training cut short.

scikit-learn's MLP is read from ``coefs_`` and ``intercepts_`` (a forward pass by hand);
a PyTorch module found on the fitted estimator is read with forward hooks on its ReLUs.
Loss curves come from ``loss_curve_`` (scikit-learn's name; PyTorch estimators that want
the coach to see their curve use the same attribute).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from tiltyard.coach.checks.base import Context
from tiltyard.coach.findings import Finding, Severity
from tiltyard.coach.inspect import describe

DEAD_SERIOUS = 0.5
DEAD_WARNING = 0.25
DIVERGED_RATIO = 1.05  # final loss above the first one
STALLED_DROP = 0.02    # loss fell by less than 2% over the whole run
STILL_FALLING = 0.005  # loss falling by 0.5% per epoch when training stopped
DIVERGENCE_WORDS = ("non-finite", "diverg", "overflow", "inf or nan")


def sklearn_mlp_dead_units(mlp: Any, X: np.ndarray) -> list[float]:
    """Per hidden layer, the share of ReLU units that output 0 on every row of ``X``."""
    activation = X
    shares = []
    for weights, bias in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
        activation = np.maximum(activation @ weights + bias, 0.0)
        shares.append(float(np.mean(activation.max(axis=0) <= 0.0)))
    return shares


def find_torch_module(estimator: Any):
    """A torch.nn.Module held by the estimator (``module_``, ``model_``, ...), if torch is loaded."""
    torch = sys.modules.get("torch")  # never import torch here: only learners who use it pay for it
    if torch is None:
        return None
    if isinstance(estimator, torch.nn.Module):
        return estimator
    for value in vars(estimator).values():
        if isinstance(value, torch.nn.Module):
            return value
    return None


def torch_dead_units(module: Any, X: np.ndarray) -> list[float]:
    """Per ReLU layer of ``module``, the share of units never active on the rows of ``X``."""
    import torch

    peaks: list[torch.Tensor] = []

    def record(_layer, _inputs, output):
        flat = output.detach().reshape(output.shape[0], -1)
        peaks.append(flat.max(dim=0).values)

    relus = [m for m in module.modules() if isinstance(m, torch.nn.ReLU)]
    hooks = [relu.register_forward_hook(record) for relu in relus]
    was_training = module.training
    try:
        module.eval()
        with torch.no_grad():
            parameter = next(module.parameters(), None)
            dtype = parameter.dtype if parameter is not None else torch.float32
            module(torch.as_tensor(X, dtype=dtype))
    finally:
        for hook in hooks:
            hook.remove()
        module.train(was_training)
    return [float((peak <= 0).float().mean()) for peak in peaks]


def _network(context: Context):
    final = context.final
    if final is None or final.X is None:
        return None, None, None
    estimator = final.estimator
    if hasattr(estimator, "coefs_") and getattr(estimator, "activation", None) == "relu":
        return estimator, "scikit-learn", lambda: sklearn_mlp_dead_units(estimator, final.X)
    module = find_torch_module(estimator)
    if module is not None:
        return estimator, "PyTorch", lambda: torch_dead_units(module, final.X)
    return estimator, None, None


def check_dead_relu(context: Context) -> Iterator[Finding]:
    estimator, library, measure = _network(context)
    if measure is None:
        return
    try:
        shares = measure()
    except Exception:  # noqa: BLE001 - a module that wants other input shapes: nothing to read
        return
    if not shares:
        return
    dead = float(np.mean(shares))
    if dead < DEAD_WARNING:
        return
    plot = context.charts.bars(
        "dead_relu", [f"hidden layer {i + 1}" for i in range(len(shares))], shares,
        title=f"Share of ReLU units never active on training rows ({library})",
        xlabel="dead share", highlight=[i for i, s in enumerate(shares) if s >= DEAD_WARNING])
    yield Finding(
        id="dead-relu", severity=Severity.SERIOUS if dead >= DEAD_SERIOUS else Severity.WARNING,
        title=f"{dead:.0%} of the network's ReLU units are dead",
        evidence="On training rows, these shares of hidden units output 0 for every row, per layer: "
                 + ", ".join(f"{s:.0%}" for s in shares)
                 + f" ({describe(estimator)}, {library}). A dead unit gets no gradient, so it never "
                   "recovers: the network trains with a fraction of its width.",
        next_steps=["Lower the learning rate (large steps push biases far negative)",
                    "Scale the inputs; use He initialisation; try LeakyReLU or GELU",
                    "Check the input: a constant or huge column saturates units at the first step"],
        lesson="dead-relu", numbers={"dead_share_per_layer": shares, "dead_share": dead,
                                     "library": library}, plot=plot)


def _curve(context: Context) -> list[float] | None:
    final = context.final
    curve = getattr(final.estimator, "loss_curve_", None) if final is not None else None
    return [float(v) for v in curve] if curve is not None and len(curve) >= 3 else None


def check_loss_curve(context: Context) -> Iterator[Finding]:
    cv = context.cv
    error_text = str(cv.error).lower() if cv.error is not None else ""
    if cv.error is not None and any(word in error_text for word in DIVERGENCE_WORDS):
        yield Finding(
            id="loss-diverging", severity=Severity.SERIOUS,
            title="Training diverged: the weights blew up",
            evidence=f"Fitting stopped with {type(cv.error).__name__}: "
                     f"{str(cv.error).splitlines()[0][:200]}. The optimiser took steps so large that "
                     "the loss grew until numbers overflowed.",
            next_steps=["Divide the learning rate by 10 until the loss falls smoothly",
                        "Scale the inputs (StandardScaler): huge inputs make huge gradients"],
            lesson="learning-rate", numbers={"error": str(cv.error)[:300]})
        return
    curve = _curve(context)
    if curve is None:
        return
    values = np.asarray(curve)
    first, last, lowest = values[0], values[-1], float(np.nanmin(values))
    numbers = {"first_loss": first, "last_loss": last, "lowest_loss": lowest, "epochs": len(curve)}
    if not np.all(np.isfinite(values)) or last > DIVERGED_RATIO * first:
        plot = context.charts.curve("loss_curve", curve, title="Training loss per epoch (diverging)",
                                    ylabel="loss", log_y=True)
        yield Finding(
            id="loss-diverging", severity=Severity.SERIOUS,
            title="The training loss grows instead of falling",
            evidence=f"Loss went from {first:.4g} at the first epoch to {last:.4g} at the last "
                     f"(lowest {lowest:.4g}). The learning rate is too large: each step overshoots.",
            next_steps=["Divide the learning rate by 10", "Scale the inputs"],
            lesson="learning-rate", numbers=numbers, plot=plot)
        return
    drop = (first - lowest) / abs(first) if first else 0.0
    weak = context.skill(cv.validation_score) <= 0.5 * max(
        [context.skill(r.score) for r in context.case.ladder] or [0.0]) or context.skill(cv.validation_score) <= 1e-9
    if len(curve) >= 5 and drop < STALLED_DROP and weak:
        plot = context.charts.curve("loss_curve", curve, title="Training loss per epoch (stalled)",
                                    ylabel="loss")
        yield Finding(
            id="loss-stalling", severity=Severity.SERIOUS,
            title="The training loss barely moves",
            evidence=f"Over {len(curve)} epochs the loss fell by {drop:.1%} ({first:.4g} → {lowest:.4g}) "
                     f"and the cross-validated score stays at {cv.validation_score:.4f}. The steps are "
                     "too small to get anywhere in the time given.",
            next_steps=["Raise the learning rate by 10× (or use adam's default 1e-3)",
                        "Scale the inputs so one learning rate suits every weight"],
            lesson="learning-rate", numbers=numbers, plot=plot)


def check_convergence(context: Context) -> Iterator[Finding]:
    cv = context.cv
    messages = cv.warning_messages("ConvergenceWarning")
    if not messages:
        return
    curve = _curve(context)
    falling = None
    if curve is not None and len(curve) >= 6:
        tail = np.asarray(curve[-6:])
        falling = float(np.mean(-np.diff(tail) / np.abs(tail[:-1])))
    final = context.final
    name = describe(final.estimator) if final is not None else describe(context.model)
    numbers = {"warnings": messages[:3], "loss_still_falling_per_epoch": falling,
               "max_iter": getattr(final.estimator, "max_iter", None) if final else None}
    plot = (context.charts.curve("loss_curve", curve, title="Training loss per epoch (cut short)",
                                 ylabel="loss") if curve is not None else None)
    still_falling = falling is not None and falling >= STILL_FALLING
    yield Finding(
        id="not-converged", severity=Severity.SERIOUS if still_falling else Severity.WARNING,
        title=f"{name} stopped before converging",
        evidence=f"The fits warned: {messages[0][:200]}"
                 + (f" The loss was still falling by {falling:.1%} per epoch when it stopped."
                    if falling is not None else ""),
        next_steps=["Raise max_iter, or scale the inputs so the optimiser needs fewer steps",
                    "For MLPs: early_stopping=True stops when the validation score stops improving"],
        lesson="convergence", numbers=numbers, plot=plot)
