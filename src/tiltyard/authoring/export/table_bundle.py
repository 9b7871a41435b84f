"""What every export reads of a table bundle: its public files and, for targets that keep them
hidden, its answers (through the bundle's one door to ``sealed/``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tiltyard.authoring.export.plan import ExportError, OutputFile, copy_from
from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.kinds.table.grader import ANSWERS, SPLIT_COLUMN

TABLE_KIND = "table"


@dataclass(frozen=True)
class PublicTable:
    name: str  # "train", "test", "sample_submission", a side table's name
    path: Path  # in the bundle
    relative: str  # "train.csv": its path under public/
    description: str


def require_table(bundle: Bundle) -> Manifest:
    manifest = bundle.manifest
    if manifest.kind != TABLE_KIND or manifest.task is None:
        raise ExportError(f"{manifest.id} is a {manifest.kind} challenge; exports take table bundles",
                          expected="a table bundle (train.csv, test.csv, sealed answers)",
                          got=f"kind {manifest.kind!r}",
                          hint="Export a table challenge, e.g. titanic-v1; other kinds run only "
                               "on Tiltyard")
    return manifest


STANDARD = {"train": "Training rows, with the target column",
            "test": "Test rows, without the target: predict these",
            "sample_submission": "The shape of a submission: the id column and the prediction "
                                 "column(s)"}


def public_tables(bundle: Bundle) -> list[PublicTable]:
    """Every public CSV of the bundle, with what it holds."""
    side = {table.file: table.description for table in bundle.manifest.tables}
    found = []
    for entry in bundle.manifest.files_with_role("public"):
        if not entry.path.endswith(".csv"):
            continue
        relative = entry.path.removeprefix("public/")
        name = Path(relative).stem
        found.append(PublicTable(name=name, path=bundle.root / entry.path, relative=relative,
                                 description=side.get(entry.path) or STANDARD.get(name, name)))
    return found


def public_copies(bundle: Bundle, folder: str = "data") -> list[OutputFile]:
    """A copy of every public CSV under ``folder``/ of the export (a table bundle only)."""
    require_table(bundle)
    return [OutputFile(f"{folder}/{table.relative}", table.description, copy_from(table.path))
            for table in public_tables(bundle)]


def answers_file(bundle: Bundle) -> Path:
    """The sealed answers: id, target and split (``public`` or ``private``) per test row."""
    return bundle.sealed_file(ANSWERS)


def column_descriptions(manifest: Manifest) -> dict[str, str]:
    return {column.name: column.description for column in manifest.columns}


__all__ = ["SPLIT_COLUMN", "PublicTable", "answers_file", "column_descriptions", "public_copies",
           "public_tables", "require_table"]
