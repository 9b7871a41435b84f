"""CartPole's heuristic rung: push the cart toward the side the pole leans to."""


def make_policy(observation_space, action_space):
    class PushTowardTheLean:
        def act(self, observation):
            pole_angle = observation[2]
            return 1 if pole_angle > 0 else 0  # 1 pushes right

    return PushTowardTheLean()
