"""The operators by ``op`` name, as ``[[corrupt]]`` steps name them."""

from __future__ import annotations

from tiltyard.kinds.table.corruption.operator import Operator

OPERATORS: dict[str, type[Operator]] = {}


def register(cls: type[Operator]) -> type[Operator]:
    if cls.op in OPERATORS:
        raise ValueError(f"two corruption operators are named {cls.op!r}")
    OPERATORS[cls.op] = cls
    return cls
