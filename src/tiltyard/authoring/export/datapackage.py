"""Frictionless Data Package: ``datapackage.json`` over the public files only, each resource's
schema inferred by frictionless from every row and described from the data dictionary, so that
`frictionless validate datapackage.json` passes."""

from __future__ import annotations

from pathlib import Path

from frictionless import Detector, Package, Resource

from tiltyard.authoring.export.plan import OutputFile
from tiltyard.authoring.export.table_bundle import column_descriptions, public_copies, public_tables
from tiltyard.challenges.bundle import Bundle

NAME = "datapackage"
SUMMARY = "Frictionless data package (datapackage.json) over the public files"
DESCRIPTOR = "datapackage.json"
WHOLE_FILE = 10**9  # infer types from every row, so no value later breaks the inferred schema


def package(bundle: Bundle, folder: Path) -> Package:
    """The package over the copies in ``folder``/data (paths in it are relative to ``folder``)."""
    manifest = bundle.manifest
    descriptions = column_descriptions(manifest)
    resources = []
    for table in public_tables(bundle):
        resource = Resource(path=f"data/{table.relative}", basepath=str(folder),
                            detector=Detector(sample_size=WHOLE_FILE, field_missing_values=[""]))
        resource.infer(stats=True)
        resource.name = table.name.replace("_", "-")
        resource.description = table.description
        for field in resource.schema.fields:
            field.description = descriptions.get(field.name)
        resources.append(resource)
    provenance = manifest.provenance
    source = {"title": provenance.source, **({"path": provenance.url} if provenance.url else {})}
    return Package(name=manifest.id, title=manifest.title, description=manifest.summary,
                   version=f"{manifest.version}.0.0", licenses=[{"name": "other", "title": provenance.licence}],
                   sources=[source], resources=resources, basepath=str(folder))


def files(bundle: Bundle, version: str) -> list[OutputFile]:
    # The descriptor comes last: frictionless reads the copies written before it.
    return [*public_copies(bundle), OutputFile(DESCRIPTOR, "Frictionless descriptor",
                                               lambda target: package(bundle, target.parent).to_json(str(target)))]


NEXT_STEP = "Validate it with `frictionless validate OUT/datapackage.json`"
