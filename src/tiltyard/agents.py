"""The agent kind's tools a learner calls by name: ``tiltyard.agents.from_table(frame, ...)``
turns their own DataFrame into a Gymnasium environment (see :mod:`tiltyard.kinds.agent.tables`).

A layer above the kinds, beside the catalog: the framework below never imports it."""

from tiltyard.kinds.agent.tables import TableEnv, TableMappingError, from_table

__all__ = ["TableEnv", "TableMappingError", "from_table"]
