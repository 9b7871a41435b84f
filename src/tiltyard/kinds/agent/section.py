"""An agent bundle's ``[agent]`` section: which environment, under what budget, on which seeds,
scored in which phases. Private seeds are not here: they are sealed (``sealed/seeds.json``) and
read only through the bundle."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tiltyard.challenges.bundle import Bundle
from tiltyard.errors import BundleError

SEEDS_FILE = "seeds.json"  # under sealed/: {"private": [...]}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnvironmentSpec(Strict):
    """A registered environment of a pinned package, or a factory Tiltyard itself provides."""

    package: str | None = Field(None, description="the distribution that provides the id: gymnasium, minatar, popgym")
    version: str | None = Field(None, description="the version the bundle was built and graded with, pinned")
    id: str | None = Field(None, description="the environment id in that package (CartPole-v1)")
    factory: str | None = Field(None, description="'module:callable' returning a gymnasium.Env, for "
                                                  "environments Tiltyard builds itself")
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_source(self) -> EnvironmentSpec:
        registered = self.package is not None or self.id is not None
        if registered == (self.factory is not None):
            raise ValueError("give either package, version and id (a registered environment) or factory")
        if registered and not (self.package and self.version and self.id):
            raise ValueError("a registered environment names its package, its pinned version and its id")
        if self.factory is not None and ":" not in self.factory:
            raise ValueError(f"factory {self.factory!r} must read 'module:callable'")
        return self

    def describe(self) -> str:
        return self.factory if self.factory else f"{self.id} ({self.package} {self.version})"


class Phase(Strict):
    """One scored pass of the policy over the seeds: its mean episodic return is a score.

    The first phase's score is the challenge's primary score; the policy process lives through
    every phase (what it learned online it keeps)."""

    name: str = Field("return", pattern=r"^[a-z][a-z0-9_]*$")
    title: str = "Mean episodic return"
    kwargs: dict[str, Any] = Field(default_factory=dict, description="merged over the environment's kwargs")
    reveal_rewards: bool = Field(False, description="call the policy's observe(reward) after each act")
    episodes: int | None = Field(None, ge=1, description="use only the first N seeds of each list")
    private_kwargs: dict[str, Any] = Field(default_factory=dict, description="merged over kwargs for the private "
                                           "seeds alone: an environment made from a table plays its sealed rows "
                                           "there, its public rows on the public seeds")


class VerifiedTrack(Strict):
    """The grader reruns the learner's train.py in the sandbox, once per training seed, under the
    step cap (``step_budget``, counted by the grader), this wall cap and thread count; then plays
    each trained policy on the sealed seeds."""

    seeds: list[int] = Field(default_factory=lambda: [0, 1, 2], min_length=1, description="training seeds")
    wall_seconds: float = Field(gt=0, description="wall time one training run may take")
    threads: int = Field(1, ge=1, description="threads a training run is given (and held to)")
    memory_mb: int = Field(2048, gt=0)
    rung: str | None = Field(None, description="the rung the probability of improvement is against (default: "
                                               "the reference rung)")


class AgentSection(Strict):
    environment: EnvironmentSpec
    max_episode_steps: int = Field(ge=1, description="the server's time limit on an episode")
    step_budget: int = Field(ge=1, description="environment steps a learner may train for")
    public_seeds: list[int] = Field(min_length=1, description="published: `ch.evaluate` runs on them")
    private_episodes: int = Field(ge=1, description="how many sealed seeds a grade runs on")
    step_seconds: float = Field(1.0, gt=0, description="time one act() (or reset, observe) may take")
    setup_seconds: float = Field(60.0, gt=0, description="time make_policy() may take (imports, loading weights)")
    phases: list[Phase] = Field(default_factory=lambda: [Phase()], min_length=1)
    random_rung: str = "random"
    reference_rung: str | None = Field(None, description="the baseline whose score is 1 on the normalised scale")
    memory_task: bool = Field(False, description="a memoryless policy scores chance (chance_return)")
    chance_return: float = Field(0.0, description="on a memory task, what a memoryless policy scores at best, on "
                                                  "average")
    verified: VerifiedTrack | None = Field(None, description="opted in to the verified budget track")

    @model_validator(mode="after")
    def _distinct_phases(self) -> AgentSection:
        names = [phase.name for phase in self.phases]
        if len(set(names)) != len(names):
            raise ValueError(f"phase names repeat: {names}")
        if len(set(self.public_seeds)) != len(self.public_seeds):
            raise ValueError("public seeds repeat")
        return self

    @property
    def primary(self) -> Phase:
        return self.phases[0]


def section_of(bundle: Bundle) -> AgentSection:
    """The bundle's ``[agent]`` section, read through the kind (which refuses a malformed one)."""
    from tiltyard.plugins import kind_of

    return kind_of(bundle).section(bundle.manifest)


def private_seeds(bundle: Bundle, section: AgentSection) -> list[int]:
    """The sealed seeds, in the fixed order episodes are run."""
    seeds = json.loads(bundle.sealed_file(SEEDS_FILE).read_text(encoding="utf-8"))["private"]
    if len(seeds) != section.private_episodes or len(set(seeds)) != len(seeds):
        raise BundleError(f"{bundle.manifest.id}'s sealed seeds do not match its [agent] section",
                          expected=f"{section.private_episodes} distinct private seeds",
                          got=f"{len(seeds)} seeds, {len(set(seeds))} distinct",
                          hint="Rebuild the bundle")
    return [int(seed) for seed in seeds]


SeedSplit = Literal["public", "private"]
