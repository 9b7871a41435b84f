"""The ladders of the challenges made from tables, as policy folders the grader plays like a
learner's: each rung's policy.py is the source of the policies module (NumPy only) followed by a
``make_policy`` that builds the rung, beside the weights it loads. Learned rungs fit on the
public part of their table only (oracle-free)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tiltyard.kinds.agent import bandit, bandit_policies, series, series_policies
from tiltyard.kinds.agent.builder import Rung, random_rung, reference_rungs

WEIGHTS = "weights.json"


def _source(module) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")


def policy_rung(name: str, description: str, module, make: str, files: dict | None = None, cheap: bool = True) -> Rung:
    tail = f"\n\ndef make_policy(observation_space, action_space):\n{make}\n"
    return Rung(name, description, {"policy.py": _source(module) + tail, **(files or {})}, cheap=cheap)


LOAD_WEIGHTS = "    import json\n    from pathlib import Path\n\n" \
               f"    saved = json.loads(Path(__file__).with_name({WEIGHTS!r}).read_text())\n"


def history_outcomes() -> tuple[np.ndarray, np.ndarray]:
    """The public history's applicants as observed, and whether each loan went bad (every one
    approved once, as a bank's past loans are)."""
    env = bandit.credit_env("history", episode_length=bandit.PARTS["history"])
    observation, _ = env.reset(seed=0)
    features, went_bad, done = [], [], False
    while not done:
        features.append(observation)
        observation, reward, done, _, _ = env.step(bandit_policies.APPROVE)
        went_bad.append(reward < 0)
    return np.asarray(features, dtype=float), np.asarray(went_bad, dtype=float)


def credit_rungs() -> list[Rung]:
    learner = "OnlineLogistic(observation_space.shape[0], break_even={be!r}, epsilon={eps!r}, seed=0{extra})"
    cold = learner.format(be=bandit.BREAK_EVEN, eps=0.05, extra="")
    reference = bandit_policies.fitted_on_history(*history_outcomes(), break_even=bandit.BREAK_EVEN)
    saved = {"weights": reference.weights.tolist(), "bias": reference.bias, "mean": reference.mean.tolist(),
             "scale": reference.scale.tolist(), "epsilon": reference.epsilon,
             "learning_rate": reference.learning_rate}
    warm = learner.format(be=bandit.BREAK_EVEN, eps=saved["epsilon"],
                          extra=", learning_rate=saved['learning_rate'], weights=saved['weights'], "
                                "bias=saved['bias'], mean=saved['mean'], scale=saved['scale']")
    return [
        random_rung(),
        policy_rung("approve-all", "approve every applicant", bandit_policies, "    return Constant(APPROVE)"),
        policy_rung("decline-all", "decline every applicant (earns exactly 0)", bandit_policies,
              "    return Constant(DECLINE)"),
        policy_rung("epsilon-greedy", "logistic regression of 'goes bad' learnt online from nothing: approve below "
              "the break-even chance of 0.2, approve 5% at random to keep learning", bandit_policies,
              f"    return {cold}"),
        policy_rung("history-logistic", "logistic regression fitted on the public history, approving below the "
              "break-even chance and updating online from each approved loan (the reference)", bandit_policies,
              f"{LOAD_WEIGHTS}    return {warm}", {WEIGHTS: json.dumps(saved)}),
    ]


def demand_rungs() -> list[Rung]:
    public = series.demand_env("public")
    n = len(series.CONTEXT)

    def linear(name: str, description: str, window: int) -> Rung:
        model = series_policies.fitted_change_model(public, window)
        saved = {"coef": model.coef.tolist(), "intercept": model.intercept, "changes": model.changes}
        return policy_rung(name, description, series_policies,
                           f"{LOAD_WEIGHTS}    model = Linear(saved['coef'], saved['intercept'], saved['changes'])\n"
                           f"    return PredictedChange(model, {n}, {window})", {WEIGHTS: json.dumps(saved)})

    return [
        random_rung(),
        policy_rung("ramp-up", "always ramp up", series_policies,
                    "    class Up:\n        def act(self, observation):\n            return UP\n\n    return Up()"),
        linear("memoryless-linear", "a linear model of the next change from the current reading alone: no memory", 0),
        policy_rung("momentum", "ramp the way demand moved over the last half-hour: one reading of memory",
                    series_policies, "    return Momentum()"),
        linear("windowed-linear", "a linear model of the next change from the last two changes in demand (and "
               "their signs), which the policy remembers itself, with the current reading (the reference)", 2),
        *reference_rungs("power-ramp-v1"),
    ]
