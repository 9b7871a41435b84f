import pytest

from tiltyard.errors import SubmissionError
from tiltyard.evaluate import evaluate
from tiltyard.kinds.lab.core import read_designs
from tiltyard.kinds.lab.insecticide.bundle import CHALLENGE_ID
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.insecticide.plot import exploration_plot
from tiltyard.kinds.lab.insecticide.simulation import World


def test_the_bundle_declares_a_lab_with_budget_ladder_and_files(lab_bundle):
    manifest = lab_bundle.manifest
    assert manifest.id == CHALLENGE_ID and manifest.kind == "lab"
    assert manifest.budget.experiments == 2000 and manifest.section["simulator"] == "insecticide"
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
    seed = lab_bundle.manifest.section["seed"]
    rebuilt = World.from_seed(seed).save(tmp_path / "again")
    original = {e.path: e.sha256 for e in lab_bundle.manifest.files}
    from tiltyard.challenges.bundle import sha256_file
    for path in rebuilt:
        assert sha256_file(path) == original[f"sealed/{path.name}"], path.name


def test_designs_are_graded_with_notes_for_known_molecules(lab_bundle, tmp_path):
    path = tmp_path / "designs.smi"
    path.write_text(f"{NEONICOTINOIDS['acetamiprid']}\n{NEONICOTINOIDS['imidacloprid']}\nCCO\n")
    grade = evaluate(lab_bundle, path)
    table = grade.evidence
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
        evaluate(lab_bundle, path)
    assert caught.value.code == code
    if code == "invalid_molecule":
        assert "line 2" in str(caught.value) and "unclosed ring" in str(caught.value)


def test_the_starter_notebook_is_byte_stable():
    import nbformat

    from tiltyard.kinds.lab.insecticide.bundle import starter_notebook

    assert nbformat.writes(starter_notebook()) == nbformat.writes(starter_notebook())


def test_the_exploration_plot_is_saved_beside_the_report(lab_bundle, lab_home, tmp_path):
    from tiltyard.kinds.lab.lab import lab_for_bundle, save_exploration_plot

    lab_for_bundle(lab_bundle).query([NICOTINE, NEONICOTINOIDS["acetamiprid"], "C1CC"])
    path = tmp_path / "designs.smi"
    path.write_text(NEONICOTINOIDS["acetamiprid"] + "\n")
    grade = evaluate(lab_bundle, path)
    saved = save_exploration_plot(lab_bundle, grade.evidence, tmp_path / "reports" / "1-exploration.png")
    assert saved.is_file() and saved.stat().st_size > 10_000


def test_handing_in_a_baseline_s_own_designs_ties_it_not_beats_it(home):
    from tiltyard.challenges.registry import get_bundle
    from tiltyard.submissions import submit_file

    bundle = get_bundle(CHALLENGE_ID)
    rung = next(b for b in bundle.manifest.baselines if b.name == "known neonicotinoids")
    report = submit_file(CHALLENGE_ID, bundle.sealed_file(rung.predictions.removeprefix("sealed/")))
    assert report.status == "graded"
    assert report.public_score != rung.public_score  # the manifest keeps six decimals
    assert round(report.public_score, 6) == rung.public_score
    stored = next(r for r in report.ladder if r.name == rung.name)
    assert stored.beaten is False
    assert "ties known neonicotinoids" in report.ladder_summary
    assert "beats random, nicotine" in report.ladder_summary
