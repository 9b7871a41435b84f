"""A small clean table, and for every corruption operator: an example step, how many cells or
rows it must change, and a simple detector that finds its damage in the files a learner gets."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tiltyard.challenges.manifest import Task
from tiltyard.kinds.table.corruption import apply_recipe, parse_recipe, write_public_files
from tiltyard.kinds.table.corruption.edit import count_for

ROWS, TEST_ROWS = 240, 80
CITIES = ["New York", "Boston", "San Francisco", "Zürich", "São Paulo"]
COLUMNS = {"age": "numeric", "fare": "numeric", "weight": "numeric", "weight_lb": "numeric", "height": "numeric",
           "city": "categorical", "name": "text", "joined": "datetime", "member": "boolean",
           "survived": "categorical"}
BINARY = Task(type="binary", target="survived", id_column="passenger", classes=["no", "yes"],
              positive_label="yes")
REGRESSION = Task(type="regression", target="fare", id_column="passenger")
LB = 2.20462
TASKS = {"binary": BINARY, "regression": REGRESSION}


def clean_table(seed: int = 0, rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(1, 80, rows)
    fare = np.round(rng.gamma(2.0, 20.0, rows), 2)
    frame = pd.DataFrame({
        "passenger": rng.permutation(rows) + 1,
        "age": age,
        "fare": fare,
        "weight": np.round(rng.normal(70, 12, rows), 1),
        "height": np.round(rng.normal(170, 10, rows), 1),
        "city": rng.choice(CITIES, rows),
        "name": [f"{first} {last}" for first, last in zip(rng.choice(["Anna", "José", "Li", "Łukasz"], rows),
                                                           rng.choice(["Müller", "Smith", "Dubois"], rows))],
        "joined": pd.Series(pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 900, rows), "D"))
        .dt.strftime("%Y-%m-%d"),
        "member": rng.random(rows) < 0.4,
    })
    frame.insert(4, "weight_lb", np.round(frame["weight"] * LB, 1))
    logit = 0.3 * (40 - age) + 0.2 * (fare - 40)  # a strong signal: label errors stand out
    frame["survived"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame.loc[rng.random(rows) < 0.05, "age"] = np.nan  # a few real gaps: damage must skip them
    return frame


def clean_splits(seed: int = 0, rows: int = ROWS, test_rows: int = TEST_ROWS) -> dict[str, pd.DataFrame]:
    """As a builder would hand them over: written and read back as CSV."""
    frame = clean_table(seed, rows)
    splits = {"train": frame.iloc[:-test_rows], "test": frame.iloc[-test_rows:]}
    return {k: pd.read_csv(io.StringIO(v.to_csv(index=False))) for k, v in splits.items()}


def read_public(folder: Path, encoding: str = "utf-8") -> dict[str, pd.DataFrame]:
    return {s: pd.read_csv(folder / f"{s}.csv", encoding=encoding) for s in ("train", "test")}


def corrupt(steps: list[dict], seed: int = 7, task: Task = BINARY, splits=None):
    recipe = parse_recipe(steps, COLUMNS, task)
    return apply_recipe(recipe, splits or clean_splits(), seed)


def files(corrupted, folder: Path) -> dict[str, bytes]:
    paths = write_public_files(corrupted, folder)
    return {k: p.read_bytes() for k, p in paths.items()}


def present(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].notna().sum())


@dataclass(frozen=True)
class Case:
    step: dict
    expected: Callable[[dict[str, pd.DataFrame], float], dict[tuple[str, str], int]]
    """(split, column or "rows+"/"rows-") -> how many cells change, or rows are added/removed."""
    detect: Callable[[Path], bool]
    """Finds the damage in the public files of a folder (and not in the clean ones)."""
    task: str = "binary"
    varies: bool = True
    """Whether the fraction may vary (a whole file re-encoded has no fraction)."""

    @property
    def the_task(self) -> Task:
        return TASKS[self.task]

    @property
    def op(self) -> str:
        return self.step["op"]


def per_cell(columns, splits=("train", "test"), eligible=present):
    return lambda clean, fraction: {(s, c): count_for(fraction, eligible(clean[s], c))
                                    for s in splits for c in columns}


def _to_numeric_fails(column):
    def detect(folder):
        train = read_public(folder)["train"]
        return pd.to_numeric(train[column], errors="coerce").isna().sum() > train[column].isna().sum()
    return detect


def _sentinel(column, token):
    return lambda folder: (read_public(folder)["train"][column] == token).any()


def _spellings(column):
    """More distinct spellings than distinct values once case and spaces are folded."""
    def detect(folder):
        values = read_public(folder)["train"][column].dropna()
        folded = values.str.strip().str.lower().str.replace(r"[\s_-]+", " ", regex=True)
        return values.nunique() > folded.nunique()
    return detect


def _close_pairs(column):
    """Values one edit apart from a far more frequent value (difflib's ratio >= 0.8)."""
    import difflib

    def detect(folder):
        counts = read_public(folder)["train"][column].value_counts()
        common = [v for v, n in counts.items() if n >= 10]
        rare = [v for v, n in counts.items() if n < 10]
        return any(difflib.get_close_matches(v, common, n=1, cutoff=0.8) for v in rare)
    return detect


def _exact_duplicates(folder):
    train = read_public(folder)["train"]
    return train.drop(columns=["passenger"]).duplicated().any()


def _near_duplicates(folder):
    train = read_public(folder)["train"]
    return train.drop(columns=["passenger", "fare"]).duplicated().any()


def _shared_rows(folder):
    public = read_public(folder)
    features = [c for c in public["test"].columns if c != "passenger"]
    merged = public["test"][features].merge(public["train"][features].drop_duplicates(), how="inner")
    return len(merged) > 0


def _groups_disagree(column, by):
    """One group's median far from the others' (a unit nobody converted)."""
    def detect(folder):
        train = read_public(folder)["train"]
        medians = pd.to_numeric(train[column], errors="coerce").groupby(train[by]).median()
        return medians.max() / medians.min() > 1.6
    return detect


def _window_disagrees(folder):
    train = read_public(folder)["train"]
    inside = pd.to_datetime(train["joined"]).between("2012-03-01", "2012-08-31")
    return train.loc[inside, "weight"].median() < 0.5 * train.loc[~inside, "weight"].median()


def _pounds_disagree(folder):
    """weight and weight_lb measure the same thing: they must agree to the rounding."""
    train = read_public(folder)["train"]
    return ((train["weight"] * LB - train["weight_lb"]).abs() > 0.2).any()


def _far_out(column, robust_sds=8):
    def detect(folder):
        values = read_public(folder)["train"][column]
        robust_sd = (values.quantile(0.75) - values.quantile(0.25)) / 1.349
        return ((values - values.median()).abs() > robust_sds * robust_sd).any()
    return detect


def _negative(column):
    return lambda folder: (read_public(folder)["train"][column] < 0).any()


def _swapped(folder):
    train = read_public(folder)["train"]
    return (train["weight"] > train["height"]).any()


def _labels_disagree_with_features(folder, neighbours=7):
    """Many labels disagree with the majority of their nearest neighbours on the strong features."""
    train = read_public(folder)["train"]
    features = train[["age", "fare"]].fillna(train[["age", "fare"]].median()).to_numpy()
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    distances = ((features[:, None, :] - features[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :neighbours]
    positive = (train["survived"] == "yes").to_numpy()
    majority = positive[nearest].mean(axis=1) > 0.5
    return (majority != positive).mean() > 0.2


def _rare_class(folder):
    return read_public(folder)["train"]["survived"].value_counts(normalize=True).min() < 0.25


def _not_iso_dates(folder):
    dates = read_public(folder)["train"]["joined"]
    return pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce").isna().any()


def _mojibake(folder):
    train = read_public(folder)["train"]
    return train[["city", "name"]].apply(lambda c: c.str.contains("Ã")).any().any()


def _not_utf8(folder):
    try:
        read_public(folder)
    except UnicodeDecodeError:
        return True
    return False


def _single_column_predicts(column):
    def detect(folder):
        train = read_public(folder)["train"]
        return column in train and abs(train[column].corr((train["survived"] == "yes").astype(float))) > 0.5
    return detect


def _train_only_column(folder):
    public = read_public(folder)
    return bool(set(public["train"].columns) - set(public["test"].columns) - {"fare"})


def _means_differ(column, sds):
    def detect(folder):
        public = read_public(folder)
        train, test = public["train"][column], public["test"][column]
        return abs(train.mean() - test.mean()) > sds * train.std()
    return detect


def _lb_ok(frame):
    return int(frame["weight"].notna().sum())


def _rows_where(column, value, of):
    return lambda frame, c: int(((frame[column] == value) & frame[of].notna()).sum())


def _in_window(frame, c):
    return int(pd.to_datetime(frame["joined"]).between("2012-03-01", "2012-08-31").sum())


def _with_accents(frame, column):
    return int(frame[column].map(lambda v: isinstance(v, str) and not v.isascii()).sum())


def _not_cp1252(frame, column):
    return int(frame[column].map(lambda v: isinstance(v, str) and v != v.encode("cp1252", "replace")
                                 .decode("cp1252")).sum())


def _label_is(label):
    return lambda frame, column: int((frame["survived"] == label).sum())


def _label_is_not(label):
    return lambda frame, column: int((frame["survived"] != label).sum())


CASES: dict[str, Case] = {
    "missing": Case({"op": "missing", "columns": ["age", "city"], "fraction": 0.2, "mechanism": "mnar",
                     "token": -999}, per_cell(["age", "city"]), _sentinel("age", -999)),
    "category_variants": Case({"op": "category_variants", "columns": ["city"], "fraction": 0.3},
                              per_cell(["city"]), _spellings("city")),
    "typos": Case({"op": "typos", "columns": ["city"], "fraction": 0.05}, per_cell(["city"]), _close_pairs("city")),
    "duplicates": Case({"op": "duplicates", "fraction": 0.1},
                       lambda clean, f: {("train", "rows+"): count_for(f, len(clean["train"]))}, _exact_duplicates),
    "duplicates-near": Case({"op": "duplicates", "fraction": 0.1, "near": True, "columns": ["fare"]},
                            lambda clean, f: {("train", "rows+"): count_for(f, len(clean["train"])),
                                              ("train", "fare"): count_for(f, len(clean["train"]))},
                            _near_duplicates),
    "duplicates-across": Case({"op": "duplicates", "fraction": 0.1, "across_splits": True},
                              lambda clean, f: {("test", "rows+"): count_for(f, len(clean["test"]))},
                              _shared_rows),
    "unit_change": Case({"op": "unit_change", "columns": ["weight"], "fraction": 1.0, "factor": LB,
                         "unit": "pounds", "subgroup_column": "city", "subgroup_values": ["Boston"]},
                        per_cell(["weight"], eligible=_rows_where("city", "Boston", "weight")),
                        _groups_disagree("weight", "city")),
    "unit_change-window": Case({"op": "unit_change", "columns": ["weight"], "fraction": 1.0, "factor": 0.001,
                                "window_column": "joined", "window_start": "2012-03-01",
                                "window_end": "2012-08-31"},
                               per_cell(["weight"], eligible=_in_window), _window_disagrees),
    "numeric_noise": Case({"op": "numeric_noise", "columns": ["weight"], "fraction": 0.3, "scale": 0.2},
                          per_cell(["weight"]), _pounds_disagree),
    "outliers": Case({"op": "outliers", "columns": ["fare"], "fraction": 0.05}, per_cell(["fare"]),
                     _far_out("fare")),
    "outliers-impossible": Case({"op": "outliers", "columns": ["age"], "fraction": 0.05, "kind": "impossible"},
                                per_cell(["age"]), _negative("age")),
    "swap_columns": Case({"op": "swap_columns", "columns": ["weight", "height"], "fraction": 0.1},
                         per_cell(["weight", "height"]), _swapped),
    "label_noise": Case({"op": "label_noise", "fraction": 0.3}, per_cell(["survived"], ("train",)),
                        _labels_disagree_with_features),
    "label_noise-towards": Case({"op": "label_noise", "fraction": 0.4, "towards": "yes"},
                                per_cell(["survived"], ("train",), _label_is_not("yes")),
                                _labels_disagree_with_features),
    "imbalance": Case({"op": "imbalance", "fraction": 0.8, "label": "yes"},
                      lambda clean, f: {("train", "rows-"): count_for(f, _label_is("yes")(clean["train"], None))},
                      _rare_class),
    "date_formats": Case({"op": "date_formats", "columns": ["joined"], "fraction": 0.3}, per_cell(["joined"]),
                         _not_iso_dates),
    "encoding": Case({"op": "encoding", "columns": ["city", "name"], "fraction": 0.5},
                     per_cell(["city", "name"], eligible=_with_accents), _mojibake),
    "encoding-file": Case({"op": "encoding", "mode": "cp1252_file"},
                          per_cell(["name"], eligible=_not_cp1252), _not_utf8, varies=False),
    "type_pollution": Case({"op": "type_pollution", "columns": ["fare", "age"], "fraction": 0.2},
                           per_cell(["fare", "age"]), _to_numeric_fails("fare")),
    "leakage_column": Case({"op": "leakage_column", "name": "collection_calls", "kind": "post_outcome"},
                           lambda clean, f: {("train", "collection_calls+"): len(clean["train"]),
                                             ("test", "collection_calls+"): len(clean["test"])},
                           _single_column_predicts("collection_calls")),
    "leakage_column-aggregate": Case({"op": "leakage_column", "name": "day_rate", "kind": "future_aggregate",
                                      "group": "joined", "in_test": "absent"},
                                     lambda clean, f: {("train", "day_rate+"): len(clean["train"])},
                                     _single_column_predicts("day_rate")),
    "leakage_column-regression": Case({"op": "leakage_column", "name": "fare_paid", "in_test": "absent"},
                                      lambda clean, f: {("train", "fare_paid+"): len(clean["train"])},
                                      _train_only_column, task="regression"),
    "shift": Case({"op": "shift", "columns": ["age"], "fraction": 0.4},
                  lambda clean, f: {("test", "rows-"): count_for(f, len(clean["test"]))}, _means_differ("age", 0.25)),
    "shift-drift": Case({"op": "shift", "columns": ["height"], "fraction": 1.0, "kind": "drift", "offset": 1.0},
                        per_cell(["height"], ("test",)), _means_differ("height", 0.5)),
}
