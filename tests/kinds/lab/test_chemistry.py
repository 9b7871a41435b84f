from rdkit import Chem
from rdkit.Chem.rdMolDescriptors import CalcMolFormula

from tiltyard.kinds.lab.insecticide import chemistry, known


def test_reference_smiles_have_the_right_formulas():
    for name, smiles in known.reference_molecules().items():
        assert CalcMolFormula(Chem.MolFromSmiles(smiles)) == known.FORMULAS[name], name


def test_pharmacophores_find_the_amine_of_nicotine_and_the_tips_of_neonicotinoids():
    refs = known.reference_molecules()
    batch = chemistry.parse(list(refs.values()))
    flags = chemistry.pharmacophores(batch.valid_molecules())
    flags.index = list(refs)
    assert flags.loc["nicotine", "basic_amine"] and flags.loc["nicotine", "alpha_aryl_amine"]
    assert not flags.loc["nicotine", "electronegative_tip"]
    for name in ("imidacloprid", "thiamethoxam", "clothianidin", "dinotefuran"):
        assert flags.loc[name, "nitroguanidine"] and not flags.loc[name, "basic_amine"], name
    for name in ("acetamiprid", "thiacloprid"):
        assert flags.loc[name, "cyanoimine"] and not flags.loc[name, "basic_amine"], name
    assert flags.loc["nitenpyram", "nitromethylene"]
    assert flags.loc[list(known.NEONICOTINOIDS), "electronegative_tip"].all()


def test_bad_molecules_get_rdkit_diagnoses_without_stopping_the_batch(capfd):
    batch = chemistry.parse(["C1CC", "CC(C)(C)(C)(C)C", "c1ccnc1", "", "CC[Na]", "[CH3]",
                             "C" * 70, "CCO", "C[N+](C)(C)C.[Cl-]"])
    errors = batch.errors
    assert "unclosed ring" in errors[0]
    assert "AtomValenceException" in errors[1]
    assert "KekulizeException" in errors[2]
    assert "empty" in errors[3]
    assert "Na" in errors[4]
    assert "unpaired" in errors[5]
    assert "heavy atoms" in errors[6]
    assert errors[7] is None and batch.canonical[7] == "CCO"
    assert errors[8] is None and "largest organic fragment" in batch.notes[8]
    assert list(batch.valid) == [False] * 7 + [True, True]
    assert "Parse Error" not in capfd.readouterr().err  # diagnoses are captured, not printed


def test_descriptors_are_those_of_rdkit():
    nicotine = Chem.MolFromSmiles(known.NICOTINE)
    row = chemistry.descriptors([nicotine]).iloc[0]
    assert row["heavy_atoms"] == 12 and row["hbond_donors"] == 0 and row["aromatic_rings"] == 1
    assert 1.5 < row["logp"] < 2.2 and abs(row["tpsa"] - 16.13) < 0.01
