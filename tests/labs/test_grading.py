import pytest

from tiltyard.errors import SubmissionError
from tiltyard.labs import grade_lab_file
from tiltyard.labs.core import read_designs
from tiltyard.labs.insecticide.bundle import CHALLENGE_ID
from tiltyard.labs.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.labs.insecticide.plot import exploration_plot
from tiltyard.labs.insecticide.simulation import World


def test_the_bundle_declares_a_lab_with_budget_ladder_and_files(lab_bundle):
    manifest = lab_bundle.manifest
    assert manifest.id == CHALLENGE_ID and manifest.kind == "lab"
    assert manifest.budget.experiments == 2000 and manifest.lab["simulator"] == "insecticide"
    paths = {entry.path for entry in manifest.files}
    assert {"brief.md", "public/library.csv", "public/fragments.csv", "sealed/parameters.json",
            "sealed/populations.npz", "starter/insecticide-design.ipynb"} <= paths
    scores = {b.name: b.public_score for b in manifest.baselines}
    assert list(scores) == ["random", "nicotine", "known neonicotinoids", "surrogate search"]
    assert scores["nicotine"] < scores["known neonicotinoids"] <= scores["surrogate search"]
    for baseline in manifest.baselines:
        assert read_designs(lab_bundle.sealed_file(baseline.predictions.removeprefix("sealed/")))
    brief = lab_bundle.brief
    assert "selectivity_score" in brief and "insect_tip_bonus" in brief and "2,000" in brief


def test_the_sealed_world_is_deterministic_from_its_seed(lab_bundle, tmp_path):
    seed = lab_bundle.manifest.lab["seed"]
    rebuilt = World.from_seed(seed).save(tmp_path / "again")
    original = {e.path: e.sha256 for e in lab_bundle.manifest.files}
    from tiltyard.challenges.bundle import sha256_file
    for path in rebuilt:
        assert sha256_file(path) == original[f"sealed/{path.name}"], path.name


def test_designs_are_graded_with_notes_for_known_molecules(lab_bundle, tmp_path):
    path = tmp_path / "designs.smi"
    path.write_text(f"{NEONICOTINOIDS['acetamiprid']}\n{NEONICOTINOIDS['imidacloprid']}\nCCO\n")
    grade = grade_lab_file(lab_bundle, path)
    table = grade.designs
    assert grade.public_scores["selectivity"] == pytest.approx(table["graded_score"].max())
    assert any("close to acetamiprid" in w for w in grade.warnings)
    assert any("persists" in w for w in grade.warnings)  # imidacloprid breaks the soil limit
    assert table.set_index("line").loc[2, "graded_score"] == 0
    plot = exploration_plot(table, table, tmp_path / "exploration.png")
    assert plot.stat().st_size > 10_000


@pytest.mark.parametrize("content, code", [
    ("", "empty_batch"),
    ("\n".join([NICOTINE] * 6) + "\n", "too_many_designs"),
    (f"{NICOTINE}\nC1CC\n", "invalid_molecule"),
])
def test_bad_design_files_are_rejected_precisely(lab_bundle, tmp_path, content, code):
    path = tmp_path / "designs.smi"
    path.write_text(content)
    with pytest.raises(SubmissionError) as caught:
        grade_lab_file(lab_bundle, path)
    assert caught.value.code == code
    if code == "invalid_molecule":
        assert "line 2" in str(caught.value) and "unclosed ring" in str(caught.value)


def test_the_starter_notebook_is_byte_stable():
    import nbformat

    from tiltyard.labs.insecticide.bundle import starter_notebook

    assert nbformat.writes(starter_notebook()) == nbformat.writes(starter_notebook())


def test_the_exploration_plot_is_saved_beside_the_report(lab_bundle, lab_home, tmp_path):
    from tiltyard.labs import lab_for_bundle, save_exploration_plot

    lab_for_bundle(lab_bundle).query([NICOTINE, NEONICOTINOIDS["acetamiprid"], "C1CC"])
    path = tmp_path / "designs.smi"
    path.write_text(NEONICOTINOIDS["acetamiprid"] + "\n")
    grade = grade_lab_file(lab_bundle, path)
    saved = save_exploration_plot(lab_bundle, grade.designs, tmp_path / "reports" / "1-exploration.png")
    assert saved.is_file() and saved.stat().st_size > 10_000
