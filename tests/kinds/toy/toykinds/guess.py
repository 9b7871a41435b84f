"""A second, toy lab simulator (registered in ``tiltyard.lab_simulators``): guess a sealed
number. A design is an integer; a query returns how far it is from the secret; final designs
score minus their best distance. Needs no edit of the lab kind's own package."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tiltyard.challenges.bundle import Bundle
from tiltyard.core import Grade, ReportSection, SubmissionFormat
from tiltyard.errors import SubmissionError
from tiltyard.kinds.lab.core import Part, read_designs
from tiltyard.metrics import Metric


def _by_the_simulator(y_true, y_pred) -> float:
    raise SubmissionError("scored by the guess simulator", code="not_arrays")


class GuessSimulator:
    key_column = "design"
    metric = Metric("closeness", "Closeness", "maximize", "values", ("lab",), _by_the_simulator)
    design_format = SubmissionFormat((".txt",), "guesses (.txt, one integer per line)",
                                     "Hand in your guesses as a .txt file, one integer per line")
    summary_columns = ["design", "distance"]

    def __init__(self, secret: int):
        self.secret = secret

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> GuessSimulator:
        return cls(json.loads(bundle.sealed_file("secret.json").read_text())["secret"])

    def run(self, designs: Sequence[str]) -> pd.DataFrame:
        rows = []
        for text in designs:
            valid = text.lstrip("-").isdigit()
            rows.append({"design": text if valid else None, "valid": valid,
                         "error": None if valid else f"{text!r} is not an integer",
                         "distance": abs(int(text) - self.secret) if valid else None})
        return pd.DataFrame(rows)

    def parts(self) -> dict[str, Part]:
        return {"distance": Part("distance", "How far a guess is from the secret", "d = |g - s|",
                                 pd.DataFrame(), "abs(guess - secret)",
                                 lambda designs: pd.DataFrame({"design": list(designs)}))}

    def grade_file(self, path: Path, *, max_bytes: int | None = None) -> Grade:
        started = time.perf_counter()
        table = self.run(read_designs(path))
        if not table["valid"].all():
            raise SubmissionError("A guess is not an integer", expected="one integer per line",
                                  got=str(table.loc[~table["valid"], "error"].iloc[0]), code="invalid_design")
        best = -float(table["distance"].min())
        section = ReportSection(kind="lab", name="designs", title="Your guesses",
                                data={"key_columns": ["design", "distance"],
                                      "rows": table.to_dict("records")})
        return Grade({"closeness": best}, {"closeness": best}, sections=[section],
                     score_s=time.perf_counter() - started, evidence=table)

    def exploration_plot(self, measured: pd.DataFrame, designs: pd.DataFrame, path: Path,
                         title: str) -> Path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(4, 3))
        axes.plot(pd.to_numeric(designs["design"]), designs["distance"], "k*")
        axes.set_title(title)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path)
        plt.close(figure)
        return path


SIMULATOR = GuessSimulator
