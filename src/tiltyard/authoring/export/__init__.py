"""`tiltyard author export BUNDLE --to TARGET`: a built table bundle taken to another platform.

One module per target, each planning its files (:class:`~tiltyard.authoring.export.plan.OutputFile`).
The answers leave only for targets that keep them hidden (Codabench's reference data, Kaggle's
solution); Croissant and Frictionless carry only the public files."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

from tiltyard.authoring.export import codabench, croissant, datapackage, kaggle
from tiltyard.authoring.export.plan import ExportError, ExportPlan, OutputFile
from tiltyard.authoring.export.table_bundle import require_table
from tiltyard.challenges.bundle import Bundle
from tiltyard.errors import did_you_mean

TARGETS: dict[str, ModuleType] = {m.NAME: m for m in (codabench, kaggle, croissant, datapackage)}
KEEPS_ANSWERS_HIDDEN = {codabench.NAME, kaggle.NAME}


def target_module(name: str) -> ModuleType:
    if name not in TARGETS:
        raise ExportError(f"There is no export target {name!r}", expected=" | ".join(TARGETS),
                          got=name, code="unknown_export_target",
                          hint=did_you_mean(name.lower(), TARGETS) or "Pick one of them with --to")
    return TARGETS[name]


def _tiltyard_version() -> str:
    try:
        return version("tiltyard")
    except PackageNotFoundError:
        return "dev"


def plan_export(bundle: Bundle, target: str, out: Path | None = None) -> ExportPlan:
    """Every file the export will write, before anything is written."""
    module = target_module(target)
    manifest = require_table(bundle)
    out = Path(out) if out is not None else Path.cwd() / f"{manifest.id}-{module.NAME}"
    files = module.files(bundle, _tiltyard_version())
    leaking = [f.path for f in files if f.answers and module.NAME not in KEEPS_ANSWERS_HIDDEN]
    if leaking:  # a guard on the targets' own code: answers never go public
        raise ExportError(f"The {module.NAME} export would publish answers", expected="public "
                          "files only", got=", ".join(leaking), hint="This is a bug in Tiltyard")
    return ExportPlan(target=module.NAME, bundle=bundle, out=out, files=files,
                      next_step=module.NEXT_STEP.replace("OUT", str(out)))


__all__ = ["TARGETS", "ExportError", "ExportPlan", "OutputFile", "plan_export", "target_module"]
