"""check_challenge: does a bundle folder keep the contract? Common checks, then its kind's named
checks, each one runnable on its own (the test suite runs every check over every built-in
bundle, one test id per check), as scikit-learn's check_estimator is made of named checks.

Offered to authors as `tiltyard check PATH [--refit]`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from tiltyard.challenges.bundle import Bundle, list_files
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import Check, NamedCheck
from tiltyard.errors import TiltyardError
from tiltyard.evaluate import evaluate
from tiltyard.plugins import get_kind, kind_of

SCORE_TOLERANCE = 1e-6  # manifests may round scores to six decimals
MIN_BASELINES = 2


@dataclass
class CheckResult:
    path: Path
    challenge_id: str | None
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


def _files(bundle: Bundle) -> list[Check]:
    listed = {e.path: e for e in bundle.manifest.files}
    on_disk = {e.path: e for e in list_files(bundle.root)}
    missing = sorted(set(listed) - set(on_disk))
    unlisted = sorted(set(on_disk) - set(listed))
    changed = sorted(p for p in set(listed) & set(on_disk) if listed[p].sha256 != on_disk[p].sha256)
    return [
        Check("common.files", "files present", not missing,
              f"missing: {missing}" if missing else f"{len(listed)} files"),
        Check("common.files", "no unlisted files", not unlisted,
              f"not in the manifest: {unlisted}" if unlisted else ""),
        Check("common.files", "hashes match", not changed,
              f"changed since the manifest was written: {changed}" if changed
              else "every file's sha256 matches")]


def _kind(bundle: Bundle) -> list[Check]:
    kind = kind_of(bundle)  # raises UnknownKind, reported as this check failing
    kind.section(bundle.manifest)
    return [Check("common.kind", "kind known", True, f"{kind.name}, its section parses")]


def _brief(bundle: Bundle) -> list[Check]:
    path = bundle.root / bundle.manifest.brief
    long_enough = path.is_file() and path.stat().st_size > 200
    return [Check("common.brief", "brief", long_enough, f"{bundle.manifest.brief} tells the story"
                  if long_enough else f"{bundle.manifest.brief} is missing or under 200 bytes")]


def _metric(bundle: Bundle) -> list[Check]:
    metric = kind_of(bundle).primary_metric(bundle.manifest)
    return [Check("common.metric", "metric known", True, f"{metric.name} ({metric.direction})")]


def _baselines(bundle: Bundle) -> list[Check]:
    """Grade every baseline's stored submission again: the scores must be the manifest's."""
    manifest = bundle.manifest
    metric = kind_of(bundle).primary_metric(manifest).name
    checks = [Check("common.baselines", "baselines listed", len(manifest.baselines) >= MIN_BASELINES,
                    f"{len(manifest.baselines)} baselines (at least {MIN_BASELINES}: a ladder)")]
    for baseline in manifest.baselines:
        stored = bundle.sealed_file(baseline.predictions.removeprefix("sealed/"))
        grade = evaluate(bundle, stored, max_bytes=1 << 40)
        public, private = grade.public_scores[metric], grade.private_scores[metric]
        same = (math.isclose(public, baseline.public_score, abs_tol=SCORE_TOLERANCE)
                and math.isclose(private, baseline.private_score, abs_tol=SCORE_TOLERANCE))
        checks.append(Check("common.baselines", f"baseline {baseline.name} regrades", same,
                            f"stored {baseline.public_score:.6f}, regraded {public:.6f}"))
    return checks


COMMON_CHECKS = [NamedCheck("common.files", _files, fatal=True),
                 NamedCheck("common.kind", _kind, fatal=True),
                 NamedCheck("common.brief", _brief),
                 NamedCheck("common.metric", _metric, fatal=True)]
LAST_CHECKS = [NamedCheck("common.baselines", _baselines)]


def checks_for(kind_name: str) -> list[NamedCheck]:
    """Every named check a bundle of this kind goes through, in order."""
    return [*COMMON_CHECKS, *get_kind(kind_name).checks(), *LAST_CHECKS]


def run_check(named: NamedCheck, bundle: Bundle) -> list[Check]:
    """One named check; a check that raises has failed, with the error as its detail."""
    try:
        return named.run(bundle)
    except TiltyardError as error:
        return [Check(named.id, named.id.split(".", 1)[-1].replace("_", " "), False, str(error))]


def check_challenge(path: Path, *, refit: bool = False, only: str | None = None) -> CheckResult:
    """Run the checks over the bundle at ``path`` (``only`` one id, as `tiltyard check --only`)."""
    path = Path(path)
    result = CheckResult(path=path, challenge_id=None)
    try:
        manifest = Manifest.read(path)
    except TiltyardError as error:
        result.checks.append(Check("common.manifest", "manifest", False, str(error)))
        return result
    result.challenge_id = manifest.id
    result.checks.append(Check("common.manifest", "manifest", True,
                               f"{manifest.id}: schema v{manifest.schema_version}, {manifest.kind}"))
    bundle = Bundle(path, manifest)
    try:
        named_checks = checks_for(manifest.kind)
    except TiltyardError:
        named_checks = COMMON_CHECKS[:2]  # files, then the kind check says what is wrong
    for named in named_checks:
        if (named.refit and not refit) or (only and named.id != only):
            continue
        made = run_check(named, bundle)
        result.checks.extend(made)
        if named.fatal and not all(c.passed for c in made):
            break
    return result
