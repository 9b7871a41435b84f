"""The operators by ``op`` name, as ``[[corrupt]]`` steps name them."""

from __future__ import annotations

from typing import Any

from tiltyard.kinds.table.corruption.operator import Operator

OPERATORS: dict[str, type[Operator]] = {}


def register(cls: type[Operator]) -> type[Operator]:
    if cls.op in OPERATORS:
        raise ValueError(f"two corruption operators are named {cls.op!r}")
    OPERATORS[cls.op] = cls
    return cls


def reference() -> list[dict[str, Any]]:
    """Every operator as an author needs it, sorted by name: what it does, the column types it
    corrupts, the splits it touches by default, the lesson it teaches and its parameters
    (each with its description, and its default unless it is required)."""
    entries = []
    for op, cls in sorted(OPERATORS.items()):
        parameters = []
        for name, field in cls.model_fields.items():
            required = field.is_required()
            parameters.append({"name": name, "description": field.description or "", "required": required,
                               "default": None if required else field.get_default(call_default_factory=True)})
        entries.append({"op": op, "summary": (cls.__doc__ or "").strip(), "columns": list(cls.accepts),
                        "splits": list(cls.default_splits), "lesson": cls.lesson, "parameters": parameters})
    return entries
