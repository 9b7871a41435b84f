"""The fragment library: heads, linkers, cores and tips, and the molecules they assemble into.

A molecule here is ``core(tip) + linker + head``: a ring or chain that carries (or lacks)
an electronegative tip, tied by a short linker to an aromatic or aliphatic head. The parts
span what matters to the simulation (tips and basic amines, ring nitrogens and halogens,
polar and greasy heads) so a learner can explore the space without writing SMILES by hand.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger

# The head's SMILES starts at the atom bonded to the linker.
HEADS: dict[str, str] = {
    "6-chloropyridin-3-yl": "c1ccc(Cl)nc1",
    "2-chlorothiazol-5-yl": "c1cnc(Cl)s1",
    "pyridin-3-yl": "c1cccnc1",
    "6-fluoropyridin-3-yl": "c1ccc(F)nc1",
    "6-(trifluoromethyl)pyridin-3-yl": "c1ccc(C(F)(F)F)nc1",
    "6-methylpyridin-3-yl": "c1ccc(C)nc1",
    "pyrimidin-5-yl": "c1cncnc1",
    "phenyl": "c1ccccc1",
    "4-chlorophenyl": "c1ccc(Cl)cc1",
    "4-methoxyphenyl": "c1ccc(OC)cc1",
    "4-hydroxyphenyl": "c1ccc(O)cc1",
    "4-carboxyphenyl": "c1ccc(C(=O)O)cc1",
    "thiophen-2-yl": "c1cccs1",
    "furan-2-yl": "c1ccco1",
    "tetrahydrofuran-3-yl": "C1CCOC1",
    "cyclohexyl": "C1CCCCC1",
    "4-tert-butylphenyl": "c1ccc(C(C)(C)C)cc1",
    "decyl": "CCCCCCCCCC",
    "2,3-dihydroxypropyl": "C(O)CO",
    "3,4-dichlorophenyl": "c1ccc(Cl)c(Cl)c1",
}

LINKERS: dict[str, str] = {"methylene": "C", "ethylene": "CC", "direct": "", "ethylidene": "C(C)"}

# Tips are written from the atom double-bonded to the core outward.
TIPS: dict[str, str] = {
    "nitroimine": "N[N+](=O)[O-]",
    "cyanoimine": "NC#N",
    "nitromethylene": "C[N+](=O)[O-]",
    "oxo": "O",
    "thioxo": "S",
    "imino": "N",
    "trifluoroacetylimine": "NC(=O)C(F)(F)F",
}

# Cores with a tip take it as {tip}; '{tail}' is where linker + head attach.
CORES_WITH_TIP: dict[str, str] = {
    "imidazolidine": "C9(={tip})NCCN9{tail}",
    "thiazolidine": "C9(={tip})SCCN9{tail}",
    "oxadiazinane": "C9(={tip})N(C)COCN9{tail}",
    "N-methyl guanidine": "CNC(={tip})N{tail}",
    "N-methyl acetamidine": "CC(={tip})N(C){tail}",
    "tetrahydropyrimidine": "C9(={tip})NCCCN9{tail}",
}
CORES_WITHOUT_TIP: dict[str, str] = {
    "N-methylpyrrolidin-2-yl": "CN9CCCC9{tail}",
    "dimethylaminomethyl": "CN(C)C{tail}",
    "trimethylammonio": "C[N+](C)(C){tail}",
    "piperidin-1-yl": "C9CCN(CC9){tail}",
    "acetamido": "CC(=O)N{tail}",
    "butenolide amine": "O=C9C=C(N(CC(F)F){tail})CO9",
    "morpholin-4-yl": "C9COCCN9{tail}",
    "methyl sulfone": "CS(=O)(=O){tail}",
}


def assemble(core: str, head: str, linker: str = "methylene", tip: str | None = None) -> str:
    """Canonical SMILES of core(tip)-linker-head, named by the keys of the tables above.

    >>> assemble("imidazolidine", "6-chloropyridin-3-yl", "methylene", "nitroimine")  # imidacloprid
    '...'
    """
    tail = LINKERS[linker] + HEADS[head]
    if core in CORES_WITH_TIP:
        if tip is None:
            raise ValueError(f"core {core!r} carries a tip: pass one of {', '.join(TIPS)}")
        smiles = CORES_WITH_TIP[core].format(tip=TIPS[tip], tail=tail)
    else:
        smiles = CORES_WITHOUT_TIP[core].format(tail=tail)
    molecule = Chem.MolFromSmiles(smiles)
    if molecule is None:
        raise ValueError(f"{core} + {tip} + {linker} + {head} gives no valid molecule ({smiles})")
    return Chem.MolToSmiles(molecule)


def fragment_table() -> pd.DataFrame:
    """Every building block with its kind, name and SMILES piece (public/fragments.csv)."""
    rows = [{"kind": "head", "name": k, "smiles_piece": v} for k, v in HEADS.items()]
    rows += [{"kind": "linker", "name": k, "smiles_piece": v} for k, v in LINKERS.items()]
    rows += [{"kind": "tip", "name": k, "smiles_piece": v} for k, v in TIPS.items()]
    rows += [{"kind": "core_with_tip", "name": k, "smiles_piece": v} for k, v in CORES_WITH_TIP.items()]
    rows += [{"kind": "core_without_tip", "name": k, "smiles_piece": v}
             for k, v in CORES_WITHOUT_TIP.items()]
    return pd.DataFrame(rows)


def library() -> pd.DataFrame:
    """Every molecule the fragments assemble into, deduplicated (public/library.csv)."""
    RDLogger.DisableLog("rdApp.*")  # a few assemblies are chemically impossible; skipped
    try:
        rows, seen = [], set()
        combos = [(c, t) for c in CORES_WITH_TIP for t in TIPS] + [(c, None) for c in CORES_WITHOUT_TIP]
        for (core, tip), linker, head in itertools.product(combos, LINKERS, HEADS):
            try:
                smiles = assemble(core, head, linker, tip)
            except ValueError:
                continue
            if smiles not in seen:
                seen.add(smiles)
                rows.append({"smiles": smiles, "core": core, "tip": tip or "", "linker": linker,
                             "head": head})
    finally:
        RDLogger.EnableLog("rdApp.*")
    return pd.DataFrame(rows)


def random_designs(count: int, seed: int, pool: pd.DataFrame | None = None) -> list[str]:
    pool = library() if pool is None else pool
    rng = np.random.default_rng(seed)
    return pool["smiles"].iloc[rng.choice(len(pool), size=count, replace=False)].tolist()
