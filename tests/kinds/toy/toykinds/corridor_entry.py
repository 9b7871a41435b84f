"""Runs inside the sandbox: a corridor of 10 cells, the agent starts at a seeded cell and is
paid 1 for reaching the right end, minus 0.01 a step. Imports nothing from tiltyard."""


class Discrete:
    def __init__(self, n):
        self.n = n


def episode(policy, seed: int, max_steps: int) -> float:
    import random

    position, total = random.Random(seed).randrange(0, 5), 0.0
    if hasattr(policy, "reset"):
        policy.reset()
    for _ in range(max_steps):
        action = int(policy.act(position))
        position = max(0, min(9, position + (1 if action == 1 else -1)))
        total -= 0.01
        if position == 9:
            return total + 1.0
    return total


def run(config: dict, api):
    import numpy as np

    module = api.import_submission()
    api.stage("make_policy")
    make_policy = getattr(module, "make_policy", None)
    if not callable(make_policy):
        return api.contract_error("make_policy", "Your file does not define make_policy(observation_space, "
                                  "action_space); define it and return an object with act(observation)"), None
    policy = make_policy(Discrete(10), Discrete(2))
    api.stage("episodes")
    returns = [episode(policy, seed, config["max_steps"]) for seed in config["seeds"]]
    return {"status": "ok"}, np.asarray(returns, dtype=np.float64)
