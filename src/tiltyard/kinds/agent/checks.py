"""The agent kind's named checks (``agent.*``), run by `tiltyard check` after the common ones."""

from __future__ import annotations

import warnings

import numpy as np

from tiltyard.challenges.bundle import Bundle
from tiltyard.core import Check, NamedCheck
from tiltyard.errors import TiltyardError
from tiltyard.kinds.agent.environments import make_env, version_problem
from tiltyard.kinds.agent.section import AgentSection, private_seeds, section_of

DETERMINISM_STEPS = 50
CHANCE_TOLERANCE = 0.15  # a memoryless rung within this of chance (returns in [-1, 1]) plays at chance
BEYOND_CHANCE = 3  # tolerances above chance: the best rung shows that memory pays


def environment_builds(bundle: Bundle) -> list[Check]:
    from gymnasium.utils.env_checker import check_env

    section = section_of(bundle)
    checks = []
    for phase in section.phases:
        env = make_env(section.environment, max_episode_steps=section.max_episode_steps, kwargs=phase.kwargs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # check_env's advice (unbounded boxes, wrappers) is not a failure
                check_env(env.unwrapped, skip_render_check=True)
            passed, detail = True, f"{section.environment.describe()}: gymnasium's check_env passes"
        except Exception as error:  # noqa: BLE001 - any failure of the checker is this check failing
            passed, detail = False, f"check_env: {type(error).__name__}: {error}"
        finally:
            env.close()
        checks.append(Check("agent.environment_builds", f"environment builds ({phase.name})", passed, detail))
    return checks


def environment_pinned(bundle: Bundle) -> list[Check]:
    section = section_of(bundle)
    problem = version_problem(section.environment)
    return [Check("agent.environment_pinned", "environment package pinned", problem is None,
                  problem or (f"{section.environment.package} {section.environment.version}"
                              if section.environment.package else f"built by {section.environment.factory}"))]


def seeds_sealed(bundle: Bundle) -> list[Check]:
    section = section_of(bundle)
    try:
        private = private_seeds(bundle, section)
    except TiltyardError as error:
        return [Check("agent.seeds_sealed", "private seeds sealed", False, str(error))]
    overlap = sorted(set(private) & set(section.public_seeds))
    shown = [entry.path for entry in bundle.manifest.files if entry.role != "sealed"
             and any(str(seed) in (bundle.root / entry.path).read_text(errors="ignore") for seed in private[:5])]
    return [Check("agent.seeds_sealed", "private seeds sealed", not overlap and not shown,
                  f"overlap with public seeds: {overlap}" if overlap else
                  f"private seeds appear in {shown}" if shown else
                  f"{len(private)} private seeds in sealed/, {len(section.public_seeds)} public in the manifest")]


def _rollout(section: AgentSection, seed: int) -> list[float]:
    env = make_env(section.environment, max_episode_steps=section.max_episode_steps)
    try:
        observation, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        trace = [float(np.sum(observation))]
        for _ in range(DETERMINISM_STEPS):
            observation, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            trace += [float(np.sum(observation)), float(reward)]
            if terminated or truncated:
                break
        return trace
    finally:
        env.close()


def seeds_determine_episodes(bundle: Bundle) -> list[Check]:
    section = section_of(bundle)
    seed = section.public_seeds[0]
    same = _rollout(section, seed) == _rollout(section, seed)
    return [Check("agent.seeds_determine_episodes", "a seed fixes its episode", same,
                  f"two rollouts from seed {seed} with the same actions are identical" if same
                  else f"two rollouts from seed {seed} differ: grades would not reproduce")]


def rungs_ordered(bundle: Bundle) -> list[Check]:
    section = section_of(bundle)
    names = {entry.name: entry for entry in bundle.manifest.baselines}
    random = names.get(section.random_rung)
    checks = [Check("agent.rungs", "random rung present", random is not None,
                    f"{section.random_rung}: {random.private_score:.3f}" if random else f"no {section.random_rung!r}")]
    if section.reference_rung is not None:
        reference = names.get(section.reference_rung)
        above = reference is not None and random is not None and reference.private_score > random.private_score
        checks.append(Check("agent.rungs", "reference rung beats random", above,
                            f"{section.reference_rung}: {reference.private_score:.3f}" if reference
                            else f"no {section.reference_rung!r} among {sorted(names)}"))
    if section.memory_task and random is not None:
        # Returns in [-1, 1] (POPGym) keep the fixed tolerance; larger ones (a table's units) scale it
        # by the distance from random to the reference.
        reference = names.get(section.reference_rung) if section.reference_rung else None
        span = abs(reference.private_score - random.private_score) if reference is not None else 0.0
        tolerance = max(CHANCE_TOLERANCE, CHANCE_TOLERANCE * span)
        chance = section.chance_return
        at_chance = abs(random.private_score - chance) <= tolerance
        checks.append(Check("agent.rungs", "random plays at chance on a memory task", at_chance,
                            f"random rung {random.private_score:+.3f} (chance is {chance:+.3g}, "
                            f"tolerance {tolerance:.3f})"))
        best = max(entry.private_score for entry in bundle.manifest.baselines)
        checks.append(Check("agent.rungs", "memory beats chance", best > chance + BEYOND_CHANCE * tolerance,
                            f"best rung {best:+.3f}: a policy with memory does not play at chance"))
    return checks


def cheap_rungs_reproduce(bundle: Bundle) -> list[Check]:
    """Play the cheap rungs again from the package's own source (not the stored files): the
    scores must be the manifest's."""
    from tiltyard.challenges.registry import builtin_builder, builtin_ids
    from tiltyard.kinds.agent.builder import score_rung

    if bundle.manifest.id not in builtin_ids():
        return [Check("agent.cheap_rungs_reproduce", "cheap rungs reproduce", True,
                      "not a built-in: its stored rungs are regraded by common.baselines")]
    spec = builtin_builder(bundle.manifest.id).spec
    section = section_of(bundle)
    splits = {"public": list(section.public_seeds), "private": private_seeds(bundle, section)}
    checks = []
    for rung in (r for r in spec.rungs() if r.cheap):
        public, private = score_rung(rung, section, splits)
        stored = bundle.manifest.baseline(rung.name)
        same = abs(public - stored.public_score) < 1e-6 and abs(private - stored.private_score) < 1e-6
        checks.append(Check("agent.cheap_rungs_reproduce", f"rung {rung.name} reproduces", same,
                            f"stored {stored.private_score:.4f}, played again {private:.4f} (private seeds)"))
    return checks


def verified_track(bundle: Bundle) -> list[Check]:
    """A challenge on the verified track names a rung it has (the probability of improvement is
    against it) and starters that train: train.py, policy.py, budget.py."""
    track = section_of(bundle).verified
    if track is None:
        return [Check("agent.verified_track", "verified track", True,
                      "not on the verified track: graded on the policy handed in, as trained by the learner")]
    rung = track.rung or section_of(bundle).reference_rung
    names = [entry.name for entry in bundle.manifest.baselines]
    starters = {entry.path.removeprefix("starter/") for entry in bundle.manifest.files_with_role("starter")}
    missing = sorted({"train.py", "policy.py", "budget.py"} - starters)
    problems = ([] if rung in names else [f"the rung {rung!r} is not among the baselines {names}"]) + \
        ([f"the starter lacks {', '.join(missing)}"] if missing else [])
    return [Check("agent.verified_track", "verified track: rung and starters", not problems,
                  "; ".join(problems) or f"{len(track.seeds)} training seeds, {track.wall_seconds:g} s wall and "
                                         f"{track.threads} thread(s) each, compared with {rung}")]


CHECKS = [NamedCheck("agent.environment_builds", environment_builds, fatal=True),
          NamedCheck("agent.environment_pinned", environment_pinned),
          NamedCheck("agent.seeds_sealed", seeds_sealed),
          NamedCheck("agent.seeds_determine_episodes", seeds_determine_episodes),
          NamedCheck("agent.rungs", rungs_ordered),
          NamedCheck("agent.verified_track", verified_track),
          NamedCheck("agent.cheap_rungs_reproduce", cheap_rungs_reproduce, refit=True)]


