"""A recipe: the ``[[corrupt]]`` tables of ``author.toml``, checked against the table's columns
and task before anything is touched. Every refusal names the step, what was expected, what
came and what to do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tiltyard.challenges.manifest import ColumnType, Task
from tiltyard.errors import did_you_mean
from tiltyard.kinds.table.corruption.operator import Operator, RecipeError, Schema
from tiltyard.kinds.table.corruption.registry import OPERATORS


@dataclass(frozen=True)
class Recipe:
    steps: tuple[Operator, ...]
    schema: Schema

    @property
    def task(self) -> Task:
        return self.schema.task

    def disclosed(self) -> list[str]:
        """One sentence per step the brief tells about, in recipe order."""
        return [step.describe() for step in self.steps if step.disclosed]

    def as_tables(self) -> list[dict[str, Any]]:
        """The steps as ``[[corrupt]]`` tables again (defaults left out)."""
        return [{"op": step.op, **step.model_dump(exclude_defaults=True)} for step in self.steps]


def _where(number: int, op: str | None = None) -> str:
    return f"[[corrupt]] step {number}" + (f" ({op})" if op else "")


def _operator_class(raw: Any, number: int) -> type[Operator]:
    if not isinstance(raw, Mapping):
        raise RecipeError(f"{_where(number)} is not a table", expected='a table such as '
                          '{op = "missing", columns = ["age"], fraction = 0.1}', got=repr(raw)[:80],
                          hint="Write each step as a [[corrupt]] table in author.toml")
    op = raw.get("op")
    if not isinstance(op, str):
        raise RecipeError(f"{_where(number)} names no operator", expected="op = one of " + ", ".join(sorted(OPERATORS)),
                          got="no op" if op is None else repr(op), hint='Add op = "missing" (or another operator)')
    if op not in OPERATORS:
        raise RecipeError(f"{_where(number)} names an unknown operator",
                          expected="one of " + ", ".join(sorted(OPERATORS)),
                          got=repr(op), hint=did_you_mean(op, OPERATORS) or "Pick one of the operators listed")
    return OPERATORS[op]


def _translate(error: ValidationError, cls: type[Operator], number: int) -> RecipeError:
    """The first problem pydantic found, said in the recipe's own words."""
    first = error.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else "?"
    where = _where(number, cls.op)
    fields = cls.model_fields
    described = fields[name].description if name in fields and fields[name].description else None
    kind, value = first["type"], first.get("input")
    if kind == "extra_forbidden":
        return RecipeError(f"{where} has no parameter {name!r}",
                           expected="one of " + ", ".join(fields), got=name,
                           hint=did_you_mean(name, fields) or "Remove it, or check the operator's parameters")
    if kind == "missing":
        return RecipeError(f"{where} needs {name}", expected=f"{name} = {described or 'a value'}",
                           got="nothing", hint=f"Add {name} to the step")
    if name == "fraction" and kind in ("less_than_equal", "greater_than_equal"):
        return RecipeError(f"{where}: fraction outside [0, 1]", expected="a fraction between 0 and 1",
                           got=repr(value), hint="Write the share of cells to corrupt, e.g. 0.1 for 10%")
    expected = described or first["msg"].removeprefix("Input should be ")
    hint = f"Fix {name} in the step"
    if kind == "literal_error":
        expected = f"{name} to be {first['ctx']['expected']}"
        options = [o.strip(" '") for o in str(first["ctx"]["expected"]).replace(" or ", ",").split(",")]
        hint = did_you_mean(str(value), options) or hint
    return RecipeError(f"{where}: {name} is not valid ({first['msg']})", expected=expected,
                       got=f"{value!r} ({type(value).__name__})", hint=hint)


def _check_columns(step: Operator, schema: Schema, number: int, known: Mapping[str, ColumnType]) -> None:
    where = _where(number, step.op)
    low, high = step.column_count
    count = len(step.columns)
    if count < low or (high is not None and count > high):
        wanted = f"exactly {low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
        raise RecipeError(f"{where} takes {wanted} column(s)", expected=f"columns = [...] with {wanted} name(s)",
                          got=f"{count}: {step.columns}", hint="List the columns this step corrupts")
    for column in step.columns:
        if column not in known:
            raise RecipeError(f"{where} names an unknown column", expected="one of " + ", ".join(known),
                              got=repr(column), hint=did_you_mean(column, known) or "Check the column names")
        if column == schema.id_column:
            raise RecipeError(f"{where} would corrupt the id column", expected="a feature column",
                              got=repr(column), hint="Ids identify the rows to grade; corrupt a feature instead")
        if column == schema.target and not step.touches_target:
            raise RecipeError(f"{where} would corrupt the target", expected="a feature column", got=repr(column),
                              hint="Labels are the answers; use label_noise for noisy training labels")
        if known[column] not in step.accepts:
            raise RecipeError(f"{where} cannot corrupt a {known[column]} column",
                              expected=f"a column of type {' or '.join(step.accepts)}",
                              got=f"{column!r}, declared {known[column]}",
                              hint="Pick another column, or correct its type under [columns]")


def _check_splits(step: Operator, number: int) -> None:
    refused = [s for s in step.touched_splits if s not in step.allowed_splits]
    if refused:
        raise RecipeError(f"{_where(number, step.op)} cannot touch the {' and '.join(refused)} split",
                          expected=f"splits = {list(step.allowed_splits)}", got=f"splits = {step.splits}",
                          hint=f"{step.op} corrupts only the {' and '.join(step.allowed_splits)} data")


def parse_step(raw: Any, number: int, schema: Schema, known: Mapping[str, ColumnType]) -> Operator:
    cls = _operator_class(raw, number)
    params = {k: v for k, v in raw.items() if k != "op"}
    for listed in ("columns", "splits"):  # one name may be written without brackets
        if isinstance(params.get(listed), str):
            params[listed] = [params[listed]]
    try:
        step = cls.model_validate(params)
    except ValidationError as error:
        raise _translate(error, cls, number) from None
    _check_columns(step, schema, number, known)
    _check_splits(step, number)
    try:
        step.check(Schema(known, schema.task))
    except RecipeError as error:
        raise RecipeError(f"{_where(number, step.op)}: {error.message.removeprefix(f'[[corrupt]] {step.op}: ')}",
                          expected=error.expected, got=error.got, hint=error.hint) from None
    return step


def parse_recipe(steps: list[dict[str, Any]], columns: Mapping[str, ColumnType], task: Task) -> Recipe:
    """Check every step against the declared column types and the task; a step may use the
    columns an earlier step added (a leakage column)."""
    known: dict[str, ColumnType] = dict(columns)
    known.setdefault(task.id_column, "id")
    if task.target not in known:
        raise RecipeError("The recipe's columns do not include the target",
                          expected=f"a column named {task.target!r}", got=", ".join(known) or "no columns",
                          hint="Pass every column of the table, the target included")
    schema = Schema(dict(known), task)
    parsed = []
    for number, raw in enumerate(steps, start=1):
        step = parse_step(raw, number, schema, known)
        known.update(step.added_columns())
        parsed.append(step)
    return Recipe(tuple(parsed), schema)
