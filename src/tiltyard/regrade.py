"""`tiltyard regrade ID`: grade every stored submission of a challenge again, explicitly, against
its newest version (``name-vN`` with the highest N in the catalog) or a bundle named by ``to``.

A regrade never loses a grade: each submission's current grade (challenge, bundle hash, scores,
report) is kept as a :class:`~tiltyard.store.SubmissionGrade` before the submission is moved to
the new bundle and graded again through the one path every submission takes
(:func:`tiltyard.submissions.grade_received`). A regrade stopped half-way leaves the rest
``received``, which a server start (or `tiltyard regrade` again) grades."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import ID_PATTERN
from tiltyard.challenges.registry import get_bundle, known_ids
from tiltyard.errors import SubmissionError
from tiltyard.store import Submission, SubmissionGrade, session_scope
from tiltyard.submissions import grade_received


@dataclass
class Regraded:
    submission_id: int
    owner: str
    old_bundle_hash: str
    old_public_score: float | None
    new_status: str
    new_public_score: float | None


@dataclass
class RegradeResult:
    from_id: str
    to_id: str
    to_hash: str
    regraded: list[Regraded] = field(default_factory=list)
    unchanged: int = 0  # graded by this very bundle already, or never stored (too large)


def newest_version(challenge_id: str) -> str:
    """The highest ``name-vN`` known with the same name as ``challenge_id``."""
    match = ID_PATTERN.match(challenge_id)
    if match is None:
        return challenge_id
    versions = [(int(m["version"]), known) for known in known_ids()
                if (m := ID_PATTERN.match(known)) and m["name"] == match["name"]]
    return max(versions, default=(0, challenge_id))[1]


def target_bundle(challenge_id: str, to: str | None) -> Bundle:
    target = get_bundle(to or newest_version(challenge_id))
    source, goal = ID_PATTERN.match(challenge_id), ID_PATTERN.match(target.manifest.id)
    if source and goal and source["name"] != goal["name"]:
        raise SubmissionError(f"{target.manifest.id} is not a version of {challenge_id}",
                              expected=f"{source['name']}-vN", got=target.manifest.id,
                              hint="Regrade onto a new version of the same challenge",
                              code="wrong_challenge")
    return target


def submissions_of(challenge_id: str) -> list[int]:
    with session_scope() as session:
        return list(session.scalars(select(Submission.id).where(
            Submission.challenge_id == challenge_id).order_by(Submission.id)))


def regrade(challenge_id: str, *, to: str | None = None,
            progress: Callable[[int, int], None] = lambda _done, _total: None) -> RegradeResult:
    """Grade every stored submission of ``challenge_id`` again on the target bundle."""
    target = target_bundle(challenge_id, to)
    ids = submissions_of(challenge_id)
    result = RegradeResult(from_id=challenge_id, to_id=target.manifest.id, to_hash=target.hash)
    for done, submission_id in enumerate(ids, start=1):
        before = _move(submission_id, target)
        if before is None:
            result.unchanged += 1
        else:
            report = grade_received(submission_id)
            result.regraded.append(Regraded(
                submission_id=submission_id, owner=report.owner, old_bundle_hash=before[0],
                old_public_score=before[1], new_status=report.status,
                new_public_score=report.public_score))
        progress(done, len(ids))
    return result


def _move(submission_id: int, target: Bundle) -> tuple[str, float | None] | None:
    """Keep the submission's grade and point it at ``target``, ready to be graded (status
    ``received``); returns its old (bundle hash, public score), or None when there is nothing
    to do: ``target`` graded it already, or its file was too large to be stored."""
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        current = row.bundle_hash == target.hash and row.challenge_id == target.manifest.id
        if (current and row.status != "received") or not row.stored_path:
            return None
        before = (row.bundle_hash, row.public_score)
        if row.status != "received":
            session.add(SubmissionGrade(
                submission_id=row.id, challenge_id=row.challenge_id, bundle_hash=row.bundle_hash,
                status=row.status, public_score=row.public_score, private_score=row.private_score,
                graded_at=row.graded_at, replaced_at=datetime.now(UTC), report=row.report))
        row.challenge_id, row.bundle_hash = target.manifest.id, target.hash
        row.status, row.report, row.graded_at = "received", None, None
        row.public_score = row.private_score = row.error_code = row.error_message = None
        return before
