"""The built-in catalog: each module describes one real dataset as a TableSpec."""

from tiltyard.challenges.catalog import caravan, credit, flights, houses, titanic
from tiltyard.challenges.catalog.table import TableSpec

BUILTIN: dict[str, TableSpec] = {spec.id: spec for spec in [
    flights.SPEC, houses.SPEC, credit.SPEC, caravan.SPEC, titanic.SPEC]}

__all__ = ["BUILTIN", "TableSpec"]
