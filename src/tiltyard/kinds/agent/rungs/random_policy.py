"""The random rung: a uniformly random action at every step, from a seeded draw (so a regrade
of this file gives the same returns)."""


def make_policy(observation_space, action_space):
    action_space.seed(0)

    class Random:
        def act(self, observation):
            return action_space.sample()

    return Random()
