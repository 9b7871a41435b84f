"""Build an agent bundle from a challenge spec: the sealed seeds, the ladder (each rung's policy
stored under sealed/baselines and scored by the grader's own episode loop), the brief, the
starter workspace.

public/   nothing (the environment is a package; the public seeds are in the manifest)
sealed/   seeds.json (the private seeds), baselines/ (each rung's policy: .py, or .zip with weights)
starter/  train.py, policy.py, budget.py, a notebook
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tiltyard.challenges.bundle import Bundle, staging_folder, write_bundle
from tiltyard.challenges.instance import SECRET, Instance
from tiltyard.challenges.manifest import BASELINE_DECIMALS, BaselineEntry, Budget, Manifest, MetricSpec, Provenance
from tiltyard.kinds.agent.grading import PRIMARY_METRIC, plans, spaces
from tiltyard.kinds.agent.local import play_folder
from tiltyard.kinds.agent.section import SEEDS_FILE, AgentSection

RUNGS = Path(__file__).with_name("rungs")
REFERENCE = Path(__file__).with_name("reference")  # trained rungs: ladder.json and weights, per challenge


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: a policy folder's files (name -> text or a file to copy)."""

    name: str
    description: str
    files: dict[str, str | Path]
    cheap: bool = True  # `tiltyard check --refit` plays it again from this source

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            if isinstance(content, Path):
                shutil.copyfile(content, folder / name)
            else:
                (folder / name).write_text(content, encoding="utf-8")
        return folder

    def store(self, sealed: Path) -> str:
        """Write the rung as the file a regrade reads: a lone policy.py, or a zip with its files."""
        baselines = sealed / "baselines"
        baselines.mkdir(parents=True, exist_ok=True)
        if set(self.files) == {"policy.py"}:
            target = baselines / f"{self.name}.py"
            content = self.files["policy.py"]
            target.write_text(content if isinstance(content, str) else content.read_text(), encoding="utf-8")
        else:
            target = baselines / f"{self.name}.zip"
            with tempfile.TemporaryDirectory() as scratch:
                folder = self.write(Path(scratch) / self.name)
                with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                    for file in sorted(folder.iterdir()):
                        # A fixed timestamp keeps the bundle's hash the same on every build.
                        info = zipfile.ZipInfo(file.name, date_time=(2026, 1, 1, 0, 0, 0))
                        info.external_attr = 0o644 << 16
                        archive.writestr(info, file.read_bytes(), zipfile.ZIP_DEFLATED)
        return target.relative_to(sealed.parent).as_posix()


def rung_file(name: str) -> str:
    return (RUNGS / name).read_text(encoding="utf-8")


def random_rung() -> Rung:
    return Rung("random", "a uniformly random action at every step (seeded)",
                {"policy.py": rung_file("random_policy.py")})


def sb3_policy(algorithm: str, window: int = 0) -> str:
    """The policy.py of a trained rung: an SB3 ``algorithm`` that sees the last ``window``
    observations, kept by the policy itself."""
    return rung_file("sb3_policy.py.in").replace("{algorithm}", algorithm).replace("{window}", str(window))


def reference_ladder(challenge_id: str) -> dict | None:
    path = REFERENCE / challenge_id / "ladder.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def reference_rungs(challenge_id: str) -> list[Rung]:
    """The trained rungs measured by ``reference.py`` and committed with their weights."""
    ladder = reference_ladder(challenge_id)
    rungs = []
    for entry in (ladder or {}).get("rungs", []):
        weights = REFERENCE / challenge_id / entry["name"] / "model.zip"
        if not weights.is_file():
            continue
        policy = sb3_policy(entry["algorithm"], entry.get("window", 0))
        rungs.append(Rung(entry["name"], entry["description"], {"policy.py": policy, "model.zip": weights},
                          cheap=False))
    return rungs


@dataclass
class AgentChallengeSpec:
    """Everything a built-in agent challenge says of itself; the builder does the rest."""

    id: str
    title: str
    summary: str
    difficulty: str
    section: AgentSection
    provenance: Provenance
    seed: int
    budget: Budget
    brief: Callable[[AgentChallengeSpec, list[BaselineEntry], dict | None], str]
    rungs: Callable[[], list[Rung]]
    starter: Callable[[AgentChallengeSpec], dict[str, str]]
    lessons: list[str] = field(default_factory=list)

    @property
    def builder_name(self) -> str:
        return self.id.rsplit("-v", 1)[0].replace("-", "_").upper()

    def private_seeds(self, instance: Instance | None) -> list[int]:
        """Drawn from the spec's seed (the practice instance) or from an arena's secret."""
        seed = self.seed if instance is None else instance.integer(self.seed)
        rng = np.random.default_rng(seed)
        public = set(self.section.public_seeds)
        seeds: list[int] = []
        while len(seeds) < self.section.private_episodes:
            draw = int(rng.integers(10_000, 2**31 - 1))
            if draw not in public and draw not in seeds:
                seeds.append(draw)
        return seeds


def score_rung(rung: Rung, section: AgentSection, splits: dict[str, list[int]]) -> tuple[float, float]:
    """(public, private) mean return of the first phase, played as the grader plays it."""
    observation_space, action_space = spaces(section)
    with tempfile.TemporaryDirectory() as scratch:
        logs = play_folder(rung.write(Path(scratch) / rung.name), plans(section, splits),
                           observation_space, action_space)
    primary = logs[section.primary.name]
    return float(np.mean(primary["public"].returns)), float(np.mean(primary["private"].returns))


class AgentBuilder:
    """The catalog's handle on one built-in agent challenge."""

    kind = "agent"

    def __init__(self, spec: AgentChallengeSpec):
        self.spec = spec
        self.id, self.title = spec.id, spec.title

    def build(self, catalog_dir: Path, progress: Callable[[str], None] = lambda _: None,
              instance: Instance | None = None) -> Bundle:
        spec = self.spec
        staging = staging_folder(Path(catalog_dir), spec.id)
        private = spec.private_seeds(instance)
        (staging / "sealed").mkdir()
        (staging / "sealed" / SEEDS_FILE).write_text(json.dumps({"private": private}), encoding="utf-8")
        splits = {"public": list(spec.section.public_seeds), "private": private}
        entries = []
        for rung in spec.rungs():
            progress(f"playing the {rung.name} rung on {len(private) + len(splits['public'])} seeds")
            public, private_score = score_rung(rung, spec.section, splits)
            entries.append(BaselineEntry(name=rung.name, description=rung.description,
                                         public_score=round(public, BASELINE_DECIMALS),
                                         private_score=round(private_score, BASELINE_DECIMALS),
                                         predictions=rung.store(staging / "sealed")))
        (staging / "brief.md").write_text(spec.brief(spec, entries, reference_ladder(spec.id)), encoding="utf-8")
        (staging / "starter").mkdir()
        for name, text in spec.starter(spec).items():
            (staging / "starter" / name).write_text(text, encoding="utf-8")
        manifest = Manifest(
            id=spec.id, title=spec.title, kind="agent", difficulty=spec.difficulty, summary=spec.summary,
            builder=f"tiltyard.kinds.agent.challenges:{spec.builder_name}",
            provenance=spec.provenance, metric=MetricSpec(primary=PRIMARY_METRIC), budget=spec.budget,
            baselines=entries, lessons=spec.lessons, instance=None if instance is None else SECRET,
            section=spec.section.model_dump(mode="json", exclude_none=True))
        progress("hashing and moving into place")
        return write_bundle(staging, manifest, Path(catalog_dir) / spec.id)
