"""A training folder handed in (the workspace `tiltyard start ID` makes: train.py, policy.py,
budget.py), to the arena or with `tiltyard submit`, is graded by the verified budget track in
this one grading job: train.py is rerun once per training seed, one seed after another
(``train_and_evaluate``), and each trained policy is played on the sealed seeds. A seed that ran
to the end is kept (``_trained_once``), so a job run again resumes at the first unfinished seed.

The grade's scores are the mean over the training seeds of each seed's mean return (a seed that
failed counts as the random rung, as in ``summarise``). The public section shows every seed's
run; the private one (shown where the private scores are) the IQM over the seeds with its
interval and the probability of improvement over the rung, which are computed on sealed seeds."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from tiltyard.challenges.bundle import Bundle, sha256_file
from tiltyard.config import get_settings
from tiltyard.core import EvaluationFailed, Grade, ReportSection
from tiltyard.errors import SubmissionError
from tiltyard.kinds.agent import verified as track
from tiltyard.kinds.agent.grading import KIND, NORMALISED, PRIMARY_METRIC, normalised, rung_scores
from tiltyard.kinds.agent.section import AgentSection, section_of
from tiltyard.kinds.agent.submission import extract, kind_of_file, top_folder

PUBLIC_RUN_FIELDS = ("seed", "outcome", "message", "traceback_tail", "stderr_tail", "steps_used", "stopped_at_cap",
                     "train_seconds", "public")


def training_folder(path: Path, into: Path, *, max_bytes: int) -> Path | None:
    """The handed-in folder, unpacked inside ``into``, when train.py is at its top; else None."""
    path = Path(path)
    if path.is_file() and kind_of_file(path) == "py":
        return None
    return top_folder(extract(path, into, max_bytes=max_bytes), track.TRAIN_FILE)


def grade_training(bundle: Bundle, folder: Path) -> Grade:
    started = time.perf_counter()
    section = section_of(bundle)
    if section.verified is None:
        raise _not_trained_here(bundle, folder)
    contents = _contents_digest(folder)
    runs = [_trained_once(bundle, folder, contents, seed) for seed in section.verified.seeds]
    summary = {**track.summarise(bundle, runs), "self_report": track.self_report_of(folder)}
    public = _public_section(summary)
    if len(summary["failed_seeds"]) < len(runs):
        scores = _scores(bundle, section, runs)
        private = ReportSection(kind=KIND, name="verified_private", private=True,
                                title="Verified budget track: the trained policies on the sealed seeds",
                                data={**summary, "lines": track.statement_lines(summary)})
        return Grade(scores["public"], scores["private"], sections=[public, private],
                     score_s=time.perf_counter() - started)
    first = summary["runs"][0]
    seeds = ", ".join(map(str, summary["seeds"]))
    raise EvaluationFailed(f"train.py failed on every training seed ({seeds}); seed {first['seed']}: "
                           f"{first['message']}", code=first["outcome"], sections=[public],
                           got=first["traceback_tail"] or first["stderr_tail"] or None)


def _contents_digest(folder: Path) -> str:
    """The folder's files, by relative path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}:{sha256_file(path)};".encode())
    return digest.hexdigest()


def _trained_once(bundle: Bundle, folder: Path, contents: str, seed: int) -> dict[str, Any]:
    """``train_and_evaluate``, or what it gave when it last ran to the end on these ``contents``
    (``_contents_digest``), bundle and seed: a grading job that is run again (its worker died, the server
    restarted) trains only the seeds it had not finished, not the hours before. A run that
    failed is not kept: a crash or the wall-time cap may depend on the machine."""
    key = hashlib.sha256(f"{bundle.hash}:{seed}:{contents}".encode()).hexdigest()
    kept = get_settings().home / "cache" / "verified-runs" / f"{key}.json"
    try:
        return json.loads(kept.read_text())
    except (OSError, ValueError):
        pass
    run = track.train_and_evaluate(bundle, folder, seed)
    if run["outcome"] == "ok" and "public" in run:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.{os.getpid()}")
        partial.write_text(json.dumps(run))
        partial.replace(kept)  # whole or absent, whoever reads it
    return run


def _scores(bundle: Bundle, section: AgentSection, runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Each split's mean over the training seeds; a failed seed counts as the random rung."""
    random = next((b for b in bundle.manifest.baselines if b.name == section.random_rung), None)
    rungs = rung_scores(bundle, section)
    scores = {}
    for position, split in enumerate(("public", "private")):
        floor = 0.0 if random is None else (random.public_score, random.private_score)[position]
        mean = float(np.mean([run.get(split, floor) for run in runs]))
        scores[split] = {PRIMARY_METRIC: mean}
        value = None if rungs is None else normalised(mean, rungs["random"][position], rungs["reference"][position])
        if value is not None:
            scores[split][NORMALISED] = value
    return scores


def _public_section(summary: dict[str, Any]) -> ReportSection:
    runs = [{name: run.get(name) for name in PUBLIC_RUN_FIELDS} for run in summary["runs"]]
    data = {name: summary[name] for name in ("statement", "step_budget", "wall_seconds", "threads", "seeds",
                                             "failed_seeds")}
    return ReportSection(kind=KIND, name="verified", title="Verified budget track: train.py run by the grader",
                         data={**data, "runs": runs, "self_report": summary.get("self_report")})


def _not_trained_here(bundle: Bundle, folder: Path) -> SubmissionError:
    challenge = bundle.manifest.id
    held = sorted(entry.name + ("/" if entry.is_dir() else "") for entry in folder.iterdir())
    return SubmissionError(
        f"This is a training folder (train.py at its top), and {challenge} has no verified budget track: "
        "its grader plays a trained policy, it does not train one",
        expected="the folder train.py writes, submission/ (policy.py beside the files it loads), "
                 "or a .zip/.tar.gz of it",
        got=f"a folder holding {', '.join(held[:8])}{', ...' if len(held) > 8 else ''}", code="no_verified_track",
        hint=f"Run python train.py in the workspace, then hand in submission/ (tiltyard submit {challenge} "
             "submission, or zip submission/ and upload that)")
