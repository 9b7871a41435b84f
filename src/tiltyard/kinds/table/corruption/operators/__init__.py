"""The operators, one module per family; importing this package registers them all."""

from tiltyard.kinds.table.corruption.operators import (  # noqa: F401 - registration
    columns,
    dates,
    duplicates,
    encoding,
    labels,
    leakage,
    missing,
    numbers,
    pollution,
    shift,
    text,
)
