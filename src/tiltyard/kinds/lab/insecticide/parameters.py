"""The simulation's parameters: their documented priors, and the values drawn for one instance.

Each lab instance draws every parameter from its prior with the instance's seed; the drawn
values are sealed, the priors are public. A learner who reads the priors knows the shape of
the world but not its exact numbers, as a scientist knows the literature but not the lot.

Priors are centred on literature values where there is one (pKa of aliphatic amines, body
pH, the CNS sheath of insects, CYP9Q3 in honeybees, CYP6CY3 in resistant aphids) and on
values that reproduce the known toxicology of nicotine and the neonicotinoids otherwise.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tiltyard.kinds.lab.core import LabError

SPECIES = ("aphid", "bee", "mammal")
INSECTS = ("aphid", "bee")
Distribution = Literal["normal", "uniform"]


@dataclass(frozen=True)
class Prior:
    """One parameter: where it acts, how it is drawn, and why it has that range."""

    name: str
    part: str
    distribution: Distribution
    a: float  # mean (normal) or low (uniform)
    b: float  # sd (normal) or high (uniform)
    unit: str
    meaning: str

    def draw(self, rng: np.random.Generator) -> float:
        if self.distribution == "normal":
            return float(rng.normal(self.a, self.b))
        return float(rng.uniform(self.a, self.b))

    def describe(self) -> str:
        if self.distribution == "normal":
            return f"Normal({self.a:g}, {self.b:g})"
        return f"Uniform({self.a:g}, {self.b:g})"


def _p(name, part, distribution, a, b, unit, meaning) -> Prior:
    return Prior(name, part, distribution, a, b, unit, meaning)


IONISATION = [
    _p("pka_aliphatic_amine", "ionisation", "normal", 9.6, 0.25, "pKa",
       "pKa of a plain aliphatic amine (trialkylamines 9.5-10.5)"),
    _p("pka_shift_alpha_aryl", "ionisation", "normal", -1.5, 0.2, "pKa units",
       "an aromatic ring on the carbon next to the amine withdraws electrons (nicotine: 8.0)"),
    _p("pka_amidine", "ionisation", "normal", 11.5, 0.4, "pKa",
       "free amidines and guanidines are strong bases"),
    _p("pka_acid", "ionisation", "normal", 4.2, 0.2, "pKa", "carboxylic and stronger acids"),
    _p("ph_aphid", "ionisation", "normal", 7.0, 0.08, "pH", "aphid haemolymph"),
    _p("ph_bee", "ionisation", "normal", 6.9, 0.08, "pH", "honeybee haemolymph"),
    _p("ph_mammal", "ionisation", "normal", 7.4, 0.03, "pH", "mammalian plasma"),
]

EXPOSURE = [
    _p("log10_exposure_aphid", "exposure", "normal", -7.6, 0.08, "log10 mol/L",
       "phloem-sap concentration an aphid feeds on at the field rate"),
    _p("log10_exposure_bee", "exposure", "normal", -7.6, 0.1, "log10 mol/L",
       "concentration a forager meets in nectar, pollen and spray drift (non-target, lower)"),
    _p("log10_exposure_mammal", "exposure", "normal", -5.1, 0.08, "log10 mol/L",
       "plasma-equivalent concentration after an accidental oral dose of the formulation"),
]


def _uptake() -> list[Prior]:
    priors = [
        _p("aphid_phloem_logp_optimum", "uptake", "normal", 0.8, 0.15, "logP",
           "systemic compounds reach phloem best when weakly lipophilic (Kleier model)"),
        _p("aphid_phloem_logp_width", "uptake", "normal", 1.3, 0.08, "logP",
           "width of the phloem-mobility window"),
        _p("bee_cuticle_logp_optimum", "uptake", "normal", 2.3, 0.2, "logP",
           "waxy cuticle favours moderately greasy molecules on contact"),
        _p("bee_cuticle_logp_width", "uptake", "normal", 1.5, 0.1, "logP",
           "width of the cuticle-penetration window"),
        _p("bee_nectar_share", "uptake", "uniform", 0.4, 0.6, "fraction",
           "share of a forager's exposure that comes systemically, through nectar"),
        _p("mammal_gut_logp_optimum", "uptake", "normal", 1.8, 0.2, "logP",
           "oral absorption favours logP 1-3"),
        _p("mammal_gut_logp_width", "uptake", "normal", 2.2, 0.15, "logP",
           "oral absorption window is wide"),
        _p("mammal_gut_tpsa_half", "uptake", "normal", 130, 6, "A^2",
           "polar surface at which intestinal absorption halves (Veber: 140)"),
        _p("mammal_gut_tpsa_steepness", "uptake", "normal", 14, 1.5, "A^2",
           "how sharply absorption falls beyond that polar surface"),
        _p("mammal_gut_charged_leak", "uptake", "uniform", 0.3, 0.6, "fraction",
           "weak bases still absorb orally (nicotine: 20-45 % bioavailable)"),
        _p("mammal_permanent_cation_leak", "uptake", "uniform", 0.01, 0.05, "fraction",
           "quaternary ammonium salts are barely absorbed from the gut"),
    ]
    for species, tpsa, _mw, leak in (("aphid", 150, 450, (0.1, 0.3)), ("bee", 140, 420, (0.05, 0.2))):
        priors += [
            _p(f"{species}_membrane_tpsa_half", "uptake", "normal", tpsa, 8, "A^2",
               f"polar surface at which {species} membrane passage halves"),
            _p(f"{species}_charged_leak", "uptake", "uniform", *leak, "fraction",
               f"how much of a charged molecule crosses {species} membranes"),
        ]
    for species, mw in (("aphid", 450), ("bee", 420), ("mammal", 500)):
        priors.append(_p(f"{species}_mw_half", "uptake", "normal", mw, 25, "g/mol",
                         f"molecular weight at which {species} uptake halves"))
    return priors


def _distribution() -> list[Prior]:
    priors = []
    for species in INSECTS:
        priors += [
            _p(f"{species}_cns_charged_passage", "distribution", "uniform", 0.01, 0.05, "fraction",
               "the insect CNS is wrapped in an ion-impermeable glial sheath: charged "
               "molecules barely enter (why protonated nicotine is a weak insecticide)"),
            _p(f"{species}_cns_tpsa_half", "distribution", "normal", 125, 8, "A^2",
               "polar surface at which passage of the sheath halves"),
            _p(f"{species}_binding_logp_mid", "distribution", "normal", 3.5, 0.2, "logP",
               "logP at which half the molecule is bound to haemolymph proteins and lipids"),
        ]
    priors += [
        _p("mammal_bbb_tpsa_half", "distribution", "normal", 90, 5, "A^2",
           "blood-brain barrier: passage halves near 90 A^2 of polar surface"),
        _p("mammal_bbb_tpsa_steepness", "distribution", "normal", 12, 1.5, "A^2",
           "how sharply the barrier closes with polarity"),
        _p("mammal_bbb_logp_low", "distribution", "normal", 0.0, 0.25, "logP",
           "below this logP a molecule is too polar to cross lipid membranes"),
        _p("mammal_bbb_charged_passage", "distribution", "uniform", 0.05, 0.15, "fraction",
           "the charged form crosses poorly; the neutral form carries the flux"),
        _p("mammal_peripheral_share", "distribution", "uniform", 0.35, 0.55, "fraction",
           "share of the target circuit outside the barrier (autonomic ganglia, muscle)"),
        _p("mammal_binding_logp_mid", "distribution", "normal", 3.0, 0.2, "logP",
           "logP at which half the molecule is bound to plasma albumin"),
        _p("protein_binding_logp_slope", "distribution", "normal", 0.8, 0.08, "per logP",
           "how fast binding to proteins and lipids rises with logP"),
    ]
    return priors


def _metabolism() -> list[Prior]:
    priors = []
    for species, base in (("aphid", -0.5), ("bee", -0.4), ("mammal", -0.1)):
        priors += [
            _p(f"{species}_oxidation_log10_base", "metabolism", "normal", base, 0.1, "log10",
               f"baseline oxidative clearance in {species} (relative units)"),
            _p(f"{species}_oxidation_logp_slope", "metabolism", "normal", 0.3, 0.04, "per logP",
               "P450 oxidation speeds up with lipophilicity"),
            _p(f"{species}_enzyme_spread", "metabolism", "normal", 0.25, 0.03, "log10 sd",
               f"variation of enzyme expression across {species} populations"),
        ]
    priors += [
        _p("aphid_resistant_share", "metabolism", "uniform", 0.15, 0.3, "fraction",
           "aphid populations carrying the CYP6CY3 amplification (Myzus persicae)"),
        _p("aphid_resistance_log10_fold", "metabolism", "normal", 1.0, 0.12, "log10",
           "extra clearance in resistant aphids"),
        _p("bee_cyanoimine_log10_fold", "metabolism", "normal", 1.4, 0.12, "log10",
           "CYP9Q3 clears cyanoimine neonicotinoids fast (why acetamiprid and thiacloprid "
           "are hundreds of times less toxic to bees than imidacloprid)"),
        _p("mammal_nitro_log10_fold", "metabolism", "normal", 0.4, 0.1, "log10",
           "mammalian nitroreduction of nitroguanidines and nitromethylenes"),
        _p("ester_log10_fold", "metabolism", "normal", 0.8, 0.1, "log10",
           "esterases clear esters in every species"),
    ]
    return priors


def _binding() -> list[Prior]:
    priors = []
    spec = {
        "insect": dict(base=3.6, tip=4.1, cation=1.2, acceptor=0.4, halogen=0.2, size=16.0,
                       tip_eff=(0.85, 1.0), cation_eff=(0.55, 0.85)),
        "mammal": dict(base=3.4, tip=0.3, cation=3.4, acceptor=1.1, halogen=0.1, size=12.5,
                       tip_eff=(0.5, 0.7), cation_eff=(0.85, 1.0)),
    }
    for receptor, s in spec.items():
        priors += [
            _p(f"{receptor}_pki_base", "binding", "normal", s["base"], 0.15, "pKi",
               f"affinity of a molecule with none of the features below ({receptor} nAChR)"),
            _p(f"{receptor}_tip_bonus", "binding", "normal", s["tip"], 0.25, "pKi",
               "electronegative tip: the insect receptor has a cationic subsite (loop D "
               "Lys/Arg) that holds it; the mammalian one does not"),
            _p(f"{receptor}_cation_bonus", "binding", "normal", s["cation"], 0.25, "pKi",
               "a protonated amine makes a cation-pi bond with the conserved Trp; strongest "
               "in mammalian alpha4beta2"),
            _p(f"{receptor}_acceptor_bonus", "binding", "normal", s["acceptor"], 0.12, "pKi",
               "ring nitrogen (pyridine, thiazole) accepts a water-bridged H-bond"),
            _p(f"{receptor}_halogen_bonus", "binding", "normal", s["halogen"], 0.1, "pKi",
               "halogen next to that ring nitrogen fills a small subpocket"),
            _p(f"{receptor}_size_optimum", "binding", "normal", s["size"], 0.8, "heavy atoms",
               "the orthosteric pocket fits molecules of about this size"),
            _p(f"{receptor}_size_width", "binding", "normal", 5.0, 0.4, "heavy atoms",
               "tolerance around that size"),
            _p(f"{receptor}_size_penalty", "binding", "normal", 2.2, 0.2, "pKi",
               "affinity lost by a molecule far too small or too big for the pocket"),
            _p(f"{receptor}_rotatable_penalty", "binding", "normal", 0.15, 0.03, "pKi per bond",
               "entropy lost on binding, per rotatable bond beyond three"),
            _p(f"{receptor}_logp_contact", "binding", "normal", 0.15, 0.05, "pKi per logP",
               "hydrophobic contact with the pocket walls, up to logP 3"),
            _p(f"{receptor}_efficacy_tip", "binding", "uniform", *s["tip_eff"], "fraction",
               "how fully a tip binder opens the channel once bound"),
            _p(f"{receptor}_efficacy_cation", "binding", "uniform", *s["cation_eff"], "fraction",
               "how fully a cationic binder opens the channel once bound"),
        ]
    priors += [
        _p("aphid_receptor_offset", "binding", "normal", 0.2, 0.12, "pKi",
           "aphid receptor subunits bind a little tighter than the bee's"),
        _p("bee_receptor_offset", "binding", "normal", 0.0, 0.12, "pKi", "bee receptor subunits"),
        _p("roughness_sd", "binding", "normal", 0.25, 0.03, "pKi",
           "spread of the sealed per-substructure contributions: real structure-activity "
           "landscapes have cliffs that descriptors do not explain"),
        _p("hill_coefficient", "binding", "normal", 1.3, 0.08, "",
           "steepness of receptor occupancy with concentration"),
    ]
    return priors


def _network() -> list[Prior]:
    priors = []
    spec = {"aphid": (1.15, 0.45, 0.30, 0.05), "bee": (1.15, 0.45, 0.30, 0.05),
            "mammal": (1.0, 0.35, 0.40, 0.15)}
    for species, (density, lethal, quirk_hi, quirk_lo) in spec.items():
        priors += [
            _p(f"{species}_receptor_density", "network", "normal", density, 0.05, "drive units",
               "mean nicotinic receptor density of the circuit's excitatory neurons"),
            _p(f"{species}_dopaminergic_density", "network", "normal", 1.6, 0.1, "x excitatory",
               "dopaminergic neurons carry more of the receptor (alpha4beta2-rich)"),
            _p(f"{species}_recurrent_excitation", "network", "normal", 0.6, 0.05, "",
               "strength of excitatory feedback inside the circuit"),
            _p(f"{species}_block_threshold", "network", "normal", 1.8, 0.08, "input units",
               "depolarisation at which a neuron stops firing (depolarisation block)"),
            _p(f"{species}_lethal_paralysis", "network", "normal", lethal, 0.03, "fraction",
               "share of blocked motor neurons at which an individual dies"),
            _p(f"{species}_quirk_share", "network", "uniform", quirk_lo, quirk_hi, "fraction",
               "populations whose dopaminergic pathway drives the heart (the arrhythmia quirk)"),
            _p(f"{species}_arrhythmia_tolerance", "network", "normal", 0.45, 0.04, "rate units",
               "rise of dopaminergic firing above rest beyond which a quirk heart loses rhythm"),
        ]
    return priors


PERSISTENCE = [
    _p("soil_log10_dt50_base", "persistence", "normal", 1.2, 0.08, "log10 days",
       "soil half-life of a plain small molecule"),
    _p("soil_logp_slope", "persistence", "normal", 0.12, 0.03, "log10 days per logP",
       "sorption to soil organic matter shields greasy molecules from microbes"),
    _p("soil_aromatic_ring_slope", "persistence", "normal", 0.15, 0.04, "log10 days per ring",
       "aromatic rings resist microbial attack"),
    _p("soil_aryl_halogen_slope", "persistence", "normal", 0.3, 0.05, "log10 days per halogen",
       "carbon-halogen bonds on rings are among the most persistent"),
    _p("soil_nitroguanidine_extra", "persistence", "normal", 0.7, 0.1, "log10 days",
       "nitroguanidines persist in soil (clothianidin: months to years)"),
    _p("soil_cyanoimine_extra", "persistence", "normal", -0.5, 0.1, "log10 days",
       "cyanoimines degrade in days to weeks (acetamiprid, thiacloprid)"),
    _p("soil_ester_extra", "persistence", "normal", -0.6, 0.1, "log10 days",
       "esters hydrolyse"),
    _p("soil_sp3_slope", "persistence", "normal", -0.4, 0.1, "log10 days per unit Fsp3",
       "aliphatic carbons are oxidised by soil microbes"),
]

PRIORS: list[Prior] = (IONISATION + EXPOSURE + _uptake() + _distribution() + _metabolism()
                       + _binding() + _network() + PERSISTENCE)
PRIOR_BY_NAME = {prior.name: prior for prior in PRIORS}
PARTS = ("chemistry", "ionisation", "exposure", "uptake", "distribution", "metabolism", "binding",
         "network", "persistence")


def priors_table(part: str | None = None) -> pd.DataFrame:
    rows = [{"name": p.name, "part": p.part, "prior": p.describe(), "unit": p.unit,
             "meaning": p.meaning} for p in PRIORS if part is None or p.part == part]
    return pd.DataFrame(rows)


def draw(seed: int) -> dict[str, float]:
    """One instance's values, drawn in a fixed order so a seed always gives the same world."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x1A8]))
    return {prior.name: prior.draw(rng) for prior in PRIORS}


def prior_means() -> dict[str, float]:
    """The centre of every prior: the 'textbook' world a learner can run without the seal."""
    return {p.name: p.a if p.distribution == "normal" else (p.a + p.b) / 2 for p in PRIORS}


def save(values: dict[str, float], seed: int, path: Path) -> None:
    path.write_text(json.dumps({"seed": seed, "values": values}, indent=1, sort_keys=True),
                    encoding="utf-8")


def load(path: Path) -> tuple[int, dict[str, float]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    values = data["values"]
    missing = sorted(set(PRIOR_BY_NAME) - set(values))
    if missing:
        raise LabError(f"Sealed parameters at {path} lack {len(missing)} parameter(s)",
                       expected="every parameter listed in parameters.PRIORS",
                       got=", ".join(missing[:6]),
                       hint="The bundle predates this version of the lab; rebuild it")
    return int(data["seed"]), values


def as_dict(prior: Prior) -> dict:
    return asdict(prior)
