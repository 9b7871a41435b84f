"""Refusals of `tiltyard author export`: each says what was expected, and nothing at --out is lost."""

from __future__ import annotations

import shutil
import tomllib

import pytest
import tomli_w
from typer.testing import CliRunner

from tiltyard.authoring.export import ExportError, plan_export
from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.registry import get_bundle
from tiltyard.cli import app


def test_an_unknown_target_says_did_you_mean(home):
    result = CliRunner().invoke(app, ["author", "export", "titanic-v1", "--to", "codabnch"])
    assert result.exit_code == 2
    assert "no export target 'codabnch'" in result.stderr and "Did you mean 'codabench'?" in result.stderr


def test_a_bundle_of_another_kind_is_refused(home, tmp_path):
    source = get_bundle("titanic-v1")
    folder = tmp_path / "lab-like"
    shutil.copytree(source.root, folder)
    manifest = folder / "challenge.toml"
    data = tomllib.loads(manifest.read_text())
    data.pop("table", None)  # the table kind's own section, which a lab manifest does not have
    manifest.write_text(tomli_w.dumps({**data, "kind": "lab"}))
    with pytest.raises(ExportError, match="is a lab challenge; exports take table bundles"):
        plan_export(Bundle(folder), "croissant", tmp_path / "out")


def test_an_out_inside_a_file_is_refused_before_anything_is_written(home, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("keep me")
    result = CliRunner().invoke(app, ["author", "export", "titanic-v1", "--to", "kaggle",
                                      "--out", str(blocker / "out")])
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr
    assert blocker.read_text() == "keep me"


def test_an_out_holding_files_is_kept_unless_forced(home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["author", "export", "titanic-v1", "--to", "croissant",
                                      "--out", str(out)])
    assert result.exit_code == 2 and "already holds files" in result.stderr and "--force" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"


def test_the_cli_prints_the_plan_then_writes(home, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["author", "export", "titanic-v1", "--to", "datapackage",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.index("datapackage.json") < result.stdout.index("Wrote 4 files")
    assert (out / "datapackage.json").is_file()
    dry = CliRunner().invoke(app, ["author", "export", "titanic-v1", "--to", "kaggle",
                                   "--out", str(tmp_path / "dry"), "--dry-run"])
    assert "solution.csv" in dry.stdout and not (tmp_path / "dry").exists()
