"""Many-to-many benchmarks: a spec of swappable components × challenges, each cell a durable
job graded like a submission, and the statistics that say whether a component helps.

``plan(load_spec("grid.toml"))`` lists the cells; ``run_plan`` runs what is not done yet;
``tiltyard.grid.analysis`` turns the results into boards, effects and costs."""

from tiltyard.grid.spec import CellBudget, ChallengeSelection, Component, GridError, GridSpec, load_spec

__all__ = ["CellBudget", "ChallengeSelection", "Component", "GridError", "GridSpec", "load_spec"]
