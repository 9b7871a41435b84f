"""The built-in catalog. Each module named here exposes ``BUILDER`` (a TableSpec for the
real datasets; labs bring their own), meeting the registry's Builder protocol; a
"module:NAME" entry names another attribute (a later version in the same module). Modules
are imported only to build, so listing and loading challenges stays quick."""

from __future__ import annotations

import importlib

BUILTIN: dict[str, str] = {
    "flight-delays-v1": "tiltyard.challenges.catalog.flights",
    "house-prices-v1": "tiltyard.challenges.catalog.houses",
    "house-prices-v2": "tiltyard.challenges.catalog.houses:BUILDER_V2",
    "credit-risk-v1": "tiltyard.challenges.catalog.credit",
    "caravan-insurance-v1": "tiltyard.challenges.catalog.caravan",
    "titanic-v1": "tiltyard.challenges.catalog.titanic",
    "insecticide-design-v1": "tiltyard.labs.insecticide.bundle",
}


def builder(challenge_id: str):
    """The builder of a built-in challenge (KeyError if there is none)."""
    module, _, name = BUILTIN[challenge_id].partition(":")
    return getattr(importlib.import_module(module), name or "BUILDER")
