import pandas as pd
import pytest

from tiltyard.kinds.lab.core import read_designs
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.lab import LabError, lab_for_bundle

ACETAMIPRID = NEONICOTINOIDS["acetamiprid"]


@pytest.fixture
def lab(lab_bundle):
    return lab_for_bundle(lab_bundle, in_memory=True)


def test_a_query_returns_one_row_per_molecule_and_charges_new_valid_ones(lab):
    results = lab.query([NICOTINE, "C1CC", ACETAMIPRID, NICOTINE])
    assert len(results) == 4 and list(results["smiles"]) == [NICOTINE, "C1CC", ACETAMIPRID, NICOTINE]
    assert list(results["charged"]) == [True, False, True, False]
    assert "unclosed ring" in results.loc[1, "error"]
    assert lab.used == 2 and lab.remaining == lab.budget - 2
    again = lab.query([ACETAMIPRID, "CCO"])  # a repeat is free
    assert list(again["charged"]) == [False, True] and lab.used == 3
    assert again.loc[0, "selectivity_score"] == results.loc[2, "selectivity_score"]


def test_over_budget_batches_are_refused_whole_and_store_nothing(lab):
    lab.budget = 2
    lab.query(["CCO"])
    with pytest.raises(LabError) as caught:
        lab.query(["CCN", "CCC", "CCCl"])
    assert caught.value.code == "budget_exceeded"
    assert "3 new experiments but 1" in str(caught.value)
    assert lab.used == 1 and len(lab.export()) == 1


def test_empty_batches_and_files_get_clear_errors(lab, tmp_path):
    with pytest.raises(LabError, match="empty"):
        lab.query([])
    empty = tmp_path / "empty.smi"
    empty.write_text("# nothing yet\n\n")
    with pytest.raises(LabError) as caught:
        read_designs(empty)
    assert caught.value.code == "empty_batch"
    with pytest.raises(LabError, match="No file"):
        read_designs(tmp_path / "missing.smi")


def test_files_keep_triple_bonds_and_drop_names_and_comments(tmp_path):
    path = tmp_path / "molecules.smi"
    path.write_text(f"# landmarks\n{ACETAMIPRID} acetamiprid\n\n{NICOTINE}\n")
    assert read_designs(path) == [ACETAMIPRID, NICOTINE]


def test_export_replays_every_stored_row(lab):
    lab.query([NICOTINE, "C1CC"])
    lab.query([ACETAMIPRID])
    exported = lab.export()
    assert list(exported["query_id"]) == [1, 1, 2]
    assert list(exported["smiles"]) == [NICOTINE, "C1CC", ACETAMIPRID]
    assert {"aphid_mortality", "bee_mortality", "mammal_arrhythmia", "persistence_days"} <= set(exported)


def test_queries_are_kept_in_the_store_across_sessions(lab_bundle, lab_home, tmp_path):
    first = lab_for_bundle(lab_bundle, owner="ada")
    first.query([NICOTINE, ACETAMIPRID, "C1CC"])
    later = lab_for_bundle(lab_bundle, owner="ada")
    assert later.used == 2 and len(later.export()) == 3
    assert lab_for_bundle(lab_bundle, owner="grace").used == 0
    parquet = tmp_path / "out.parquet"
    later.export().to_parquet(parquet)
    assert len(pd.read_parquet(parquet)) == 3


def test_inspect_lists_shows_and_runs_parts(lab):
    listing = lab.inspect()
    for part in ("chemistry", "uptake", "distribution", "metabolism", "binding", "network", "persistence"):
        assert part in listing
    binding = lab.inspect("binding")
    text = str(binding)
    assert "pKi" in text and "insect_tip_bonus" in text and "def affinity" in text
    table = binding.run([NICOTINE, ACETAMIPRID])
    assert table.loc[0, "mammal_pki_without_roughness"] > table.loc[0, "aphid_pki_without_roughness"]
    assert table.loc[1, "aphid_pki_without_roughness"] > table.loc[1, "mammal_pki_without_roughness"]
    assert lab.used == 0  # running a part is free
    network = lab.inspect("network").run([0.0, 0.5, 1.0])
    assert set(network["species"]) == {"aphid", "bee", "mammal"}


def test_inspect_errors_say_what_to_do(lab):
    with pytest.raises(LabError, match="Did you mean 'binding'"):
        lab.inspect("bindng")
    with pytest.raises(LabError) as caught:
        lab.inspect("network").run(["CCO"])
    assert caught.value.code == "bad_drive"
    assert "--run 0.1 --run 0.9" in str(caught.value)  # and what to do


def _rendered(markdown: str, width: int = 120) -> list[str]:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(Markdown(markdown))
    return [line.strip() for line in console.export_text().splitlines()]


def test_a_part_reads_as_a_table_of_priors_and_fenced_code(lab):
    binding = lab.inspect("binding")
    markdown = binding._repr_markdown_()  # what a notebook shows
    assert "| insect_tip_bonus | Normal(4.1, 0.25) pKi | electronegative tip" in markdown
    assert "```python\ndef affinity(" in markdown
    lines = _rendered(markdown)
    # one prior per row, its name beside its prior; code keeps its lines and indentation
    assert any(line.startswith("insect_tip_bonus") and "Normal(4.1, 0.25)" in line for line in lines)
    assert any(line.startswith("def affinity(") for line in lines)
    assert "r = receptor" in lines and "pKi = pki_base" in lines
