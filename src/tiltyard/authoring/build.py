"""An author's folder as a :class:`~tiltyard.kinds.table.builder.TableSpec`: the one path from
``author.toml`` to a bundle, used by ``tiltyard author build`` and by the built-in challenges
whose spec folders live in ``tiltyard/catalog/specs``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from tiltyard.authoring.data import read_data, task_for
from tiltyard.authoring.spec import AuthoringError, AuthorSpec, read_spec
from tiltyard.authoring.split import check_size, describe, method_name, test_mask
from tiltyard.challenges.manifest import MetricSpec, Provenance, Task
from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.builder import TableSpec, independent_seeds, with_shuffled_ids
from tiltyard.metrics import get_metric

RANDOM_IDS = ("Row id, drawn at random by Tiltyard when the challenge was built: it says nothing "
              "about the row.")


@dataclass(frozen=True)
class Authored:
    """An author's folder, read: its spec, its data (ids drawn) and the task they make."""

    folder: Path
    spec: AuthorSpec
    frame: pd.DataFrame
    task: Task
    original: pd.DataFrame  # the data in the author's order, before ids are drawn


def read_folder(folder: Path, load: Callable[[], pd.DataFrame] | None = None) -> Authored:
    """The spec and its data, checked against each other; ``load`` stands in for the data file
    (the built-ins read theirs from a package)."""
    folder = Path(folder)
    spec = read_spec(folder)
    frame = load() if load is not None else read_data(folder / spec.data.file, spec.data.encoding)
    task_spec = spec.task
    try:
        task = task_for(frame, task_spec.target, task_spec.type, task_spec.id_column,
                        task_spec.classes, task_spec.positive_label)
    except ValidationError as error:
        raise AuthoringError("[task] does not fit its type", expected="classes that include positive_label",
                             got=error.errors()[0]["msg"], hint="Fix [task] classes / positive_label") from None
    check_metric(spec, task)
    check_columns(spec, frame)
    check_size(len(frame), spec.split)
    ids, _ = independent_seeds(spec.challenge.seed, 2)
    original = frame
    if task.id_column in frame:
        frame = frame.drop(columns=[task.id_column])
    return Authored(folder, spec, with_shuffled_ids(frame, task.id_column, ids), task, original)


def check_metric(spec: AuthorSpec, task: Task) -> None:
    for name in [spec.metric.primary, *spec.metric.secondary]:
        metric = get_metric(name)
        if task.type not in metric.tasks:
            raise AuthoringError(f"The metric {name!r} cannot score a {task.type} task",
                                 expected="a metric for " + task.type, got=name,
                                 hint="Pick another in [metric]; `tiltyard author init --help` lists them")


def check_columns(spec: AuthorSpec, frame: pd.DataFrame) -> None:
    """Every data column described, and every description a data column (or one a recipe step adds)."""
    data = [str(c) for c in frame.columns if c != spec.task.id_column]
    undescribed = [c for c in data if c not in spec.columns]
    if undescribed:
        raise AuthoringError("The data dictionary misses columns of the data", expected="a [columns.NAME] "
                             "table for every column", got="none for " + ", ".join(undescribed[:6]),
                             hint="Run `tiltyard author init` again on the data, or add the tables by hand")
    added = {name for step in spec.corrupt for name in [step.get("name")] if name and isinstance(name, str)}
    strays = [c for c in spec.columns if c not in data and c != spec.task.id_column and c not in added]
    if strays:
        raise AuthoringError("The data dictionary describes columns the data do not have",
                             expected="names of data columns", got=", ".join(strays[:6]),
                             hint=did_you_mean(strays[0], data) or "Remove those tables from author.toml")


def column_types(authored: Authored) -> dict[str, str]:
    return {name: entry.type for name, entry in authored.spec.columns.items()
            if name in authored.frame and name != authored.task.id_column}


def recipe_for(authored: Authored):
    """The ``[[corrupt]]`` steps, parsed against the data (None for a clean challenge)."""
    if not authored.spec.corrupt:
        return None
    from tiltyard.kinds.table.corruption.recipe import parse_recipe

    return parse_recipe(authored.spec.corrupt, column_types(authored), authored.task)


def dictionary(authored: Authored) -> dict[str, dict]:
    entries = {authored.task.id_column: {"type": "id", "description": RANDOM_IDS, "table": "train"}}
    for name, entry in authored.spec.columns.items():
        if name != authored.task.id_column:
            entries[name] = {"type": entry.type, "description": entry.description, "table": "train"}
    return entries


def table_spec(folder: Path, load: Callable[[], pd.DataFrame] | None = None) -> TableSpec:
    authored = read_folder(folder, load)
    spec = authored.spec
    _, test_stream = independent_seeds(spec.challenge.seed, 2)
    story = authored.folder / spec.challenge.story
    if not story.is_file():
        raise AuthoringError(f"No story at {story}", expected="a markdown file telling what the data are",
                             got="no such file", hint="Write it ([challenge] story names it)")
    return TableSpec(
        id=spec.challenge.id, title=spec.challenge.title, summary=spec.challenge.summary,
        difficulty=spec.challenge.difficulty,
        provenance=Provenance(source=spec.provenance.source, licence=spec.provenance.licence,
                              url=spec.provenance.url, citation=spec.provenance.citation or None),
        task=authored.task, metric=MetricSpec(primary=spec.metric.primary, secondary=spec.metric.secondary),
        split_method=method_name(spec.split), split_description=describe(spec.split, authored.task),
        seed=spec.challenge.seed, load=lambda: authored.frame,
        test_mask=partial(_mask, split=spec.split, task=authored.task, default=test_stream),
        lessons=tuple(spec.challenge.lessons), public_fraction=spec.split.public_fraction,
        dictionary=lambda: dictionary(authored), story=lambda: story.read_text(encoding="utf-8"),
        recipe=recipe_for(authored), duplicates_across_splits=spec.split.duplicates_across_splits,
        brief_states_noise=True)


def _mask(frame: pd.DataFrame, seed=None, *, split, task, default):
    return test_mask(frame, split, task, default if seed is None else seed)


class AuthoredBuilder:
    """A built-in challenge made from a spec folder, as the ``tiltyard.challenges`` entry points
    want it: its id and title read at once, the data only when it is built."""

    kind = "table"
    superseded = False

    def __init__(self, folder: Path, load: Callable[[], pd.DataFrame] | None = None):
        self.folder, self.load = Path(folder), load
        spec = read_spec(self.folder)
        self.id, self.title = spec.challenge.id, spec.challenge.title

    def spec(self) -> TableSpec:
        return table_spec(self.folder, self.load)

    def build(self, catalog_dir: Path, progress: Callable[[str], None] = lambda _: None, instance=None):
        return self.spec().build(catalog_dir, progress, instance)
