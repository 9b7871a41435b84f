"""Reference molecules whose real-world behaviour the simulation must reproduce.

The SMILES were checked against their molecular formulas (tests/labs/test_chemistry.py);
nitroimines are drawn in the imine tautomer used by the Pesticide Properties Database.
"""

from __future__ import annotations

NEONICOTINOIDS: dict[str, str] = {
    "imidacloprid": "[O-][N+](=O)N=C1NCCN1Cc1ccc(Cl)nc1",          # C9H10ClN5O2
    "thiamethoxam": "CN1COCN(Cc2cnc(Cl)s2)C1=N[N+](=O)[O-]",       # C8H10ClN5O3S
    "clothianidin": "CN/C(=N/[N+](=O)[O-])NCc1cnc(Cl)s1",          # C6H8ClN5O2S
    "acetamiprid": "CC(=NC#N)N(C)Cc1ccc(Cl)nc1",                   # C10H11ClN4
    "thiacloprid": "N#CN=C1SCCN1Cc1ccc(Cl)nc1",                    # C10H9ClN4S
    "dinotefuran": "CNC(=N[N+](=O)[O-])NCC1CCOC1",                 # C7H14N4O3
}

NICOTINE = "CN1CCC[C@H]1c1cccnc1"                                  # C10H14N2

# Not part of the truths, but useful landmarks for learners and for pharmacophore tests.
OTHER_LANDMARKS: dict[str, str] = {
    "nitenpyram": "CCN(Cc1ccc(Cl)nc1)/C(=C/[N+](=O)[O-])NC",      # nitromethylene tip
    "flupyradifurone": "O=C1C=C(N(CC(F)F)Cc2ccc(Cl)nc2)CO1",       # butenolide, no tip
    "epibatidine": "Clc1ccc(cn1)[C@@H]1C[C@@H]2CC[C@H]1N2",        # potent mammalian agonist
}

FORMULAS: dict[str, str] = {
    "imidacloprid": "C9H10ClN5O2", "thiamethoxam": "C8H10ClN5O3S", "clothianidin": "C6H8ClN5O2S",
    "acetamiprid": "C10H11ClN4", "thiacloprid": "C10H9ClN4S", "dinotefuran": "C7H14N4O3",
    "nicotine": "C10H14N2", "nitenpyram": "C11H15ClN4O2", "flupyradifurone": "C12H11ClF2N2O2",
    "epibatidine": "C11H13ClN2",
}


def reference_molecules() -> dict[str, str]:
    """Every named molecule, nicotine and the six neonicotinoids first."""
    return {"nicotine": NICOTINE, **NEONICOTINOIDS, **OTHER_LANDMARKS}
