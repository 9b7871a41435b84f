"""What a teacher sees of the lab in a terminal: `tiltyard lab query | inspect`, in-process."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tiltyard.cli import app
from tiltyard.kinds.lab.core import readable
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.insecticide.lab import textbook_parts

LAB = "insecticide-design-v1"
IMIDACLOPRID = NEONICOTINOIDS["imidacloprid"]
SCIENTIFIC = re.compile(r"\d\.?\d*e[-+]\d")


def run(*args):
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output + str(result.exception)
    return result.output


@pytest.fixture
def molecules(home, tmp_path):
    path = tmp_path / "molecules.smi"
    path.write_text(f"{NICOTINE} nicotine\n{IMIDACLOPRID} imidacloprid\nC1CC\n")
    return path


def test_the_query_table_shows_what_counts_and_why(molecules):
    out = run("lab", "query", LAB, molecules)
    assert "graded score" in out and "constraint broken" in out
    imidacloprid = next(line for line in out.splitlines() if IMIDACLOPRID in line)
    assert "days in soil; the" in imidacloprid  # its score counts 0: the table says why
    assert "│ 0 " in imidacloprid
    assert "✗ C1CC: syntax: unclosed ring" in out
    assert "[red]" not in out and "[/]" not in out  # no raw markup
    assert "< 0.0001" in out and not SCIENTIFIC.search(out)


def test_a_narrow_terminal_gets_one_card_per_molecule_with_every_figure_whole(molecules, monkeypatch):
    from tiltyard.cli import console

    monkeypatch.setattr(console, "width", 80)
    out = run("lab", "query", LAB, molecules)
    assert "…" not in out
    assert "constraint broken persists" in out and "mammal mortality < 0.0001" in out


def test_running_a_part_shows_its_outputs_and_rdkit_s_diagnosis(home):
    out = run("lab", "inspect", LAB, "binding", "--run", NICOTINE, "--run", "C1CC")
    expected = textbook_parts()["binding"].run([NICOTINE]).loc[0, "mammal_pki_without_roughness"]
    assert "mammal pki without roughness" in out and readable(expected) in out
    assert "✗ C1CC: syntax: unclosed ring for input: 'C1CC'" in out
    refused_only = run("lab", "inspect", LAB, "persistence", "--run", "C1CC")
    assert refused_only.strip().startswith("✗ C1CC: syntax: unclosed ring")


def test_a_part_prints_its_priors_as_a_table_and_its_code_as_code(home):
    lines = [line.strip() for line in run("lab", "inspect", LAB, "binding").splitlines()]
    assert any(line.startswith("insect_tip_bonus") and "Normal(4.1, 0.25)" in line for line in lines)
    assert any(line.startswith("def affinity(") for line in lines)
    assert "r = receptor" in lines


@pytest.mark.parametrize(("value", "shown"), [
    (3.9e-11, "< 0.0001"), (0.046712, "0.0467"), (0.527194, "0.527"), (23.54, "23.5"),
    (161.2, "161"), (0.0, "0"), (-2e-9, "> -0.0001"), (12_345.6, "12,346"), (3.2e7, "3.2e+07")])
def test_figures_read_as_a_person_writes_them(value, shown):
    assert readable(value) == shown
