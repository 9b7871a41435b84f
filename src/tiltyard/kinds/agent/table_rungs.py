"""The ladders of the challenges made from tables, as policy folders the grader plays like a
learner's: each rung's policy.py is the source of the policies module (NumPy only) followed by a
``make_policy`` that builds the rung, beside the weights it loads. Learned rungs fit on the
public part of their table only (oracle-free)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np

from tiltyard.kinds.agent import bandit, bandit_policies, series, series_policies
from tiltyard.kinds.agent.builder import Rung, random_rung

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


def _change_model(window: int, linear: bool):
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import Ridge

    X, y = series_policies.windowed_rows(series.demand_env("public"), window)
    return (Ridge(alpha=1.0) if linear else HistGradientBoostingRegressor(max_iter=100, random_state=0)).fit(X, y)


def demand_rungs(folder: Path | None = None) -> list[Rung]:
    memoryless = _change_model(0, linear=True)
    saved = {"coef": memoryless.coef_.tolist(), "intercept": float(memoryless.intercept_)}
    linear = ("    class Linear:\n        def predict(self, rows):\n"
              "            return rows @ np.asarray(saved['coef']) + saved['intercept']\n\n")
    boosted = pickle.dumps(_change_model(2, linear=False))
    scratch = Path(folder or _scratch()) / "windowed-boosting.pkl"
    scratch.write_bytes(boosted)
    n = len(series.CONTEXT)
    return [
        random_rung(),
        policy_rung("ramp-up", "always ramp up", series_policies,
              "    class Up:\n        def act(self, observation):\n            return UP\n\n    return Up()"),
        policy_rung("memoryless-linear", "a linear model of the next change from the current reading alone: "
              "no memory", series_policies, f"{LOAD_WEIGHTS}{linear}    return PredictedChange(Linear(), {n}, 0)",
              {WEIGHTS: json.dumps(saved)}),
        policy_rung("momentum", "ramp the way demand moved over the last half-hour: one reading of memory",
              series_policies, "    return Momentum()"),
        policy_rung("windowed-boosting", "gradient boosting of the next change from the last three readings, which "
              "the policy keeps itself (the reference)", series_policies,
              "    import pickle\n    from pathlib import Path\n\n    from threadpoolctl import threadpool_limits\n\n"
              "    threadpool_limits(1)  # one row a step: threads cost more than they give\n"
              "    model = pickle.loads(Path(__file__).with_name('model.pkl').read_bytes())\n"
              f"    model.predict(np.zeros((1, {3 * n})))  # the first prediction loads what predicting needs\n"
              f"    return PredictedChange(model, {n}, 2)", {"model.pkl": scratch}, cheap=False),
    ]


def _scratch() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="tiltyard-rungs-"))
