"""Corruption operators: make a clean table realistically messy, on purpose and on the record.

>>> recipe = parse_recipe(author_toml["corrupt"], columns={"age": "numeric", ...}, task=task)
>>> corrupted = apply_recipe(recipe, {"train": train, "test": test}, seed=7)
>>> write_public_files(corrupted, folder); write_log(corrupted.log, sealed / "corruption_log.parquet")

Every operator draws from its own child stream of the seed, every change is logged (undo the
log and the clean table comes back), and the same inputs write the same bytes.
"""

from tiltyard.kinds.table.corruption import operators  # noqa: F401 - registers the operators
from tiltyard.kinds.table.corruption.apply import (
    Corrupted,
    apply_recipe,
    public_frames,
    read_clean,
    read_log,
    undo,
    write_clean,
    write_log,
    write_public_files,
)
from tiltyard.kinds.table.corruption.edit import LOG_COLUMNS
from tiltyard.kinds.table.corruption.operator import Operator, RecipeError, Schema
from tiltyard.kinds.table.corruption.recipe import Recipe, parse_recipe
from tiltyard.kinds.table.corruption.registry import OPERATORS, reference

__all__ = ["LOG_COLUMNS", "OPERATORS", "Corrupted", "Operator", "Recipe", "RecipeError", "Schema",
           "apply_recipe", "parse_recipe", "public_frames", "read_clean", "read_log", "reference", "undo",
           "write_clean", "write_log", "write_public_files"]
