"""Charts saved beside the coach report, where a picture says it faster than numbers.

Matplotlib with the Agg backend: no display needed, same PNG on a laptop and a server.
Every function returns the path it wrote, or None when the run keeps no folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 7.0, 4.0


class Charts:
    def __init__(self, folder: Path | None):
        self.folder = folder

    def _figure(self):
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        return plt, *plt.subplots(figsize=(WIDTH, HEIGHT), layout="constrained")

    def _save(self, plt, fig, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def bars(self, name: str, labels: list[str], values: list[float], *, title: str,
             xlabel: str, highlight: list[int] = (), line: float | None = None,
             line_label: str = "") -> Path | None:
        """Horizontal bars, one per label; ``highlight`` marks the bars the finding is about."""
        if self.folder is None:
            return None
        plt, fig, ax = self._figure()
        colours = ["#c0392b" if i in highlight else "#7f8c8d" for i in range(len(values))]
        positions = np.arange(len(values))
        ax.barh(positions, values, color=colours)
        ax.set_yticks(positions, labels=[str(label)[:40] for label in labels])
        ax.invert_yaxis()
        if line is not None:
            ax.axvline(line, color="#2c3e50", linestyle="--", label=line_label)
            ax.legend(loc="lower right")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        return self._save(plt, fig, name)

    def curve(self, name: str, values: list[float], *, title: str, ylabel: str,
              xlabel: str = "epoch", band: float | None = None, log_y: bool = False) -> Path | None:
        if self.folder is None:
            return None
        plt, fig, ax = self._figure()
        steps = np.arange(1, len(values) + 1)
        ax.plot(steps, values, marker="o" if len(values) <= 40 else None, color="#2c3e50")
        if band is not None:
            best = np.maximum.accumulate(values) if values[-1] >= values[0] else np.minimum.accumulate(values)
            ax.fill_between(steps, best - band, best + band, color="#f39c12", alpha=0.3,
                            label="±1 standard error of the public score")
            ax.legend(loc="lower right")
        if log_y and np.all(np.asarray(values) > 0):
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return self._save(plt, fig, name)

    def learning_curve(self, name: str, rows: list[int], train: list[float], validation: list[float],
                       *, title: str, ylabel: str, reference: float | None = None,
                       reference_label: str = "") -> Path | None:
        """Training and validation scores against training rows (log scale)."""
        if self.folder is None:
            return None
        plt, fig, ax = self._figure()
        ax.plot(rows, train, marker="o", color="#c0392b", label="training rows")
        ax.plot(rows, validation, marker="o", color="#2c3e50", label="validation rows")
        if reference is not None:
            ax.axhline(reference, color="#7f8c8d", linestyle="--", label=reference_label)
        ax.set_xscale("log")
        ax.set_xlabel("training rows")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="best")
        return self._save(plt, fig, name)

    def reliability(self, name: str, predicted: np.ndarray, observed: np.ndarray,
                    *, title: str) -> Path | None:
        if self.folder is None:
            return None
        plt, fig, ax = self._figure()
        ax.plot([0, 1], [0, 1], linestyle="--", color="#7f8c8d", label="perfectly calibrated")
        ax.plot(predicted, observed, marker="o", color="#c0392b", label="your model")
        ax.set_xlabel("predicted probability (bin average)")
        ax.set_ylabel("observed frequency")
        ax.set_title(title)
        ax.legend(loc="upper left")
        return self._save(plt, fig, name)
