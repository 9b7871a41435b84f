"""Pharmacology: from a molecule's descriptors to the concentration and drive at its target.

Each function is one part of the journey a molecule makes, for one species, over a whole
batch (arrays with one entry per molecule). Their docstrings hold the equations that
``lab.inspect(part)`` shows; the parameter names are those of ``parameters.PRIORS``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tiltyard.kinds.lab.insecticide.parameters import INSECTS

Values = dict[str, float]


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def _window(x, optimum, width):
    return np.exp(-0.5 * ((x - optimum) / width) ** 2)


def _flag(features: pd.DataFrame, name: str) -> np.ndarray:
    return features[name].to_numpy(dtype=np.float64)


def ionisation(features: pd.DataFrame, values: Values, species: str) -> dict[str, np.ndarray]:
    """Charged share of each molecule at the species' body pH (Henderson-Hasselbalch).

        pKa(amine)  = pka_aliphatic_amine + pka_shift_alpha_aryl * [alpha-aryl amine]
        cation      = 1 / (1 + 10^(pH - pKa))      for basic amines and free amidines
                    = 1                            for permanent cations (quaternary N)
        anion       = 1 / (1 + 10^(pka_acid - pH)) for acids
        charged     = 1 - (1 - cation) * (1 - anion)
    """
    ph = values[f"ph_{species}"]
    amine_pka = values["pka_aliphatic_amine"] + values["pka_shift_alpha_aryl"] * _flag(
        features, "alpha_aryl_amine")
    amine = np.maximum(_flag(features, "basic_amine"), _flag(features, "protonated_amine"))
    cation = amine / (1.0 + 10.0 ** (ph - amine_pka))
    amidine = _flag(features, "basic_amidine") / (1.0 + 10.0 ** (ph - values["pka_amidine"]))
    other_positive = (features["formal_charge"].to_numpy() > 0) & ~features["protonated_amine"].to_numpy()
    permanent = np.maximum(_flag(features, "permanent_cation"), other_positive.astype(np.float64))
    cation = np.maximum.reduce([cation, amidine, permanent])
    anion = _flag(features, "acid") / (1.0 + 10.0 ** (values["pka_acid"] - ph))
    return {"cation": cation, "anion": anion, "permanent": permanent,
            "charged": 1.0 - (1.0 - cation) * (1.0 - anion)}


def uptake(features: pd.DataFrame, values: Values, species: str, ions: dict) -> np.ndarray:
    """Share of the exposure that enters the body (0-1).

    aphid  (feeds on phloem; the compound must be systemic in the plant):
        window(logP; aphid_phloem_logp_optimum, aphid_phloem_logp_width)
    bee    (nectar share systemic, the rest through the cuticle on contact):
        s * window(logP; phloem) + (1 - s) * window(logP; bee_cuticle_logp_optimum, width)
    mammal (oral, through the gut wall):
        window(logP; mammal_gut_logp_optimum, width) * logistic((tpsa_half - TPSA) / steepness)
    then, for every species,
        * logistic((mw_half - MW) / 40)                            big molecules stall
        * ((1 - charged) + leak * charged)                         charged forms cross poorly
        and for insects * logistic((membrane_tpsa_half - TPSA) / 15)
    """
    logp = features["logp"].to_numpy()
    tpsa = features["tpsa"].to_numpy()
    phloem = _window(logp, values["aphid_phloem_logp_optimum"], values["aphid_phloem_logp_width"])
    if species == "aphid":
        share = phloem
    elif species == "bee":
        nectar = values["bee_nectar_share"]
        cuticle = _window(logp, values["bee_cuticle_logp_optimum"], values["bee_cuticle_logp_width"])
        share = nectar * phloem + (1 - nectar) * cuticle
    else:
        share = _window(logp, values["mammal_gut_logp_optimum"], values["mammal_gut_logp_width"])
        share = share * _logistic((values["mammal_gut_tpsa_half"] - tpsa)
                                  / values["mammal_gut_tpsa_steepness"])
    if species in INSECTS:
        share = share * _logistic((values[f"{species}_membrane_tpsa_half"] - tpsa) / 15.0)
        leak = np.full_like(logp, values[f"{species}_charged_leak"])
    else:
        leak = np.where(ions["permanent"] > 0, values["mammal_permanent_cation_leak"],
                        values["mammal_gut_charged_leak"])
    size = _logistic((values[f"{species}_mw_half"] - features["molecular_weight"].to_numpy()) / 40.0)
    return share * size * ((1 - ions["charged"]) + leak * ions["charged"])


def distribution(features: pd.DataFrame, values: Values, species: str, ions: dict) -> np.ndarray:
    """Share of what entered that reaches the target circuit, free (0-1).

    insects (the CNS sits behind an ion-impermeable glial sheath):
        ((1 - charged) + cns_charged_passage * charged)
        * logistic((cns_tpsa_half - TPSA) / 12)
    mammal (part of the circuit is peripheral, part behind the blood-brain barrier):
        peripheral_share + (1 - peripheral_share) * BBB
        BBB = logistic((bbb_tpsa_half - TPSA) / bbb_tpsa_steepness)
              * logistic((logP - bbb_logp_low) / 0.5)
              * ((1 - charged) + bbb_charged_passage * charged)
    then * free fraction = 1 / (1 + 10^(protein_binding_logp_slope * (logP - binding_logp_mid)))
    """
    logp = features["logp"].to_numpy()
    tpsa = features["tpsa"].to_numpy()
    charged = ions["charged"]
    if species in INSECTS:
        reach = (((1 - charged) + values[f"{species}_cns_charged_passage"] * charged)
                 * _logistic((values[f"{species}_cns_tpsa_half"] - tpsa) / 12.0))
    else:
        barrier = (_logistic((values["mammal_bbb_tpsa_half"] - tpsa) / values["mammal_bbb_tpsa_steepness"])
                   * _logistic((logp - values["mammal_bbb_logp_low"]) / 0.5)
                   * ((1 - charged) + values["mammal_bbb_charged_passage"] * charged))
        peripheral = values["mammal_peripheral_share"]
        reach = peripheral + (1 - peripheral) * barrier
    free = 1.0 / (1.0 + 10.0 ** (values["protein_binding_logp_slope"]
                                 * (logp - values[f"{species}_binding_logp_mid"])))
    return reach * free


def clearance(features: pd.DataFrame, values: Values, species: str) -> np.ndarray:
    """Metabolic clearance of each molecule in a population with average enzymes.

        log10 CL = oxidation_log10_base + oxidation_logp_slope * logP
                   + ester_log10_fold * [ester]
                   + bee_cyanoimine_log10_fold * [cyanoimine]               (bee only)
                   + mammal_nitro_log10_fold * [nitroguanidine or nitromethylene] (mammal only)
    A population with enzyme expression E_p keeps  C_p = C / (1 + CL * E_p)  at the target.
    """
    logp = np.clip(features["logp"].to_numpy(), -3, 8)
    log_cl = (values[f"{species}_oxidation_log10_base"]
              + values[f"{species}_oxidation_logp_slope"] * logp
              + values["ester_log10_fold"] * _flag(features, "ester"))
    if species == "bee":
        log_cl = log_cl + values["bee_cyanoimine_log10_fold"] * _flag(features, "cyanoimine")
    if species == "mammal":
        nitro = np.maximum(_flag(features, "nitroguanidine"), _flag(features, "nitromethylene"))
        log_cl = log_cl + values["mammal_nitro_log10_fold"] * nitro
    return 10.0 ** log_cl


def affinity(features: pd.DataFrame, values: Values, receptor: str, cation: np.ndarray,
             roughness: np.ndarray) -> np.ndarray:
    """pKi of each molecule at the insect or the mammalian nicotinic receptor.

        pKi = pki_base
              + tip_bonus      * [nitroguanidine, nitromethylene or cyanoimine]
              + cation_bonus   * cation share at body pH
              + acceptor_bonus * [pyridine-like ring N]
              + halogen_bonus  * [halogen next to that ring N]
              - size_penalty   * (1 - exp(-(heavy_atoms - size_optimum)^2 / (2 size_width^2)))
              - rotatable_penalty * max(0, rotatable_bonds - 3)
              + logp_contact   * clip(logP, -1, 3)
              + roughness      (sealed per-substructure contributions, sd roughness_sd)
    """
    r = receptor
    heavy = features["heavy_atoms"].to_numpy()
    misfit = 1.0 - np.exp(-0.5 * ((heavy - values[f"{r}_size_optimum"]) / values[f"{r}_size_width"]) ** 2)
    return (values[f"{r}_pki_base"]
            + values[f"{r}_tip_bonus"] * _flag(features, "electronegative_tip")
            + values[f"{r}_cation_bonus"] * cation
            + values[f"{r}_acceptor_bonus"] * _flag(features, "heteroaromatic_acceptor")
            + values[f"{r}_halogen_bonus"] * _flag(features, "halogenated_heteroaryl")
            - values[f"{r}_size_penalty"] * misfit
            - values[f"{r}_rotatable_penalty"] * np.maximum(0, features["rotatable_bonds"].to_numpy() - 3)
            + values[f"{r}_logp_contact"] * np.clip(features["logp"].to_numpy(), -1, 3)
            + roughness)


def efficacy(features: pd.DataFrame, values: Values, receptor: str, cation: np.ndarray) -> np.ndarray:
    """How fully a bound molecule opens the channel (0-1).

        tip binders: efficacy_tip; otherwise cation * efficacy_cation + (1 - cation) * 0.5
    """
    tip = _flag(features, "electronegative_tip")
    other = cation * values[f"{receptor}_efficacy_cation"] + (1 - cation) * 0.5
    return tip * values[f"{receptor}_efficacy_tip"] + (1 - tip) * other


def occupancy(log10_concentration: np.ndarray, pki: np.ndarray, hill: float) -> np.ndarray:
    """Receptor occupancy (Hill):  1 / (1 + 10^(hill * (-pKi - log10 C)))."""
    exponent = np.clip(hill * (-pki - log10_concentration), -30, 30)
    return 1.0 / (1.0 + 10.0 ** exponent)


def persistence_days(features: pd.DataFrame, values: Values) -> np.ndarray:
    """Soil half-life (DT50, days).

        log10 DT50 = soil_log10_dt50_base + soil_logp_slope * clip(logP, -2, 6)
                     + soil_aromatic_ring_slope * aromatic_rings
                     + soil_aryl_halogen_slope * aryl_halogens
                     + soil_nitroguanidine_extra * [nitroguanidine]
                     + soil_cyanoimine_extra * [cyanoimine]
                     + soil_ester_extra * [ester] + soil_sp3_slope * fraction_sp3
    """
    log_dt50 = (values["soil_log10_dt50_base"]
                + values["soil_logp_slope"] * np.clip(features["logp"].to_numpy(), -2, 6)
                + values["soil_aromatic_ring_slope"] * features["aromatic_rings"].to_numpy()
                + values["soil_aryl_halogen_slope"] * np.minimum(features["aryl_halogens"].to_numpy(), 4)
                + values["soil_nitroguanidine_extra"] * _flag(features, "nitroguanidine")
                + values["soil_cyanoimine_extra"] * _flag(features, "cyanoimine")
                + values["soil_ester_extra"] * _flag(features, "ester")
                + values["soil_sp3_slope"] * features["fraction_sp3"].to_numpy())
    return 10.0 ** log_dt50
