"""``tiltyard author init``: a new author's folder from a CSV — author.toml with the detected
column types and missing counts, a data dictionary and provenance to fill in (TODO), a seed,
and a story to write."""

from __future__ import annotations

import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tomli_w

from tiltyard.authoring.data import detect_type, read_data, task_for
from tiltyard.authoring.spec import AUTHOR_TOML, TODO, AuthoringError
from tiltyard.challenges.manifest import Task
from tiltyard.metrics import get_metric

STORY = "story.md"
STORY_TEMPLATE = """TODO: the story of these data, for the learner. Where do the rows come from, who
collected them and why; what the target means and why predicting it matters; what a learner
should watch for. If the [[corrupt]] recipe makes the files messy, say so honestly: the rows
are real, the mess was added on purpose, and the clean answers are sealed with the bundle.
"""


@dataclass(frozen=True)
class Plan:
    """What init will write, shown before it writes."""

    folder: Path
    files: dict[str, str]  # name -> text
    data_source: Path
    task: Task


def _value(value) -> str:
    return tomli_w.dumps({"v": value})[4:].strip()


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() and name.isascii() else _value(name)


def challenge_id(path: Path) -> str:
    words = "".join(c if c.isalnum() else "-" for c in path.stem.lower()).strip("-")
    return "-".join(w for w in words.split("-") if w) + "-v1" if words else "my-challenge-v1"


def render(frame: pd.DataFrame, task: Task, metric: str, data_file: str, seed: int, ident: str,
           encoding: str | None = None) -> str:
    split = "stratified" if task.type != "regression" else "random"
    lines = ["# Written by `tiltyard author init`. Fill in every TODO; `tiltyard check` refuses a bundle",
             "# that still has one. Then: tiltyard author inspect . && tiltyard author build .", "",
             "[challenge]", f"id = {_value(ident)}", f"title = {_value(TODO)}",
             f"summary = {_value(TODO + ': one line a learner reads in the list of challenges')}",
             'difficulty = "intermediate"  # beginner | intermediate | advanced',
             f"story = {_value(STORY)}", f"seed = {seed}  # every random draw of the build comes from it", "",
             "[data]", f"file = {_value(data_file)}", *([f"encoding = {_value(encoding)}"] if encoding else []),
             "", "[provenance]",
             f"source = {_value(TODO + ': who collected the data, and where you got them')}",
             f"licence = {_value(TODO + ': the licence the data are published under')}",
             f"url = {_value(TODO)}", 'citation = ""', "",
             "[task]", f"type = {_value(task.type)}", f"target = {_value(task.target)}",
             f"id_column = {_value(task.id_column)}  # Tiltyard redraws its values at random"]
    if task.classes:
        lines.append(f"classes = {_value(task.classes)}")
    if task.positive_label:
        lines.append(f"positive_label = {_value(task.positive_label)}  # the rarer class; change it if need be")
    lines += ["", "[metric]", f"primary = {_value(metric)}", "secondary = []", "",
              "[split]", f'method = "{split}"  # random | stratified | time:COLUMN | group:COLUMN',
              "test_fraction = 0.25", "public_fraction = 0.3  # of the test rows: scored on every submission", ""]
    for name in frame.columns:
        if name == task.id_column:
            continue
        kind = "categorical" if name == task.target and task.type != "regression" else detect_type(frame[name])
        what = f"Target. {TODO}: what it means" if name == task.target else f"{TODO}: what it means, in which unit"
        lines += [f"[columns.{_key(str(name))}]", f"type = {_value(kind)}  # numeric | categorical | text | "
                  "datetime | boolean", f"description = {_value(what)}",
                  f"missing = {int(frame[name].isna().sum())}  # empty cells in the data, as init found them", ""]
    lines += ["# The recipe that makes the public files messy on purpose (optional): one [[corrupt]] table",
              "# per step, run in order, each on its own stream of the seed. For example:",
              "# [[corrupt]]", '# op = "missing"', '# columns = ["age"]', "# fraction = 0.1",
              '# token = -999  # a disguised missing value', ""]
    return "\n".join(lines)


def plan_init(data: Path, *, target: str, task_type: str, metric: str, id_column: str, out: Path,
              encoding: str | None = None) -> Plan:
    data, out = Path(data), Path(out)
    frame = read_data(data, encoding)
    task = task_for(frame, target, task_type, id_column)
    chosen = get_metric(metric)
    if task.type not in chosen.tasks:
        raise AuthoringError(f"The metric {metric!r} cannot score a {task.type} task",
                             expected="one of " + ", ".join(_metrics_for(task.type)), got=metric,
                             hint="Pass another --metric")
    seed = zlib.crc32(data.name.encode()) % 100_000
    text = render(frame, task, metric, data.name, seed, challenge_id(data), encoding)
    return Plan(out, {AUTHOR_TOML: text, STORY: STORY_TEMPLATE}, data, task)


def _metrics_for(task_type: str) -> list[str]:
    from tiltyard.metrics import METRICS

    return [name for name, m in METRICS.items() if task_type in m.tasks]


def write_init(plan: Plan, *, force: bool = False) -> list[Path]:
    existing = plan.folder / AUTHOR_TOML
    if existing.exists() and not force:
        raise AuthoringError(f"{existing} already exists", expected="a new folder", got="an author.toml "
                             "you may have edited", hint="Pass --force to write it again from the data, or "
                             "pick another --out")
    plan.folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in plan.files.items():
        path = plan.folder / name
        if name == STORY and path.exists() and not force:
            continue
        path.write_text(text, encoding="utf-8")
        written.append(path)
    copy = plan.folder / plan.data_source.name
    if copy.resolve() != plan.data_source.resolve():
        shutil.copyfile(plan.data_source, copy)
        written.append(copy)
    return written
