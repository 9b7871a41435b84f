"""The exploration plot saved beside a report: what the learner measured, and what they chose."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = [  # (label, colour): first matching pharmacophore wins
    ("nitroguanidine", "#d62728"), ("nitromethylene", "#ff7f0e"), ("cyanoimine", "#2ca02c"),
    ("basic_amine", "#1f77b4"), ("permanent_cation", "#9467bd"), ("none of these", "#7f7f7f")]


def pharmacophore_class(frame: pd.DataFrame) -> np.ndarray:
    labels = np.full(len(frame), "none of these", dtype=object)
    for label, _ in reversed(CLASSES[:-1]):
        if label in frame:
            labels[frame[label].fillna(False).astype(bool).to_numpy()] = label
    return labels


def exploration_plot(measured: pd.DataFrame, designs: pd.DataFrame, path: Path,
                     title: str = "Exploration") -> Path:
    """Selectivity score against logP, one dot per measured molecule, coloured by
    pharmacophore; final designs as black-edged stars."""
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 5), dpi=110)
    valid = measured.loc[measured["valid"].astype(bool)] if len(measured) else measured
    if len(valid):
        labels = pharmacophore_class(valid)
        for label, colour in CLASSES:
            mask = labels == label
            if mask.any():
                axes.scatter(valid["logp"][mask], valid["selectivity_score"][mask], s=12, alpha=0.6,
                             color=colour, label=f"{label} ({mask.sum()})")
    if len(designs):
        axes.scatter(designs["logp"], designs["graded_score"], marker="*", s=220,
                     color="gold", edgecolor="black", zorder=5, label="final designs")
    axes.set_xlabel("logP (Crippen)")
    axes.set_ylabel("selectivity score")
    axes.set_ylim(-0.03, 1.03)
    axes.set_title(f"{title}: {len(valid)} molecules measured")
    axes.legend(fontsize=8, loc="upper left", frameon=False)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
