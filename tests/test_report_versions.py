"""Reports written by earlier versions still read: the fixtures are schema-1 reports written by
the code before kinds were plugins (a predictions file, a code run, a lab's designs, a rejection)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiltyard.report import REPORT_SCHEMA_VERSION, Report

FIXTURES = Path(__file__).parent / "fixtures" / "reports_v1"


@pytest.mark.parametrize("name", ["table-predictions", "table-code", "lab-designs", "table-rejected"])
def test_every_schema_1_report_reads_as_the_current_schema(name):
    stored = json.loads((FIXTURES / f"{name}.json").read_text())
    report = Report.model_validate(stored)
    assert stored["schema_version"] == 1 and report.schema_version == REPORT_SCHEMA_VERSION
    assert report.public_scores == stored["public_scores"] and report.filename == stored["filename"]
    assert report.kind == name.split("-")[0]
    assert Report.model_validate_json(report.model_dump_json()) == report  # and round-trips


def test_schema_1_fields_become_the_kinds_sections():
    code = Report.model_validate_json((FIXTURES / "table-code.json").read_text())
    assert code.section("run").data["outcome"] == "ok" and code.section("run").data["sandbox"] == "bubblewrap"
    assert "confusion" in code.section("diagnostics").data
    lab = Report.model_validate_json((FIXTURES / "lab-designs.json").read_text())
    designs = lab.section("designs").data["rows"]
    assert len(designs) == 2 and designs[0]["canonical_smiles"]
    assert "exploration_plot" in lab.artifacts
    rejected = Report.model_validate_json((FIXTURES / "table-rejected.json").read_text())
    assert rejected.status == "rejected" and rejected.error.code == "missing_id_column"
    assert rejected.sections == []


def test_a_score_equal_to_a_stored_baseline_at_its_precision_is_a_tie():
    from tiltyard.report import Rung, beats

    assert not beats("maximize", 0.52719412, 0.527194) and beats("maximize", 0.5272, 0.527194)
    assert not beats("minimize", 0.21620004, 0.2162) and beats("minimize", 0.2161, 0.2162)
    rung = Rung(name="surrogate search", description="", public_score=0.527194, beaten=True)
    assert rung.tied_by(0.52719412) and not rung.tied_by(0.5272)
