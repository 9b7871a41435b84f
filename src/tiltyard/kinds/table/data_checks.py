"""The table kind's checks of the data and the card: provenance, leaks, rows shared by train
and test, classes in both halves, the public score's noise, the ladder's order, unfilled
fields, sizes, and the replay of a messy challenge's recipe. Each catches a defect planted in
tests/kinds/table/test_table_data_checks.py."""

from __future__ import annotations

import re

from tiltyard.challenges.bundle import Bundle
from tiltyard.core import Check, NamedCheck
from tiltyard.kinds.table import grader_for
from tiltyard.kinds.table.checks import frames
from tiltyard.kinds.table.noise import noise_rung, public_noise
from tiltyard.kinds.table.screening import leaks, order_tie, shared_rows, single_column_scores
from tiltyard.kinds.table.section import TableSection
from tiltyard.metrics import get_metric

TODO = re.compile(r"\bTODO\b")
MAX_PUBLIC_BYTES = 256 * 2**20  # what a learner downloads
MIN_SCORED_ROWS = 30  # fewer public or private rows than this grade nothing but luck
MAX_COLUMNS = 2000
NOISE_TOLERANCE = 1e-6


def section(bundle: Bundle) -> TableSection:
    return TableSection.model_validate(bundle.manifest.section or {})


def features(bundle: Bundle) -> list[str]:
    task = bundle.manifest.task
    train, _ = frames(bundle)
    return [c for c in train.columns if c not in (task.id_column, task.target)]


def provenance(bundle: Bundle) -> list[Check]:
    given = bundle.manifest.provenance.model_dump()
    empty = [name for name in ("source", "licence", "url") if not (given.get(name) or "").strip()]
    unfilled = [name for name, value in given.items() if value and TODO.search(value)]
    return [Check("table.provenance", "provenance and licence complete", not empty and not unfilled,
                  f"empty: {empty}" if empty else f"still TODO: {unfilled}" if unfilled
                  else given["licence"][:80])]


def no_undeclared_leak(bundle: Bundle) -> list[Check]:
    """No single public column predicts the target in cross-validation above the threshold,
    unless a declared ``leakage_column`` step put it there."""
    from tiltyard.kinds.table.messy import declared_leaks

    train, _ = frames(bundle)
    scores = single_column_scores(train, bundle.manifest.task, features(bundle), seed=bundle.manifest.split.seed)
    declared = declared_leaks(bundle)
    found = [s for s in leaks(scores) if s.column not in declared]
    top = max(scores, key=lambda s: s.score, default=None)
    detail = (", ".join(f"{s.column} alone scores {s.what} {s.score:.3f}" for s in found) if found
              else f"best single column: {top.column} ({top.what} {top.score:.3f})" if top else "no features")
    if declared and not found:
        detail += f"; declared leakage columns: {sorted(declared)}"
    return [Check("table.no_undeclared_leak", "no single column gives the answer away", not found, detail)]


def no_shared_rows(bundle: Bundle) -> list[Check]:
    """No test row repeats a train row, unless declared. A messy bundle is judged on its clean
    copy: a recipe that blanks cells makes rows alike that were not (its own duplicates step
    is declared by the recipe)."""
    from tiltyard.kinds.table.messy import clean_frames, sealed_recipe

    declared = section(bundle).duplicates_across_splits
    if section(bundle).corrupted:
        train, test = clean_frames(bundle)
        steps = sealed_recipe(bundle)["corrupt"]
        if declared is None and any(s["op"] == "duplicates" and s.get("across_splits") for s in steps):
            declared = "a duplicates step of the recipe"
    else:
        train, test = frames(bundle)
    task = bundle.manifest.task
    shared = shared_rows(train, test, [c for c in train.columns if c not in (task.id_column, task.target)
                                       and c in test])
    return [Check("table.no_shared_rows", "no train row repeated in test", shared == 0 or declared is not None,
                  f"{shared} test rows repeat a train row" + (f" (declared: {declared})" if declared else
                                                             "; declare why in duplicates_across_splits"
                                                             if shared else ""))]


def classes_in_both_halves(bundle: Bundle) -> list[Check]:
    task = bundle.manifest.task
    if not task.classes:
        return [Check("table.classes_in_both_halves", "every class in both halves", True, "regression")]
    answers = grader_for(bundle).answers
    encoded = range(len(task.classes)) if task.type == "multiclass" else (0, 1)
    absent = {half: [task.classes[k] if task.type == "multiclass" else
                     (task.positive_label if k else next(c for c in task.classes if c != task.positive_label))
                     for k in encoded if not (answers.y_true[mask] == k).any()]
              for half, mask in (("public", answers.public), ("private", ~answers.public))}
    ok = not absent["public"] and not absent["private"]
    return [Check("table.classes_in_both_halves", "every class in both the public and the private half", ok,
                  "" if ok else "; ".join(f"{half} lacks {labels}" for half, labels in absent.items() if labels))]


def public_noise_stated(bundle: Bundle) -> list[Check]:
    stated = section(bundle).public_noise
    if stated is None:
        return [Check("table.public_noise_stated", "public-score noise stated", False,
                      "[table] public_noise is missing: rebuild the bundle")]
    metric = get_metric(bundle.manifest.metric.primary)
    best = noise_rung(bundle.manifest.baselines, metric)
    again = round(public_noise(grader_for(bundle), bundle.sealed_file(best.predictions.removeprefix("sealed/")),
                               bundle.manifest.split.seed), 6)
    same = abs(again - stated) <= NOISE_TOLERANCE
    # Zero is a true figure when the rung is perfect on every resample of the public rows.
    return [Check("table.public_noise_stated", "public-score noise stated", stated >= 0 and same,
                  f"±{stated:.4f} ({best.name}, bootstrap over the public rows)" if same
                  else f"stated {stated:.6f}, bootstrap gives {again:.6f}")]


def ladder_ordered(bundle: Bundle) -> list[Check]:
    manifest = bundle.manifest
    metric = get_metric(manifest.metric.primary)
    constant = next((b for b in manifest.baselines if b.name == "constant"), None)
    rungs = [b for b in manifest.baselines if b.name != "constant"] or manifest.baselines
    best = sorted(rungs, key=lambda b: metric.sort_key(b.public_score))[0]
    checks = [Check("table.ladder_ordered", "constant ≤ the best rung",
                    constant is not None and not metric.better(constant.public_score, best.public_score),
                    f"constant {constant.public_score:.4f}, {best.name} {best.public_score:.4f}" if constant
                    else "no constant rung")]
    cleaning = grader_for(bundle).cleaning
    if cleaning is not None:
        naive, oracle, margin = cleaning["naive"]["private"], cleaning["oracle"]["private"], cleaning["public_noise"]
        wide = metric.better(oracle, naive) and abs(oracle - naive) > margin
        checks.append(Check("table.ladder_ordered", "clean oracle beats naive by more than the noise", wide,
                            f"naive {naive:.4f}, oracle {oracle:.4f} (private), noise ±{margin:.4f}"
                            + ("" if wide else ": the recipe does not hurt; make it bite harder")))
    return checks


def no_todo(bundle: Bundle) -> list[Check]:
    manifest = bundle.manifest
    fields = {"title": manifest.title, "summary": manifest.summary,
              "split description": manifest.split.description,
              **{f"provenance {k}": v for k, v in manifest.provenance.model_dump().items() if v},
              **{f"column {c.name}": c.description for c in manifest.columns},
              manifest.brief: bundle.brief}
    unfilled = [name for name, text in fields.items() if TODO.search(text)]
    return [Check("table.no_todo", "no field left TODO", not unfilled,
                  f"still TODO: {unfilled[:6]}" if unfilled else "")]


def size_limits(bundle: Bundle) -> list[Check]:
    manifest = bundle.manifest
    split = manifest.split
    public = sum(e.bytes for e in manifest.files_with_role("public"))
    train, _ = frames(bundle)
    return [Check("table.size_limits", "public files small enough", public <= MAX_PUBLIC_BYTES,
                  f"{public / 2**20:.1f} MB of at most {MAX_PUBLIC_BYTES / 2**20:.0f} MB"),
            Check("table.size_limits", "enough rows to score",
                  min(split.public_rows, split.private_rows) >= MIN_SCORED_ROWS,
                  f"public {split.public_rows}, private {split.private_rows} (at least {MIN_SCORED_ROWS} each)"),
            Check("table.size_limits", "columns", len(train.columns) <= MAX_COLUMNS,
                  f"{len(train.columns)} of at most {MAX_COLUMNS}")]


def order_says_nothing(bundle: Bundle) -> list[Check]:
    from tiltyard.kinds.table.screening import ORDER_TIE

    train, _ = frames(bundle)
    tie = order_tie(train, bundle.manifest.task)
    return [Check("table.order_says_nothing", "row order not tied to the target", tie < ORDER_TIE,
                  f"rank correlation of row position and target {tie:.3f} (refused at {ORDER_TIE})")]


def replay(bundle: Bundle) -> list[Check]:
    if not section(bundle).corrupted:
        return [Check("table.replay", "recipe replays", True, "no recipe: the public files are the data")]
    from tiltyard.kinds.table.messy import replay as replay_recipe

    same = replay_recipe(bundle)
    return [Check("table.replay", f"{name} replays byte for byte", ok,
                  "the recipe, the sealed clean copy and the seed make it" if ok
                  else "the recipe replayed from the clean copy makes different bytes")
            for name, ok in same.items()]


CHECKS = [NamedCheck("table.provenance", provenance),
          NamedCheck("table.no_todo", no_todo),
          NamedCheck("table.size_limits", size_limits),
          NamedCheck("table.classes_in_both_halves", classes_in_both_halves),
          NamedCheck("table.no_undeclared_leak", no_undeclared_leak),
          NamedCheck("table.no_shared_rows", no_shared_rows),
          NamedCheck("table.order_says_nothing", order_says_nothing),
          NamedCheck("table.public_noise_stated", public_noise_stated),
          NamedCheck("table.ladder_ordered", ladder_ordered),
          NamedCheck("table.replay", replay)]
