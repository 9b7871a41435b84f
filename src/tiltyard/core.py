"""The kind contract: what a kind of challenge (table, lab, agent, or a third party's) supplies.

Everything outside a kind's own package is generic: it asks the kind of a bundle (found by
:func:`tiltyard.plugins.get_kind`) to check, evaluate, start a workspace or describe a report
section, and never compares a kind's name. A kind is one object, registered under the
``tiltyard.kinds`` entry-point group, the built-in ones included.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.errors import BundleError, SubmissionError, did_you_mean
from tiltyard.metrics import Metric, get_metric

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # ChallengeKind.charts' specs
# A chart as wide as its box on the page (a phone's screen too), axis labels included.
FIT_WIDTH = {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


@dataclass(frozen=True)
class SubmissionFormat:
    """One kind of file a challenge accepts (a table's predictions, its code, a lab's designs)."""

    suffixes: tuple[str, ...]
    label: str  # "predictions (CSV or Parquet)"
    hint: str  # what to hand in, said to a learner who handed in something else
    runs_code: bool = False  # graded by running the learner's code in the sandbox


class ReportSection(BaseModel):
    """A kind's own part of a report (a code run's usage, a lab's designs, chart data).

    ``data`` is the JSON dump of the kind's own model for ``name`` (a code run's RunResult, a
    lab's design table); the kind renders it with its page partial ``KIND/NAME.html``, a line
    for the terminal (:meth:`ChallengeKind.summary`) and charts (:meth:`ChallengeKind.charts`)."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    name: str
    title: str
    data: dict[str, Any]
    private: bool = False
    """Computed on the private rows: shown only where the private scores are."""

    @property
    def partial(self) -> str:
        return f"{self.kind}/{self.name}.html"


@dataclass
class Grade:
    """What evaluating one file gives: scores per split and the kind's report sections.
    Store-free: nothing here names a submission row."""

    public_scores: dict[str, float]
    private_scores: dict[str, float]
    warnings: list[str] = field(default_factory=list)
    sections: list[ReportSection] = field(default_factory=list)
    read_and_validate_s: float = 0.0
    score_s: float = 0.0
    # Kept in memory for ChallengeKind.after_grade (a lab's design table); never serialised.
    evidence: Any = None


class EvaluationFailed(SubmissionError):
    """A submission that could not be graded, with the kind's sections as evidence (a code
    run that timed out keeps what it used)."""

    def __init__(self, message: str, *, sections: list[ReportSection], **fields):
        super().__init__(message, **fields)
        self.sections = sections


@dataclass(frozen=True)
class Check:
    """One finding of the checker: ``id`` is stable (``table.ids_unique``), ``name`` says what."""

    id: str
    name: str
    passed: bool
    detail: str = ""


# A named check: given a bundle, the checks it makes (several where it looks at several files).
CheckFunction = Callable[[Bundle], list[Check]]


@dataclass(frozen=True)
class NamedCheck:
    id: str
    run: CheckFunction
    refit: bool = False  # slow: only with `tiltyard check --refit`
    fatal: bool = False  # when it fails, later checks would only repeat the failure


class ChallengeKind:
    """Subclass and fill in; the defaults are what a kind without that feature means."""

    name: ClassVar[str]
    section_model: ClassVar[type[BaseModel] | None] = None  # the manifest's [NAME] section
    submission_formats: ClassVar[tuple[SubmissionFormat, ...]] = ()
    templates: ClassVar[Path | None] = None  # folder of page partials NAME/SECTION.html
    # Modules ``evaluate`` imports on first use (kept out of `import tiltyard` for the CLI's
    # sake): a grading process imports them before its first job, which is then as quick as
    # the others (see ``tiltyard.submissions.warm_up``).
    grading_modules: ClassVar[tuple[str, ...]] = ()

    # -- the manifest -------------------------------------------------------------------
    def section(self, manifest: Manifest) -> BaseModel | None:
        """The manifest's typed section for this kind, parsed (BundleError if it breaks)."""
        if self.section_model is None:
            return None
        try:
            return self.section_model.model_validate(manifest.section or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:4])
            raise BundleError(f"The [{self.name}] section of {manifest.id} breaks its schema",
                              got=problems, hint=f"See the {self.name} kind's section model") from exc

    def primary_metric(self, manifest: Manifest) -> Metric:
        return get_metric(manifest.metric.primary)

    # -- submissions ----------------------------------------------------------------------
    def formats(self, manifest: Manifest) -> tuple[SubmissionFormat, ...]:
        """What a challenge of this kind accepts (a kind may let its manifest decide)."""
        return self.submission_formats

    def format_for(self, manifest: Manifest, filename: str) -> SubmissionFormat:
        suffix = Path(filename).suffix.lower()
        formats = self.formats(manifest)
        for accepted in formats:
            if suffix in accepted.suffixes:
                return accepted
        everything = [s for f in formats for s in f.suffixes]
        labels = " or ".join(f.label for f in formats)
        raise SubmissionError(
            f"{Path(filename).name} is not a file {manifest.id} grades",
            expected=f"{labels}: a file ending in {', '.join(everything)}" if formats
            else "nothing (this kind takes no files)",
            got=Path(filename).name, code="wrong_file_type",
            hint=" ".join(filter(None, [did_you_mean(suffix, everything, cutoff=0.75),
                                        "; ".join(f.hint for f in formats)])))

    def evaluate(self, bundle: Bundle, path: Path, *, max_bytes: int) -> Grade:
        """Grade one file on the sealed data; raise SubmissionError (or EvaluationFailed). A kind
        that grades no files keeps this default, which says so."""
        raise SubmissionError(f"{bundle.manifest.id} grades no submitted files",
                              expected="a challenge whose kind lists submission formats",
                              got=f"a {self.name} challenge", code="wrong_file_type",
                              hint="Work with this challenge through its own commands")

    def after_grade(self, bundle: Bundle, grade: Grade, folder: Path, stem: str,
                    owner: str) -> dict[str, str]:
        """Files to save beside a stored report (name -> path), e.g. a plot."""
        return {}

    # -- checks, workspace, learner handle, pages ---------------------------------------------
    # (a kind's own CLI verbs are an entry point in the ``tiltyard.cli`` group: a function of the
    # CLI's tools returning a Typer app, loaded only when its command runs)
    def checks(self) -> list[NamedCheck]:
        return []

    def workspace(self, bundle: Bundle, folder: Path) -> str:
        """Copy what a learner works from into ``folder`` (data/: the public files; the starter
        files; README.md: the brief); return the next step to print."""
        (folder / "data").mkdir(parents=True, exist_ok=True)
        for entry in bundle.manifest.files_with_role("public"):
            target = folder / "data" / Path(entry.path).relative_to("public")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(bundle.root / entry.path, target)
        for entry in bundle.manifest.files_with_role("starter"):
            shutil.copyfile(bundle.root / entry.path, folder / Path(entry.path).relative_to("starter"))
        shutil.copyfile(bundle.root / bundle.manifest.brief, folder / "README.md")
        return f"cd {folder} and open the notebook; the brief is README.md"

    def handle(self, bundle: Bundle) -> Any:
        """What ``tiltyard.load(ID)`` returns for this kind."""
        return bundle

    def summary(self, section: ReportSection) -> str | None:
        """One line a terminal shows for a section, or None."""
        return None

    def charts(self, section: ReportSection) -> dict[str, dict]:
        """Vega-Lite specs for a section, drawn on the report page."""
        return {}

    def describe(self, manifest: Manifest) -> dict[str, Any]:
        """Columns of `tiltyard challenges`: what the task is and how large."""
        return {"task": self.name, "rows": None}
