"""Turn a table dataset into a bundle: split, seal the answers, fit the ladder, write the brief.

A :class:`TableSpec` says what is particular to one dataset (where it comes from, how to
split it, its story); everything else is shared so that every built-in challenge, and every
challenge an author builds, has the same shape and passes the same checker.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tiltyard.challenges.bundle import Bundle, staging_folder, write_bundle, write_csv
from tiltyard.challenges.instance import SECRET, Instance
from tiltyard.challenges.manifest import (
    BaselineEntry,
    Budget,
    Column,
    FailedBaseline,
    Manifest,
    MetricSpec,
    Provenance,
    SideTable,
    Split,
    Task,
)
from tiltyard.errors import BundleError
from tiltyard.kinds.table import searches
from tiltyard.kinds.table.automl import search_record, searched_model
from tiltyard.kinds.table.baselines import expm1, ladder, log1p, predict_for_metric
from tiltyard.kinds.table.grader import ANSWERS, SPLIT_COLUMN, Grader
from tiltyard.kinds.table.noise import noise_rung, public_noise
from tiltyard.kinds.table.section import TableSection
from tiltyard.kinds.table.starter import AS_FIRST_PUBLISHED, LINEAR_RUNG, write_starters
from tiltyard.metrics import get_metric

PUBLIC_FRACTION = 0.3
INSTANCE_IDS = ("Row id, drawn at random for this instance of the challenge: it says nothing "
                "about the row, and differs from the ids of a catalog built on your own disk.")
PREDICTION_DECIMALS = 6  # rounding keeps baseline files byte-identical across BLAS builds
THREADED_ROWS = 20_000
MISSING_COUNTS = ("*missing* counts the empty cells of `train.csv` (of its own file for a side "
                  "table's column); `test.csv` is not counted, and its share can differ.")


@dataclass(frozen=True)
class SideTableData:
    name: str
    frame: pd.DataFrame
    description: str
    join: str


@dataclass(frozen=True)
class TableSpec:
    id: str
    title: str
    summary: str
    difficulty: str
    provenance: Provenance
    task: Task
    metric: MetricSpec
    split_method: str
    split_description: str
    seed: int
    load: Callable[[], pd.DataFrame]
    """The whole dataset: id column assigned, target included, rows in a fixed order."""
    test_mask: Callable[..., np.ndarray]
    """``test_mask(frame)`` for the practice instance; a random split also takes ``seed=``
    (an instance's stream) and draws from it instead. A split that draws nothing (a time
    split) ignores it."""
    side_tables: Callable[[], list[SideTableData]] = lambda: []
    lessons: tuple[str, ...] = ()
    budget: Budget = field(default_factory=Budget)
    text_dir: Path | None = None
    """Where ``STEM.md`` (the story) and ``STEM.columns.toml`` (the data dictionary) live."""
    kind: str = "table"
    text: str = ""
    """Their stem (the id when empty): a new version of a dataset shares its predecessor's."""
    superseded: bool = False
    """Kept only so that stored reports still read (house-prices-v1): built byte for byte as
    published, so later changes to briefs, starters and the ladder reach only the live versions."""
    tags: tuple[str, ...] = ()
    public_fraction: float = PUBLIC_FRACTION
    dictionary: Callable[[], dict[str, dict]] | None = None
    """The data dictionary itself (an author's ``[columns]``), instead of ``text_dir``'s file."""
    story: Callable[[], str] | None = None
    """The story itself (an author's story file), instead of ``text_dir``'s ``STEM.md``."""
    recipe: Any = None
    """A corruption recipe (:mod:`tiltyard.kinds.table.corruption`): the public files are made
    messy with it, the clean copy and the log sealed, and the cleaning rungs fitted."""
    duplicates_across_splits: str | None = None
    """Why some test rows repeat train rows, when the dataset does on purpose; the checker
    refuses them otherwise."""
    brief_states_noise: bool = False
    """Whether the brief repeats the public score's noise (the manifest always states it): the
    briefs published before it keep their bytes, since stored reports name their bundle hash."""

    @property
    def text_stem(self) -> str:
        return self.text or self.id

    def build(self, catalog_dir: Path, progress: Callable[[str], None] = lambda _: None,
              instance: Instance | None = None) -> Bundle:
        return build_table_challenge(self, catalog_dir, progress, instance)


Seed = int | np.random.SeedSequence


def independent_seeds(seed: int, count: int) -> list[np.random.SeedSequence]:
    """Streams drawn from one seed that are independent of each other and of the seed's own
    stream: the id shuffle and the test mask must not both use the seed itself, or the
    test rows are the first rows of the source (house-prices-v1)."""
    return np.random.SeedSequence(seed).spawn(count)


def random_test_mask(frame: pd.DataFrame, *, fraction: float, seed: Seed,
                     stratify: str | None = None) -> np.ndarray:
    """A seeded random test mask; stratified keeps each class's share in train and test."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(frame), dtype=bool)
    groups = [np.arange(len(frame))] if stratify is None else [
        np.flatnonzero(frame[stratify].to_numpy() == value)
        for value in sorted(frame[stratify].dropna().unique())]
    for rows in groups:
        chosen = rng.permutation(rows)[: int(round(fraction * rows.size))]
        mask[chosen] = True
    return mask


def with_shuffled_ids(frame: pd.DataFrame, id_column: str, seed: Seed) -> pd.DataFrame:
    """Ids 1..n in a seeded random order, put first, rows sorted by them: an id (or a row's
    place in the file) says nothing about the target."""
    frame = frame.copy()
    frame.insert(0, id_column, np.random.default_rng(seed).permutation(len(frame)) + 1)
    return frame.sort_values(id_column, kind="stable").reset_index(drop=True)


def read_dictionary(spec: TableSpec) -> dict[str, dict]:
    if spec.dictionary is not None:
        return spec.dictionary()
    path = spec.text_dir / f"{spec.text_stem}.columns.toml"
    if not path.is_file():
        raise BundleError(f"No data dictionary for {spec.id}", expected=str(path),
                          got="no such file")
    return tomllib.loads(path.read_text(encoding="utf-8"))["columns"]


def dictionary_columns(spec: TableSpec, frames: dict[str, pd.DataFrame]) -> list[Column]:
    """One Column per column of every public table, described by the dictionary."""
    dictionary = read_dictionary(spec)
    columns = []
    for table, frame in frames.items():
        for name in frame.columns:
            # Side tables repeat names (weather.origin); "table.column" keys tell them apart.
            entry = dictionary.get(f"{table}.{name}") or dictionary.get(name)
            if entry is None or entry.get("table", "train") != table:
                raise BundleError(f"The data dictionary of {spec.id} does not describe "
                                  f"column {name!r} of table {table!r}",
                                  expected=f"[columns.{name}] with table = {table!r}",
                                  got="no such entry",
                                  hint=f"Add it to {spec.text_dir / (spec.text_stem + '.columns.toml')}")
            columns.append(Column(name=name, type=entry["type"], description=entry["description"],
                                  missing=int(frame[name].isna().sum()), table=table))
    return columns


def draw_instance(spec: TableSpec, frame: pd.DataFrame,
                  instance: Instance | None) -> tuple[pd.DataFrame, np.ndarray, Seed]:
    """The frame with its ids, the test mask and the public/private seed of one instance.

    The practice instance is the spec's own draw, unchanged since first published. Any other
    instance draws the id shuffle, a random split and the public/private assignment from
    streams of (spec seed, instance seed): a practice build then predicts none of them."""
    if instance is None:
        return frame, spec.test_mask(frame), spec.seed
    ids, split, public = instance.streams(spec.seed, 3)
    frame = with_shuffled_ids(frame.drop(columns=[spec.task.id_column]), spec.task.id_column, ids)
    return frame, spec.test_mask(frame, seed=split), public


def build_table_challenge(spec: TableSpec, catalog_dir: Path,
                          progress: Callable[[str], None] = lambda _: None,
                          instance: Instance | None = None) -> Bundle:
    task, metric = spec.task, get_metric(spec.metric.primary)
    progress("loading data")
    frame, test_mask, public_seed = draw_instance(spec, spec.load(), instance)
    train = frame.loc[~test_mask].reset_index(drop=True)
    test = frame.loc[test_mask].reset_index(drop=True)
    side = spec.side_tables()

    staging = staging_folder(catalog_dir, spec.id)
    progress("writing files")
    messy = None
    if spec.recipe is None:
        test_features = test.drop(columns=[task.target])
        write_csv(train, staging / "public/train.csv")
        write_csv(test_features, staging / "public/test.csv")
    else:
        from tiltyard.kinds.table.messy import write_messy_files

        types = {name: entry["type"] for name, entry in read_dictionary(spec).items()
                 if entry.get("table", "train") == "train" and name in train}
        messy = write_messy_files(spec.recipe, staging, train, test, public_seed, types)
        train, test_features, test = messy.public_train, messy.public_test, messy.answers
    public = np.zeros(len(test), dtype=bool)
    public[np.random.default_rng(public_seed).permutation(len(test))[
        : int(round(spec.public_fraction * len(test)))]] = True
    for table in side:
        write_csv(table.frame, staging / f"public/{table.name}.csv")
    write_csv(pd.concat([test[[task.id_column]], _constant_prediction(train, task, metric, len(test))],
                        axis=1), staging / "public/sample_submission.csv")
    answers = test[[task.id_column, task.target]].copy()
    answers[SPLIT_COLUMN] = np.where(public, "public", "private")
    write_csv(answers, staging / f"sealed/{ANSWERS}")

    columns = dictionary_columns(spec, {"train": train, **{t.name: t.frame for t in side}})
    if instance is not None:  # the dictionary may say how practice ids were ordered
        columns = [c.model_copy(update={"description": INSTANCE_IDS})
                   if c.name == task.id_column and c.table == "train" else c for c in columns]
    manifest = Manifest(
        id=spec.id, title=spec.title, kind="table", summary=spec.summary,
        difficulty=spec.difficulty, tags=list(spec.tags), builder=f"tiltyard {metadata.version('tiltyard')}",
        provenance=spec.provenance, metric=spec.metric, task=task, budget=spec.budget,
        split=Split(method=spec.split_method, description=spec.split_description,
                    public_fraction=spec.public_fraction, seed=spec.seed, train_rows=len(train),
                    test_rows=len(test), public_rows=int(public.sum()),
                    private_rows=int((~public).sum())),
        columns=columns,
        tables=[SideTable(name=t.name, file=f"public/{t.name}.csv", description=t.description,
                          rows=len(t.frame), join=t.join) for t in side],
        lessons=list(spec.lessons), instance=None if instance is None else SECRET)

    # Threads pay off on large tables only: on a small one, on a shared machine, OpenMP's
    # spinning workers make boosting many times slower (the results are the same either way).
    with threadpool_limits(limits=1 if len(train) < THREADED_ROWS else None):
        return _fit_and_write(spec, catalog_dir, staging, manifest, train, test, test_features, messy,
                              columns, progress)


def _fit_and_write(spec: TableSpec, catalog_dir: Path, staging: Path, manifest: Manifest, train: pd.DataFrame,
                   test: pd.DataFrame, test_features: pd.DataFrame, messy, columns: list[Column],
                   progress: Callable[[str], None]) -> Bundle:
    task, metric = spec.task, get_metric(spec.metric.primary)
    grader = Grader(Bundle(staging, manifest))
    features = train.drop(columns=[task.target])
    baselines, fitted, failed = [], {}, []
    for rung in ladder(task, metric, train, columns, automl=not spec.superseded):
        progress(f"fitting baseline: {rung.name}")
        try:
            model = _fit_rung(spec.id, rung, features, train[task.target], columns, progress)
        except Exception as exc:  # noqa: BLE001 - a searched rung's failure is recorded, not fatal
            if not rung.may_fail:
                raise
            failed.append(FailedBaseline(name=rung.name, description=rung.description,
                                         reason=f"{type(exc).__name__}: {exc}"))
            continue
        predictions = predict_for_metric(model, test_features, task, metric)
        relative = f"baselines/{rung.name}.csv"
        write_csv(pd.concat([test[[task.id_column]], predictions.round(PREDICTION_DECIMALS)], axis=1),
                  staging / "sealed" / relative)
        grade = grader.grade_file(staging / "sealed" / relative, max_bytes=1 << 40)
        fitted[rung.name] = staging / "sealed" / relative
        baselines.append(BaselineEntry(
            name=rung.name, description=rung.description, predictions=f"sealed/{relative}",
            public_score=grade.public_scores[metric.name],
            private_score=grade.private_scores[metric.name], details=search_record(model)))
    best = noise_rung(baselines, metric)
    section = TableSection(public_noise=round(public_noise(grader, fitted[best.name], spec.seed), 6),
                           duplicates_across_splits=spec.duplicates_across_splits,
                           corrupted=messy is not None)
    if messy is not None:
        from tiltyard.kinds.table.messy import fit_cleaning_rungs

        progress("fitting the cleaning rungs: naive and clean oracle")
        fit_cleaning_rungs(staging, messy, columns, best, grader, metric, section.public_noise)
    manifest = manifest.model_copy(update={"baselines": baselines, "failed_baselines": failed,
                                           "section": section.model_dump(exclude_none=True)})

    progress("writing brief and starters")
    (staging / manifest.brief).write_text(render_brief(spec, manifest), encoding="utf-8")
    write_starters(staging / "starter", manifest, train,
                   AS_FIRST_PUBLISHED if spec.superseded else LINEAR_RUNG)
    return write_bundle(staging, manifest, catalog_dir / spec.id)


def _fit_rung(challenge_id: str, rung, features: pd.DataFrame, target: pd.Series, columns: list[Column],
              progress: Callable[[str], None]):
    """A fixed rung is fitted; a searched one (automl) refits what a stored search of exactly
    these inputs chose, and searches only when none was stored."""
    if rung.replay is None:
        return rung.make().fit(features, target)
    key = searches.search_key(features, target, rung.description, columns)
    record = searches.stored(challenge_id, key)
    if record is not None:
        progress(f"fitting baseline: {rung.name} (the stored search's choice, {record['estimator']})")
        model = rung.replay(record).fit(features, target)
        # The manifest keeps the search's record, not the one-trial replay's.
        searched_model(model).record_ = dict(record)
        return model
    started = time.perf_counter()
    model = rung.make().fit(features, target)
    searches.searched(challenge_id, key, search_record(model), time.perf_counter() - started)
    return model


def _constant_prediction(train: pd.DataFrame, task: Task, metric, n: int) -> pd.DataFrame:
    target = train[task.target]
    if task.type == "regression":
        value = float(expm1(log1p(target).mean())) if metric.name == "rmsle" else float(target.mean())
        return pd.DataFrame({task.target: np.full(n, round(value, 2))})
    labels = target.astype(str)
    if metric.needs_proba and task.type == "binary":
        share = float((labels == task.positive_label).mean())
        return pd.DataFrame({task.target: np.full(n, round(share, 4))})
    if metric.needs_proba:
        return pd.DataFrame({c: np.full(n, round(float((labels == c).mean()), 4)) for c in task.classes})
    return pd.DataFrame({task.target: np.full(n, labels.mode().iloc[0])})


def _drawn_from(manifest: Manifest) -> str:
    if manifest.instance is None:
        return f"seed {manifest.split.seed}"
    return ("this arena's instance: ids, split and parts drawn from a secret seed, so a "
            "catalog built on your own disk does not predict them")


def automl_note(manifest: Manifest, metric) -> list[str]:
    """What the automl rung did, and whether it beat the boosted trees: on small tables it
    often does not, and the brief says so rather than hide it."""
    names = {b.name: b for b in manifest.baselines}
    automl, boosted = names.get("automl"), names.get("boosted-trees")
    if automl is None or boosted is None or not automl.details:
        return []
    record = automl.details
    stopped = (f"it ran all {record['trials']} trials" if record["stopped_by"] == "max_iter" else
               f"the wall cap of {record['time_budget_s']:g} s stopped it after {record['trials']} "
               f"of {record['max_iter']} trials, so a faster computer searches further")
    gap = abs(automl.public_score - boosted.public_score)
    best = sorted((b for b in manifest.baselines if b.name != "automl"),
                  key=lambda b: metric.sort_key(b.public_score))[0]
    if metric.better(automl.public_score, boosted.public_score) and gap > 1e-4:
        verdict = f"It beats the boosted trees by {gap:.4f} on the public rows" + (
            "." if not metric.better(best.public_score, automl.public_score) else
            f", but not the {best.name} rung ({best.public_score:.4f}): more search is not "
            "always better than a simpler model.")
    else:
        verdict = (f"It does **not** beat the boosted-trees rung here ({automl.public_score:.4f} "
                   f"against {boosted.public_score:.4f}): on {manifest.split.train_rows:,} "
                   "training rows a search picks the configuration that won on its own "
                   "validation folds, partly by luck, and a good default is hard to beat. "
                   "Tuning is not free accuracy; more data often is.")
    return ["", f"The automl rung searched with FLAML: {stopped}; it chose `{record['estimator']}` "
            f"({', '.join(f'{k}={v}' for k, v in record['config'].items())}). {verdict}"]


def render_brief(spec: TableSpec, manifest: Manifest) -> str:
    task, split = manifest.task, manifest.split
    metric = get_metric(manifest.metric.primary)
    story = (spec.story() if spec.story is not None
             else (spec.text_dir / f"{spec.text_stem}.md").read_text(encoding="utf-8")).strip()
    if task.type == "binary" and metric.needs_proba:
        predict = f"the probability that `{task.target}` is `{task.positive_label}`"
    elif task.type == "regression":
        predict = f"`{task.target}`, a number"
    else:
        predict = f"`{task.target}`, one of {', '.join(f'`{c}`' for c in task.classes)}"
    lines = [f"# {manifest.title}", "", f"*{manifest.summary}*", "", story, "",
             "## The task", "",
             f"For every row of `test.csv`, predict {predict}. Submit a CSV with the columns "
             f"`{task.id_column}` and the prediction column(s) — `sample_submission.csv` has "
             "the exact shape.", "",
             f"**Metric:** {metric.title} ({'higher' if metric.direction == 'maximize' else 'lower'} "
             "is better)" + (f"; also reported: {', '.join(get_metric(m).title for m in manifest.metric.secondary)}"
                             if manifest.metric.secondary else "") + ".", "",
             "## How the split was cut", "", split.description, "",
             f"- train: {split.train_rows:,} rows, with the answers",
             f"- test: {split.test_rows:,} rows, answers sealed; scored on a public part "
             f"({split.public_rows:,} rows, {split.public_fraction:.0%}) shown on every "
             f"submission and a private part ({split.private_rows:,} rows) revealed only for the "
             f"submission you choose as final ({_drawn_from(manifest)})."]
    noise = TableSection.model_validate(manifest.section or {}).public_noise
    if spec.brief_states_noise and noise is not None:
        lines += [f"- the public score's expected noise: ±{noise:.4f} (the bootstrap standard "
                  "deviation of the best baseline's score over the public rows): two public "
                  "scores closer than that are not told apart by the public board"]
    if spec.recipe is not None:
        from tiltyard.kinds.table.messy import messy_section

        lines += ["", *messy_section(spec.recipe)]
    lines += ["",
             "## Files", "", "| file | rows | what |", "|---|---|---|",
             f"| `train.csv` | {split.train_rows:,} | features and `{task.target}` |",
             f"| `test.csv` | {split.test_rows:,} | features only |",
             f"| `sample_submission.csv` | {split.test_rows:,} | a valid (constant) submission |"]
    lines += [f"| `{t.name}.csv` | {t.rows:,} | {t.description} Join on {t.join}. |"
              for t in manifest.tables]
    lines += ["", "## Baseline ladder", "",
              f"| baseline | public {metric.title} | what it is |", "|---|---|---|"]
    lines += [f"| {b.name} | {b.public_score:.4f} | {b.description} |" for b in manifest.baselines]
    lines += [f"| {b.name} | failed | {b.description}. No model: {b.reason} |"
              for b in manifest.failed_baselines]
    lines += automl_note(manifest, metric)
    lines += ["", "## Columns", "", "| column | table | type | missing | meaning |",
              "|---|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.table} | {c.type} | {c.missing:,} | {c.description} |"
              for c in manifest.columns]
    if not spec.superseded:
        lines += ["", MISSING_COUNTS]
    lines += ["", "## Provenance and licence", "", f"Source: {manifest.provenance.source}",
              "", f"Licence: {manifest.provenance.licence}"]
    if manifest.provenance.citation:
        lines += ["", f"Cite: {manifest.provenance.citation}"]
    return "\n".join(lines) + "\n"
