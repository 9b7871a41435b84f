"""The cleaning credit: how much of the gap between the naive rung (the best baseline on the
messy files) and the clean oracle (the same model on the clean data) a submission closed, on
the private rows, ``(learner − naive) / (oracle − naive)``, capped at 1.

It is a private figure (it orders submissions by their private score), so its report section
is shown only where private scores are; and it is not given at all when the gap it divides by
is within the noise of a public score, where it would be a ratio of noise."""

from __future__ import annotations

from tiltyard.core import ReportSection

CLEANING = "cleaning.json"  # sealed: the rung, the public noise, naive and oracle scores


def cleaning_credit(learner: float, naive: float, oracle: float, noise: float) -> float | None:
    gap = oracle - naive
    if abs(gap) <= noise or gap == 0:
        return None
    return min(1.0, (learner - naive) / gap)


def cleaning_section(cleaning: dict, learner_private: float) -> ReportSection:
    naive, oracle = cleaning["naive"]["private"], cleaning["oracle"]["private"]
    credit = cleaning_credit(learner_private, naive, oracle, cleaning["public_noise"])
    return ReportSection(kind="table", name="cleaning", title="Cleaning credit (private rows)",
                         private=True, data={"credit": credit, "rung": cleaning["rung"],
                                             "gap_within_noise": credit is None})


def cleaning_line(data: dict) -> str:
    if data["credit"] is None:
        return ("Cleaning credit: not given (the messy and the clean model differ by less than a "
                "public score's noise)")
    share = data["credit"]
    verdict = ("you closed the whole gap" if share >= 1 else
               "worse than training on the messy files as they are" if share < 0 else
               f"you closed {share:.0%} of the gap")
    return (f"Cleaning credit: {share:.2f} — {verdict} between the {data['rung']} rung on the "
            "messy files (0) and on the clean data (1)")
