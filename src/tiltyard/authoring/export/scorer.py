"""The Codabench scoring program, generated: Tiltyard's own metric functions (their source, taken
from :mod:`tiltyard.metrics`, so the scores cannot drift from the grader's) and a reader that
encodes predictions as the table grader does, in one file that needs only Python and NumPy."""

from __future__ import annotations

import inspect
import pprint
import textwrap

from tiltyard import metrics
from tiltyard.challenges.manifest import Manifest
from tiltyard.kinds.table.grader import SPLIT_COLUMN
from tiltyard.kinds.table.validation import prediction_columns

SPLITS = ("public", "private")


def score_keys(manifest: Manifest) -> list[str]:
    """The keys the scorer writes to scores.json, in leaderboard order."""
    names = [manifest.metric.primary, *manifest.metric.secondary]
    return [f"{split}_{name}" for split in SPLITS for name in names]


def _helpers() -> list:
    """Module-level functions the metrics call, then every metric's compute function."""
    computes = [metric.compute for metric in metrics.METRICS.values()]
    helpers = [value for name, value in vars(metrics).items()
               if inspect.isfunction(value) and value.__module__ == metrics.__name__
               and value not in computes and name != "get_metric"]
    return helpers + computes


def config(manifest: Manifest) -> dict:
    task = manifest.task
    primary = metrics.get_metric(manifest.metric.primary)
    return {"challenge": manifest.id, "task": task.type, "target": task.target,
            "id_column": task.id_column, "classes": task.classes,
            "positive_label": task.positive_label, "needs": primary.needs,
            "prediction_columns": prediction_columns(task, primary),
            "metrics": [manifest.metric.primary, *manifest.metric.secondary],
            "split_column": SPLIT_COLUMN, "answers": "answers.csv"}


READER = '''
def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames or [], list(reader)


def id_key(text, numeric):
    text = text.strip()
    if numeric:
        value = float(text)
        if value != int(value):
            raise ScoringError(f"id {text!r} is not a whole number")
        return int(value)
    return text


def encode_label(text):
    classes = CONFIG["classes"]
    text = text.strip()
    if text not in classes and all(c.lstrip("-").isdigit() for c in classes):
        try:
            number = float(text)
            text = str(int(number)) if number == int(number) else text
        except ValueError:
            pass
    if text not in classes:
        raise ScoringError(f"label {text!r} is not one of the classes {classes}")
    return classes.index(text)


def encode_truth(text):
    if CONFIG["task"] == "regression":
        return float(text)
    if CONFIG["task"] == "binary":
        return int(text == CONFIG["positive_label"])
    return CONFIG["classes"].index(text)


def encode_prediction(row):
    columns = CONFIG["prediction_columns"]
    if CONFIG["needs"] == "labels":
        code = encode_label(row[columns[0]])
        if CONFIG["task"] == "binary":
            return int(code == CONFIG["classes"].index(CONFIG["positive_label"]))
        return code
    if len(columns) > 1:
        return [float(row[c]) for c in columns]
    return float(row[columns[0]])


def find_submission(folder):
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(".csv"))
    if not files:
        raise ScoringError(f"no .csv file in the submission (found {sorted(os.listdir(folder))})")
    return os.path.join(folder, "submission.csv" if "submission.csv" in files else files[0])


def score(answers_path, submission_path):
    _, truth_rows = read_rows(answers_path)
    id_column = CONFIG["id_column"]
    numeric = all(r[id_column].strip().lstrip("-").replace(".", "", 1).isdigit() for r in truth_rows)
    header, rows = read_rows(submission_path)
    missing = [c for c in [id_column, *CONFIG["prediction_columns"]] if c not in header]
    if missing:
        raise ScoringError(f"the submission has no column(s) {missing}; it has {header}")
    predicted = {}
    for row in rows:
        key = id_key(row[id_column], numeric)
        if key in predicted:
            raise ScoringError(f"id {row[id_column]!r} appears more than once")
        predicted[key] = encode_prediction(row)
    keys = [id_key(r[id_column], numeric) for r in truth_rows]
    absent = [k for k in keys if k not in predicted]
    if absent or len(predicted) != len(keys):
        raise ScoringError(f"the ids do not match the test set: {len(absent)} missing "
                           f"(first {absent[:5]}), {len(predicted) - len(keys) + len(absent)} unknown")
    y_true = np.asarray([encode_truth(r[CONFIG["target"]]) for r in truth_rows])
    y_pred = np.asarray([predicted[k] for k in keys])
    public = np.asarray([r[CONFIG["split_column"]] == "public" for r in truth_rows])
    scores = {}
    for split, mask in (("public", public), ("private", ~public)):
        for name in CONFIG["metrics"]:
            scores[f"{split}_{name}"] = float(METRICS[name](y_true[mask], y_pred[mask]))
    return scores


def main(argv):
    input_dir, output_dir = argv[1], argv[2]
    answers = os.path.join(input_dir, "ref", CONFIG["answers"])
    try:
        scores = score(answers, find_submission(os.path.join(input_dir, "res")))
    except (ScoringError, ValueError, KeyError) as error:
        sys.stderr.write(f"Scoring {CONFIG['challenge']} failed: {error}\\n")
        return 1
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "scores.json"), "w", encoding="utf-8") as handle:
        json.dump(scores, handle, indent=2)
    print(json.dumps(scores))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
'''

ERRORS = '''
class ScoringError(Exception):
    pass


class TiltyardError(ScoringError):
    """The metrics' own error, as Tiltyard raises it: the message and what was expected."""

    def __init__(self, message, *, expected=None, got=None, hint=None, code=None):
        super().__init__(" ".join(p for p in (message, expected and f"Expected {expected}.",
                                              got and f"Got {got}.") if p))
'''


def scoring_program(manifest: Manifest, *, bundle_hash: str, version: str) -> str:
    """The whole of score.py for this bundle."""
    sources = "\n\n".join(textwrap.dedent(inspect.getsource(function)) for function in _helpers())
    table = ", ".join(f"{name!r}: {metrics.get_metric(name).compute.__name__}"
                      for name in config(manifest)["metrics"])
    return "\n".join([
        f'"""Scoring program for {manifest.id} (bundle {bundle_hash[:16]}), generated by Tiltyard '
        f'{version}.',
        "",
        "Codabench runs it as `python3 score.py INPUT OUTPUT`: INPUT/ref holds answers.csv (id,",
        "target, split), INPUT/res the submitted CSV; it writes OUTPUT/scores.json. The metric",
        'functions are Tiltyard\'s own; do not edit them, regenerate with `tiltyard author export`."""',
        "",
        "import csv", "import json", "import os", "import sys", "", "import numpy as np", "",
        f"CONFIG = {pprint.pformat(config(manifest), sort_dicts=False)}",
        ERRORS, sources, "", f"METRICS = {{{table}}}", READER])
