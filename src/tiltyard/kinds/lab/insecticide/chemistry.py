"""Chemistry: SMILES in, a diagnosis or a row of descriptors out, for a whole batch at once.

Every molecule is judged on its own: an invalid SMILES gets RDKit's own words for what is
wrong (a syntax error, a valence, an aromatic ring that cannot be kekulised) and the rest of
the batch goes on. The limits below are the lab's stated sanity rules; a molecule outside
them is refused with the limit it broke.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rdkit import Chem, rdBase
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors
from rdkit.Chem.MolStandardize import rdMolStandardize

MAX_SMILES_CHARACTERS = 300
MAX_HEAVY_ATOMS = 60
MAX_ABS_FORMAL_CHARGE = 2
ALLOWED_ELEMENTS = frozenset({"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Br", "I"})

LIMITS_TEXT = (
    f"one molecule per line, at most {MAX_SMILES_CHARACTERS} SMILES characters, at most "
    f"{MAX_HEAVY_ATOMS} heavy atoms, elements {', '.join(sorted(ALLOWED_ELEMENTS))}, net formal "
    f"charge between -{MAX_ABS_FORMAL_CHARGE} and +{MAX_ABS_FORMAL_CHARGE}, no radicals; "
    "salts and mixtures are reduced to their largest organic fragment (and say so)")

# Pharmacophores, written tautomer-blind ('~') because learners draw nitroimines either way.
NITRO = "[$([N+](=O)[O-]),$(N(=O)=O)]"
PHARMACOPHORE_SMARTS: dict[str, str] = {
    # Aliphatic amine that body pH protonates, as the pyrrolidine N of nicotine. Excludes
    # amides, anilines, enamines, amidines, N-N and N-O, whose lone pair is not basic.
    "basic_amine": (
        "[NX3;!$(N-[#6,#16,#15]=[#8,#16,#7]);!$(N-a);!$(N-[#7,#8]);!$(N-C=[#6,#7]);"
        "!$(N-C#N);!$(N-S(=O)=O)]"),
    # Amines already drawn protonated ([NH+]) count as basic, not as permanent cations.
    "protonated_amine": "[NX4+;!H0;!$(N~[#8])]",
    # Quaternary ammonium and N-alkyl pyridinium: charged whatever the pH.
    "permanent_cation": "[$([NX4+;H0;!$(N~[#8])]),$([n+;H0;X3;!$(n~[#8])])]",
    # Amidines and guanidines with a free =NH are strong bases (pKa ~ 11-13).
    "basic_amidine": "[NX2;H1]=[CX3]~[#7X3]",
    "acid": "[$([CX3](=O)[OX2H1,OX1-]),$([SX4](=O)(=O)[OX2H1,OX1-]),$([PX4](=O)[OX2H1,OX1-])]",
    "nitroguanidine": f"[#7]~[#6](~[#7])~[#7]-{NITRO}",
    "nitromethylene": f"[#7]~[#6](~[#7])~[#6;H1]-{NITRO}",
    "cyanoimine": "[#6](~[#7,#16])~[#7]-[CX2]#[NX1]",
    # The pyridine / thiazole ring nitrogen that accepts a hydrogen bond in the receptor.
    "heteroaromatic_acceptor": "[nX2;r5,r6]",
    "halogenated_heteroaryl": "[Cl,Br,F]-c(:n)",
    # The alpha-aryl amine of nicotine: an aromatic ring on the carbon next to the amine
    # lowers its pKa by about a unit and a half.
    "alpha_aryl_amine": "[NX3;!$(N-a);!$(N-C=*)]-[CX4]-a",
    "ester": "[#6]-C(=O)-O-[#6]",
    "amide": "C(=O)-[NX3]",
    "aryl_halogen": "[Cl,Br,I,F]-a",
}
PHARMACOPHORE_PATTERNS = {name: Chem.MolFromSmarts(smarts)
                          for name, smarts in PHARMACOPHORE_SMARTS.items()}
# Cheap gates: a pharmacophore is only searched for when its gate matches, which skips
# most of the expensive recursive SMARTS on most molecules (same answers, less time).
_GATES = {"charge": "[+]", "nitro": "[#7](~[#8])~[#8]", "halogen": "[F,Cl,Br,I]",
          "oxo": "[#6,#15,#16]=[#8]", "nitrile": "C#N"}
GATE_PATTERNS = {name: Chem.MolFromSmarts(smarts) for name, smarts in _GATES.items()}
GATED_BY = {"protonated_amine": "charge", "permanent_cation": "charge", "nitroguanidine": "nitro",
            "nitromethylene": "nitro", "halogenated_heteroaryl": "halogen", "acid": "oxo",
            "ester": "oxo", "amide": "oxo", "cyanoimine": "nitrile"}
ELECTRONEGATIVE_TIPS = ("nitroguanidine", "nitromethylene", "cyanoimine")

DESCRIPTOR_COLUMNS = ["logp", "tpsa", "molecular_weight", "hbond_donors", "hbond_acceptors",
                      "rotatable_bonds", "aromatic_rings", "formal_charge", "heavy_atoms",
                      "fraction_sp3"]
FLAG_COLUMNS = [name for name in PHARMACOPHORE_SMARTS if name not in ("aryl_halogen",)]
COUNT_COLUMNS = ["aryl_halogens"]
_TIMESTAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")


@dataclass(frozen=True)
class ParsedBatch:
    """The batch as it came, the molecules RDKit accepted, and why the others were refused."""

    smiles: list[str]
    molecules: list[Chem.Mol | None]
    canonical: list[str | None]
    errors: list[str | None]
    notes: list[str | None]

    @property
    def valid(self) -> np.ndarray:
        return np.array([m is not None for m in self.molecules], dtype=bool)

    def valid_molecules(self) -> list[Chem.Mol]:
        return [m for m in self.molecules if m is not None]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(_TIMESTAMP.sub("", record.getMessage()).rstrip())


@contextmanager
def rdkit_messages() -> Iterator[_Collect]:
    """Route RDKit's log into a list for the duration, instead of onto the terminal."""
    rdBase.LogToPythonLogger()
    logger = logging.getLogger("rdkit")
    saved_handlers, saved_propagate = list(logger.handlers), logger.propagate
    collector = _Collect()
    for handler in saved_handlers:
        logger.removeHandler(handler)
    logger.addHandler(collector)
    logger.propagate = False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        for handler in saved_handlers:
            logger.addHandler(handler)
        logger.propagate = saved_propagate


def _rdkit_words(lines: list[str]) -> str:
    kept = [line.replace("SMILES Parse Error: ", "") for line in lines if line.strip()]
    return " | ".join(kept) if kept else "RDKit could not read it"


def _diagnose(smiles: str, collector: _Collect) -> tuple[Chem.Mol | None, str | None, str | None]:
    """One molecule: (sanitised molecule, None, note) or (None, what is wrong, None)."""
    text = smiles.strip()
    if not text:
        return None, "empty line: expected a SMILES string", None
    if len(text) > MAX_SMILES_CHARACTERS:
        return None, (f"SMILES has {len(text)} characters; the lab takes at most "
                      f"{MAX_SMILES_CHARACTERS}"), None
    collector.lines.clear()
    molecule = Chem.MolFromSmiles(text)  # the common, valid case costs one parse
    if molecule is None:
        return None, _why_invalid(text, collector), None
    note = None
    if "." in text and len(Chem.GetMolFrags(molecule)) > 1:
        molecule = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(molecule)
        note = f"mixture: kept the largest organic fragment {Chem.MolToSmiles(molecule)}"
    # Foreign elements and radicals can only be written inside brackets in SMILES.
    return molecule, _limit_broken(molecule, check_atoms="[" in text), note


def _why_invalid(text: str, collector: _Collect) -> str:
    """RDKit's own diagnosis: a syntax error, or the chemistry problems of what parsed."""
    collector.lines.clear()
    raw = Chem.MolFromSmiles(text, sanitize=False)
    if raw is None:
        return "syntax: " + _rdkit_words(collector.lines)
    problems = Chem.DetectChemistryProblems(raw)
    if problems:
        return "; ".join(f"{p.GetType()}: {p.Message()}" for p in problems)
    return "sanitisation: " + _rdkit_words(collector.lines)


def _limit_broken(molecule: Chem.Mol, check_atoms: bool = True) -> str | None:
    foreign = []
    if check_atoms:
        foreign = sorted({atom.GetSymbol() for atom in molecule.GetAtoms()} - ALLOWED_ELEMENTS)
    if foreign:
        return (f"element(s) {', '.join(foreign)} outside the lab's set "
                f"{', '.join(sorted(ALLOWED_ELEMENTS))}")
    heavy = molecule.GetNumHeavyAtoms()
    if heavy > MAX_HEAVY_ATOMS:
        return f"{heavy} heavy atoms; the lab takes at most {MAX_HEAVY_ATOMS}"
    if heavy == 0:
        return "no heavy atoms: expected an organic molecule"
    charge = Chem.GetFormalCharge(molecule)
    if abs(charge) > MAX_ABS_FORMAL_CHARGE:
        return f"net formal charge {charge:+d}; the lab takes -2 to +2"
    radicals = check_atoms and sum(atom.GetNumRadicalElectrons() for atom in molecule.GetAtoms())
    if radicals:
        return f"{radicals} unpaired electron(s): radicals are not stable compounds; add hydrogens"
    return None


def parse(smiles: Sequence[str]) -> ParsedBatch:
    """Parse a batch; never raises for a bad molecule, records why instead."""
    molecules, canonical, errors, notes = [], [], [], []
    with rdkit_messages() as collector:
        for text in smiles:
            molecule, error, note = _diagnose(str(text), collector)
            if error is not None:
                molecule = None
            molecules.append(molecule)
            canonical.append(Chem.MolToSmiles(molecule) if molecule is not None else None)
            errors.append(error)
            notes.append(note)
    return ParsedBatch(list(map(str, smiles)), molecules, canonical, errors, notes)


def descriptors(molecules: Sequence[Chem.Mol]) -> pd.DataFrame:
    """The descriptor table the simulation reads: one row per (valid) molecule."""
    rows = np.empty((len(molecules), len(DESCRIPTOR_COLUMNS)), dtype=np.float64)
    for i, molecule in enumerate(molecules):
        rows[i] = (
            Crippen.MolLogP(molecule),
            rdMolDescriptors.CalcTPSA(molecule),
            Descriptors.MolWt(molecule),
            Lipinski.NumHDonors(molecule),
            Lipinski.NumHAcceptors(molecule),
            rdMolDescriptors.CalcNumRotatableBonds(molecule),
            rdMolDescriptors.CalcNumAromaticRings(molecule),
            Chem.GetFormalCharge(molecule),
            molecule.GetNumHeavyAtoms(),
            rdMolDescriptors.CalcFractionCSP3(molecule),
        )
    return pd.DataFrame(rows, columns=DESCRIPTOR_COLUMNS)


def pharmacophores(molecules: Sequence[Chem.Mol]) -> pd.DataFrame:
    """Which pharmacophores each molecule carries (booleans), plus the aryl-halogen count."""
    flags = {name: np.zeros(len(molecules), dtype=bool) for name in FLAG_COLUMNS}
    halogens = np.zeros(len(molecules), dtype=np.int64)
    for i, molecule in enumerate(molecules):
        gates = {name: molecule.HasSubstructMatch(p) for name, p in GATE_PATTERNS.items()}
        for name in FLAG_COLUMNS:
            gate = GATED_BY.get(name)
            if gate is None or gates[gate]:
                flags[name][i] = molecule.HasSubstructMatch(PHARMACOPHORE_PATTERNS[name])
        if gates["halogen"]:
            halogens[i] = len(molecule.GetSubstructMatches(PHARMACOPHORE_PATTERNS["aryl_halogen"]))
    frame = pd.DataFrame(flags)
    frame["electronegative_tip"] = frame[list(ELECTRONEGATIVE_TIPS)].any(axis=1)
    frame["aryl_halogens"] = halogens
    return frame


def features(molecules: Sequence[Chem.Mol]) -> pd.DataFrame:
    """Descriptors and pharmacophores side by side, the input of every later part."""
    return pd.concat([descriptors(molecules), pharmacophores(molecules)], axis=1)
