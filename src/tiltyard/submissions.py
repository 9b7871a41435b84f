"""Submit, list, choose final: the learner loop over the store and the grader.

A submission is stored (file under its sha256, row in the database) before it is graded;
a rejected one keeps its reason. The CLI and the server both call these functions.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from tiltyard.challenges.bundle import sha256_file
from tiltyard.challenges.registry import get_bundle
from tiltyard.config import get_settings
from tiltyard.core import EvaluationFailed
from tiltyard.errors import SubmissionError, SubmissionNotFound, TiltyardError
from tiltyard.evaluate import evaluate
from tiltyard.metrics import Metric
from tiltyard.plugins import get_kind, kind_names, kind_of, primary_metric
from tiltyard.report import EarlierGrade, Report, Rung, Timings, beats
from tiltyard.store import Submission, SubmissionGrade, session_scope
from tiltyard.store.counters import increment

# A store counter every recorded grade and final choice increments in its own transaction, so
# that any process on the database (a server, a worker on another machine) sees that boards
# changed by reading one row.
GRADES_STAMP = "grades"


def store_file(path: Path, sha256: str) -> Path:
    folder = get_settings().submissions_dir / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{sha256}{path.suffix.lower() or '.csv'}"
    if not stored.exists():
        # A partial file of its own per writer: two uploads of the same bytes at once each copy
        # theirs and rename it over the other (same content), never one moving the other's half.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f"{sha256}.", suffix=".partial", delete=False) as handle:
            partial = Path(handle.name)
        shutil.copyfile(path, partial)
        partial.replace(stored)
    return stored


def submit_file(challenge_id: str, path: Path, *, owner: str | None = None,
                filename: str | None = None) -> Report:
    """Store, grade and record one submission (predictions, code, lab designs, or a folder,
    handed in as a zip of it). Never raises for a bad file: the report says ``rejected`` with
    the reason; raises only if the challenge is unknown or the path holds no file."""
    with tempfile.TemporaryDirectory(prefix="tiltyard-folder-") as scratch:
        path = folder_as_zip(Path(path), Path(scratch))
        submission_id = receive_file(challenge_id, path, owner=owner, filename=filename)
        return grade_received(submission_id, source=path)


def folder_as_zip(path: Path, scratch: Path) -> Path:
    """A folder as one .zip of its files (links left out) in ``scratch``; a file as it is."""
    if not path.is_dir():
        return path
    archive = scratch / f"{path.resolve().name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for file in sorted(path.rglob("*")):
            if file.is_file() and not file.is_symlink() and "__pycache__" not in file.parts:
                zipped.write(file, file.relative_to(path).as_posix())
    return archive


def receive_file(challenge_id: str, path: Path, *, owner: str | None = None,
                 filename: str | None = None) -> int:
    """Store the file and its row (status ``received``) and return the id, without grading.

    A server calls this on the request path and :func:`grade_received` off it, so that a
    slow grade never blocks a page and a crash between the two loses nothing."""
    row = received_row(challenge_id, path, owner=owner, filename=filename)
    with session_scope() as session:
        session.add(row)
        session.flush()
        return row.id


def received_row(challenge_id: str, path: Path, *, owner: str | None = None,
                 filename: str | None = None) -> Submission:
    """Store the file and return its row (status ``received``), not yet added to a session:
    a caller that must check a limit and insert in one transaction adds it itself."""
    settings = get_settings()
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"No file at {path}", expected="the path of a predictions file",
                              got="nothing there", hint="Check the path; the starter writes "
                              "submission.csv in the workspace folder", code="file_not_found")
    bundle = get_bundle(challenge_id)
    size = path.stat().st_size
    sha256 = sha256_file(path)
    too_large = size > settings.max_submission_bytes
    stored = "" if too_large else str(store_file(path, sha256))
    return Submission(challenge_id=bundle.manifest.id, bundle_hash=bundle.hash,
                      owner=owner or settings.owner, filename=filename or path.name,
                      sha256=sha256, stored_path=stored, size_bytes=size, status="received")


def grade_received(submission_id: int, *, source: Path | None = None) -> Report:
    """Grade a stored submission and record the result (graded or rejected with the reason).
    Idempotent: a submission graded before gets its recorded report back.

    ``source`` is the original file, used only when the file was too large to store."""
    started = time.perf_counter()
    settings = get_settings()
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        if row is None:
            raise SubmissionNotFound(f"There is no submission {submission_id}",
                                     expected="the id returned when it was received",
                                     got=str(submission_id))
        if row.report is not None:  # graded already (a retried job): one result, not two
            return learner_report(row)
        stored_path, owner, filename = row.stored_path, row.owner, row.filename
        sha256, submitted_at, challenge_id = row.sha256, row.created_at, row.challenge_id
    bundle = get_bundle(challenge_id)
    manifest = bundle.manifest
    metric = primary_metric(manifest)
    report = Report(submission_id=submission_id, kind=manifest.kind, challenge_id=manifest.id,
                    challenge_title=manifest.title, bundle_hash=bundle.hash,
                    submission_sha256=sha256, filename=filename,
                    submitted_at=submitted_at, owner=owner, status="rejected",
                    primary_metric=metric.name, direction=metric.direction,
                    public_rows=manifest.split.public_rows if manifest.split else 0,
                    private_rows=manifest.split.private_rows if manifest.split else 0)
    try:
        grade = evaluate(bundle, Path(stored_path) if stored_path else Path(source),
                         max_bytes=settings.max_submission_bytes)
    except TiltyardError as error:
        report.error = error.info()
        report.sections = error.sections if isinstance(error, EvaluationFailed) else []
        private = None
    else:
        report.status = "graded"
        report.sections = grade.sections
        report.public_scores = grade.public_scores
        report.warnings = grade.warnings
        report.timings = Timings(read_and_validate_s=grade.read_and_validate_s,
                                 score_s=grade.score_s)
        private = grade.private_scores
        folder = report_path(submission_id).parent
        folder.mkdir(parents=True, exist_ok=True)
        report.artifacts = kind_of(bundle).after_grade(bundle, grade, folder, str(submission_id), owner)
        report.ladder = [Rung(name=b.name, description=b.description, public_score=b.public_score,
                              beaten=beats(metric.direction, report.public_score, b.public_score))
                         for b in manifest.baselines]
    report.timings.total_s = time.perf_counter() - started
    return _record(submission_id, report, private, metric)


def _record(submission_id: int, report: Report, private: dict[str, float] | None,
            metric: Metric) -> Report:
    """Save the grade; the stored report keeps private scores, the learner's copy does not.
    Only the first grade of a submission is recorded: two workers that graded it at once (a
    lease that ran out under a slow grader) leave one report, and the second gets it back."""
    with session_scope() as session:
        # Guarded on the status, so the first grader's write wins (the row's write lock makes
        # a second one wait, then find nothing to change).
        first = session.execute(update(Submission).where(
            Submission.id == submission_id, Submission.status == "received").values(
            status=report.status, graded_at=datetime.now(UTC), public_score=report.public_score,
            private_score=None if private is None else private.get(report.primary_metric),
            error_code=report.error.code if report.error else None,
            error_message=report.error.message if report.error else None)).rowcount
        row = session.get(Submission, submission_id)
        if not first:
            return learner_report(row) if row.report is not None else report
        if report.status == "graded":
            report.rank_among_own, report.own_submissions = _rank(session, report, metric)
        row.report = report.model_copy(update={"private_scores": private}).model_dump(mode="json")
        increment(session, GRADES_STAMP)
        report = report.without_private()
        # Before the commit: a grader killed in between leaves a file that the next grade
        # of the still-received submission writes again, never a graded row without its file.
        write_report(report)
    return report


def _rank(session, report: Report, metric: Metric) -> tuple[int, int]:
    """Place among this owner's graded submissions to the challenge (1 = best)."""
    scores = session.scalars(select(Submission.public_score).where(
        Submission.challenge_id == report.challenge_id, Submission.owner == report.owner,
        Submission.status == "graded")).all()
    better = sum(1 for s in scores if metric.better(s, report.public_score))
    return better + 1, len(scores)


def report_path(submission_id: int) -> Path:
    return get_settings().reports_dir / f"{submission_id}.json"


def write_report(report: Report) -> Path:
    path = report_path(report.submission_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return path


def learner_report(row: Submission) -> Report:
    """The report as its owner may see it: private scores only once chosen as final."""
    report = with_earlier_grades(object_session(row), Report.model_validate(row.report), row.id,
                                 show_private=row.is_final)
    report.final = row.is_final
    if not row.is_final:
        return report.without_private()
    manifest = get_bundle(row.challenge_id).manifest
    for rung in report.ladder:
        rung.private_score = manifest.baseline(rung.name).private_score
    return report


def with_earlier_grades(session: Session | None, report: Report, submission_id: int, *,
                        show_private: bool) -> Report:
    """The grades kept by `tiltyard regrade`, each with the bundle hash it came from; private
    scores only for a viewer who sees the current one."""
    if session is None:
        return report
    report.earlier_grades = [
        EarlierGrade(challenge_id=g.challenge_id, bundle_hash=g.bundle_hash, status=g.status,
                     public_score=g.public_score, graded_at=g.graded_at, replaced_at=g.replaced_at,
                     private_score=g.private_score if show_private else None)
        for g in session.scalars(select(SubmissionGrade).where(
            SubmissionGrade.submission_id == submission_id).order_by(SubmissionGrade.id))]
    return report


def get_report(submission_id: int, *, owner: str | None = None) -> Report:
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        if row is None or (owner is not None and row.owner != owner):
            raise SubmissionNotFound(f"There is no submission {submission_id}",
                                     expected="an id listed by `tiltyard history`",
                                     got=str(submission_id))
        if row.report is None:
            raise SubmissionNotFound(f"Submission {submission_id} has not been graded yet",
                                     expected="a graded submission", got=row.status,
                                     hint="Wait for the grader, then ask again")
        return learner_report(row)


def history(challenge_id: str | None = None, *, owner: str | None = None) -> list[Submission]:
    owner = owner or get_settings().owner
    query = select(Submission).where(Submission.owner == owner).order_by(Submission.id)
    if challenge_id:
        query = query.where(Submission.challenge_id == challenge_id)
    with session_scope() as session:
        return list(session.scalars(query))


# A final choice reveals its private score. Were finals free to switch, a learner could read
# every private score one after another, and the private rows would become a second public
# board. So a final may be changed this many times per challenge; switching back to a
# submission whose private score was already shown is free (it reveals nothing new).
FINAL_CHANGES_PER_CHALLENGE = 2


def final_changes(challenge_id: str, owner: str | None = None) -> tuple[int, list[int]]:
    """(changes used, ids of the submissions whose private score was revealed, oldest first)."""
    owner = owner or get_settings().owner
    with session_scope() as session:
        revealed = _revealed(session, challenge_id, owner)
    return max(0, len(revealed) - 1), revealed


def _revealed(session, challenge_id: str, owner: str) -> list[int]:
    return list(session.scalars(select(Submission.id).where(
        Submission.challenge_id == challenge_id, Submission.owner == owner,
        Submission.final_revealed_at.is_not(None)).order_by(Submission.final_revealed_at,
                                                             Submission.id)))


def choose_final(challenge_id: str, submission_id: int, *, owner: str | None = None) -> Report:
    """Mark one graded submission as final; from now on its private score is shown. At most
    ``FINAL_CHANGES_PER_CHALLENGE`` changes reveal a new private score."""
    owner = owner or get_settings().owner
    with session_scope() as session:
        row = session.get(Submission, submission_id)
        if row is None or row.owner != owner:
            raise SubmissionNotFound(f"There is no submission {submission_id}",
                                     expected="an id listed by `tiltyard history`",
                                     got=str(submission_id))
        if row.challenge_id != challenge_id:
            raise SubmissionError(f"Submission {submission_id} belongs to {row.challenge_id}",
                                  expected=f"a submission to {challenge_id}", got=row.challenge_id,
                                  hint=f"Run `tiltyard final {row.challenge_id} {submission_id}`",
                                  code="wrong_challenge")
        if row.status != "graded":
            raise SubmissionError(f"Submission {submission_id} was {row.status}, not graded",
                                  expected="a graded submission", got=row.status,
                                  hint="Choose one listed with a score by `tiltyard history`",
                                  code="not_graded")
        if row.final_revealed_at is None:
            _check_final_changes_left(session, row)
            row.final_revealed_at = datetime.now(UTC)
        for other in session.scalars(select(Submission).where(
                Submission.challenge_id == challenge_id, Submission.owner == owner,
                Submission.is_final.is_(True))):
            other.is_final = False
        row.is_final = True
        session.flush()
        increment(session, GRADES_STAMP)
        report = learner_report(row)
    write_report(report)
    return report


def _check_final_changes_left(session, row: Submission) -> None:
    revealed = _revealed(session, row.challenge_id, row.owner)
    if len(revealed) <= FINAL_CHANGES_PER_CHALLENGE:
        return
    seen = ", ".join(f"#{i}" for i in revealed)
    raise SubmissionError(
        f"You have changed your final on {row.challenge_id} {FINAL_CHANGES_PER_CHALLENGE} "
        "times, the most allowed", code="final_changes_used",
        expected=f"a final among the submissions whose private scores you have seen ({seen}): "
                 f"a final may be changed {FINAL_CHANGES_PER_CHALLENGE} times per challenge, "
                 "and switching back to one already seen is free",
        got=f"submission #{row.id}, a private score you have not seen (you have seen "
            f"{len(revealed)})",
        hint="The private rows stand for data nobody has seen; reading them one final after "
             "another would turn them into a second public board. Keep one of "
             f"{seen} (`tiltyard final {row.challenge_id} {revealed[-1]}`), and judge new "
             "work by cross-validation and its public score")


def leaderboard(challenge_id: str) -> list[dict]:
    """Every graded submission's best-known standing, baselines included, best first.

    Ties go to the earlier submission. Private scores appear only for final submissions.
    """
    bundle = get_bundle(challenge_id)
    manifest = bundle.manifest
    metric = primary_metric(manifest)
    with session_scope() as session:
        rows = session.scalars(select(Submission).where(
            Submission.challenge_id == manifest.id, Submission.status == "graded")).all()
    entries = [{"who": row.owner, "submission_id": row.id, "public_score": row.public_score,
                "private_score": row.private_score if row.is_final else None,
                "final": row.is_final, "submitted_at": row.created_at, "baseline": False,
                "bundle_hash": row.bundle_hash} for row in rows]
    entries += [{"who": f"baseline: {b.name}", "submission_id": None, "public_score": b.public_score,
                 "private_score": b.private_score, "final": False, "submitted_at": None,
                 "baseline": True, "bundle_hash": bundle.hash} for b in manifest.baselines]
    epoch = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda e: (metric.sort_key(e["public_score"]),
                                _aware(e["submitted_at"]) if e["submitted_at"] else epoch))
    for rank, entry in enumerate(entries, start=1):
        entry["rank"] = rank
    return entries


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def warm_up() -> None:
    """Import what grading a submission of each installed kind needs (the job's hook: see
    ``tiltyard.runner.tasks.warm_up_process``)."""
    for name in kind_names():
        for module in get_kind(name).grading_modules:
            importlib.import_module(module)


def grade_job(payload: dict) -> dict:
    """The ``grade_submission`` job: grade a stored submission (payload: submission_id).
    Idempotent, like the grading it calls: a retried job returns the first result."""
    report = grade_received(int(payload["submission_id"]))
    return {"submission_id": report.submission_id, "status": report.status,
            "public_scores": report.public_scores, "error": report.error and report.error.code}
