"""Croissant (MLCommons): JSON-LD metadata over the public files only, written by mlcroissant
itself, one record set per CSV with each column's type and its data-dictionary description."""

from __future__ import annotations

import json

import mlcroissant as mlc
import pandas as pd

from tiltyard.authoring.export.plan import ExportError, OutputFile
from tiltyard.authoring.export.table_bundle import PublicTable, column_descriptions, public_copies, public_tables
from tiltyard.challenges.bundle import Bundle, sha256_file

NAME = "croissant"
SUMMARY = "Croissant JSON-LD (mlcroissant) over the public files"
METADATA = "croissant.json"


def data_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return mlc.DataType.BOOL
    if pd.api.types.is_integer_dtype(dtype):
        return mlc.DataType.INTEGER
    if pd.api.types.is_float_dtype(dtype):
        return mlc.DataType.FLOAT
    return mlc.DataType.TEXT


def record_set(table: PublicTable, descriptions: dict[str, str]) -> mlc.RecordSet:
    dtypes = pd.read_csv(table.path, low_memory=False).dtypes
    fields = [mlc.Field(id=f"{table.name}/{column}", name=column,
                        description=descriptions.get(column, ""), data_types=[data_type(dtype)],
                        source=mlc.Source(file_object=table.relative, extract=mlc.Extract(column=column)))
              for column, dtype in dtypes.items()]
    return mlc.RecordSet(id=table.name, name=table.name, description=table.description, fields=fields)


def metadata(bundle: Bundle) -> dict:
    manifest = bundle.manifest
    tables = public_tables(bundle)
    descriptions = column_descriptions(manifest)
    provenance = manifest.provenance
    distribution = [mlc.FileObject(id=t.relative, name=t.relative, description=t.description,
                                   content_url=f"data/{t.relative}", encoding_formats=["text/csv"],
                                   sha256=sha256_file(t.path)) for t in tables]
    built = mlc.Metadata(
        name=manifest.id, description=f"{manifest.title}. {manifest.summary} (Tiltyard challenge; "
        "the test answers are not part of this dataset.)",
        url=provenance.url or f"https://tiltyard.invalid/challenges/{manifest.id}",
        license=[provenance.licence], version=f"{manifest.version}.0.0",
        cite_as=provenance.citation or provenance.source, distribution=distribution,
        record_sets=[record_set(t, descriptions) for t in tables])
    problems = built.ctx.issues.errors
    if problems:
        raise ExportError(f"mlcroissant refuses the metadata of {manifest.id}",
                          expected="no Croissant errors", got="; ".join(sorted(problems))[:500],
                          hint="Fix the manifest's provenance or column names")
    return built.to_json()


def files(bundle: Bundle, version: str) -> list[OutputFile]:
    def write_metadata(target):  # at write time: it hashes the files and reads their columns
        target.write_text(json.dumps(metadata(bundle), indent=2, default=str, ensure_ascii=False) + "\n",
                          encoding="utf-8")

    return [*public_copies(bundle), OutputFile(METADATA, "Croissant JSON-LD metadata", write_metadata)]


NEXT_STEP = "Load it with `mlcroissant.Dataset(jsonld='OUT/croissant.json')`"
