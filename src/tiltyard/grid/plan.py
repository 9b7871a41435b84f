"""From a spec to its cells: combinations (slots and exclusions applied) × challenges × outer
splits × seeds, each with the key that makes it a durable job. Every problem of the spec is
found here, before any cell runs."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from dataclasses import dataclass, field
from typing import Any

from tiltyard.challenges.registry import builtin_builder, builtin_ids, get_bundle, known_ids, tags_of
from tiltyard.errors import did_you_mean
from tiltyard.grid import components
from tiltyard.grid.spec import GridError, GridSpec

TABLE_KIND = "table"  # cells fit build_model() on a table: the only kind the grid runs
TRAIN_FILE = "public/train.csv"
OUTER_FOLDS = 3
# TabArena's repeats of the 3-fold outer split, by training rows.
SMALL_ROWS, LARGE_ROWS = 2_500, 250_000
# Rungs of the ladder run beside the grid on every split: the 0 and 1 of the normalised score,
# and the boosted-trees rung's CPU time is what a cell's cost is compared with.
CONSTANT_RUNG, BOOSTED_RUNG = "constant", "boosted-trees"
REFERENCE_RUNGS = (CONSTANT_RUNG, BOOSTED_RUNG)
# Under these, not even the interpreter and the libraries load inside the sandbox.
MIN_CELL_SECONDS = 5.0
MIN_CELL_MEMORY_MB = 256
CELL_JOB = "tiltyard.grid.cell:run_cell_job"


@dataclass(frozen=True)
class Combination:
    choices: tuple[tuple[str, str | None], ...]  # (axis, entry); None: the axis collapsed here

    @property
    def label(self) -> str:
        return " · ".join(name for _axis, name in self.choices if name is not None)

    def get(self, axis: str) -> str | None:
        return dict(self.choices).get(axis)


@dataclass(frozen=True)
class Split:
    repeat: int
    fold: int
    folds: int = OUTER_FOLDS

    @property
    def index(self) -> int:
        return self.repeat * self.folds + self.fold


@dataclass(frozen=True)
class ChallengeInfo:
    id: str
    bundle_hash: str
    data_hash: str
    rows: int
    task_type: str
    metric: str


@dataclass(frozen=True)
class Cell:
    key: str
    challenge: str
    split: Split
    seed: int
    combination: Combination | None  # None for a ladder rung
    rung: str | None
    payload: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.combination.label if self.combination is not None else f"ladder: {self.rung}"


@dataclass
class Plan:
    spec: GridSpec
    combinations: list[Combination]
    challenges: list[ChallengeInfo]
    cells: list[Cell]  # grid cells first, then the ladder rungs

    @property
    def grid_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.rung is None]

    @property
    def keys(self) -> list[str]:
        return [cell.key for cell in self.cells]

    def cpu_hours(self) -> float:
        """The most the cells can use, from the budget."""
        return len(self.cells) * self.spec.budget.cpu_seconds / 3600


def repeats_for(rows: int) -> int:
    return 10 if rows < SMALL_ROWS else 3 if rows <= LARGE_ROWS else 1


def splits_for(protocol: str, rows: int) -> list[Split]:
    if protocol == "lite":
        return [Split(0, 0)]
    return [Split(repeat, fold) for repeat in range(repeats_for(rows)) for fold in range(OUTER_FOLDS)]


def plan(spec: GridSpec, *, predictions_dir: str = "") -> Plan:
    """Check the spec and list its cells; GridError (what, expected, what to do) if it is wrong."""
    check_budget(spec)
    steps, fillers = _structure(spec)
    sources = components.user_module_sources(spec.root, [c.factory for axis in spec.axes.values()
                                                         for c in axis.values()])
    components.register_user_modules(sources)
    receivers = _check_components(spec, steps, fillers)
    combinations = _combinations(spec, steps, fillers, receivers)
    challenges = select_challenges(spec)
    prints = {(axis, name): components.fingerprint(component, sources)
              for axis, entries in spec.axes.items() for name, component in entries.items()}
    cells = []
    for challenge in challenges:
        for split in splits_for(spec.protocol, challenge.rows):
            base = {"challenge": challenge.id, "bundle_hash": challenge.bundle_hash, "split": split.__dict__,
                    "encode": spec.encode, "budget": spec.budget.model_dump(), "predictions_dir": predictions_dir}
            for seed in spec.seeds:
                for combination in combinations:
                    recipe = _recipe(spec, combination, steps, fillers)
                    identity = {"components": [[role, prints[(axis, name)]] for role, axis, name in
                                               _roles(combination, steps, fillers)], "seed": seed}
                    cells.append(_cell(challenge, split, seed, combination, None,
                                       {**base, **recipe, "seed": seed, "modules": sources}, identity))
            for rung in REFERENCE_RUNGS:
                cells.append(_cell(challenge, split, 0, None, rung, {**base, "rung": rung, "seed": 0}, {"rung": rung}))
    return Plan(spec, combinations, challenges, cells)


def _cell(challenge: ChallengeInfo, split: Split, seed: int, combination: Combination | None, rung: str | None,
          payload: dict, identity: dict) -> Cell:
    from tiltyard import __version__

    determined_by = {**identity, "challenge": challenge.id, "bundle": challenge.bundle_hash,
                     "data": challenge.data_hash, "split": split.__dict__, "encode": payload["encode"],
                     "budget": payload["budget"], "tiltyard": __version__}
    digest = hashlib.sha256(json.dumps(determined_by, sort_keys=True, default=str).encode()).hexdigest()
    key = f"grid:{digest}"
    budget = payload["budget"]
    resources = {"num_cpus": budget["threads"], "memory": budget["memory_mb"] << 20}
    return Cell(key, challenge.id, split, seed, combination, rung, {**payload, "key": key, "resources": resources})


def check_budget(spec: GridSpec) -> None:
    budget = spec.budget
    for name in ("wall_seconds", "cpu_seconds"):
        if getattr(budget, name) < MIN_CELL_SECONDS:
            raise GridError(f"budget.{name} cannot fit one cell", expected=f"at least {MIN_CELL_SECONDS:g} s (the "
                            "interpreter, pandas and scikit-learn start inside the sandbox first)",
                            got=f"{getattr(budget, name):g}", hint=f"raise budget.{name}")
    if budget.memory_mb < MIN_CELL_MEMORY_MB:
        raise GridError("budget.memory_mb cannot fit one cell", expected=f"at least {MIN_CELL_MEMORY_MB} MB",
                        got=str(budget.memory_mb), hint="raise budget.memory_mb")
    cpus = os.cpu_count() or 1
    if budget.threads > cpus:
        raise GridError("budget.threads cannot fit one cell on this machine", expected=f"at most {cpus} (its CPUs)",
                        got=str(budget.threads), hint="lower budget.threads, or run on a Ray cluster with "
                        "bigger nodes (--executor ray)")


def check_fits_nodes(spec: GridSpec, nodes: list[dict[str, float]]) -> None:
    """A Ray cluster must have a node with the CPUs and memory one cell asks for."""
    budget = spec.budget
    need_memory = budget.memory_mb << 20
    if not any(node.get("CPU", 0) >= budget.threads and node.get("memory", need_memory) >= need_memory
               for node in nodes):
        largest = max(nodes, key=lambda node: node.get("CPU", 0), default={})
        raise GridError("No node of the Ray cluster can hold one cell", expected=f"a node with {budget.threads} "
                        f"CPU(s) and {budget.memory_mb} MB", got=f"at most {largest.get('CPU', 0):g} CPU(s), "
                        f"{largest.get('memory', 0) / 2**20:.0f} MB", hint="lower the budget or add bigger nodes")


def _structure(spec: GridSpec) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """The pipeline's axes in order, and {filler axis: (receiving axis, parameter)}."""
    axes = list(spec.axes)
    fillers: dict[str, tuple[str, str]] = {}
    for axis, target in spec.slots.items():
        _known_axis(axis, axes, "slots")
        receiver, dot, parameter = target.partition(".")
        if not dot or not parameter:
            raise GridError(f"slots.{axis} = {target!r} names no parameter", expected="'AXIS.PARAMETER', e.g. "
                            "'model.optimizer'", got=repr(target),
                            hint="write the receiving axis, a dot, the parameter")
        _known_axis(receiver, axes, f"slots.{axis}")
        if receiver == axis:
            raise GridError(f"slots.{axis} feeds the axis into itself", expected="another axis", got=target)
        fillers[axis] = (receiver, parameter)
    steps = spec.compose if spec.compose is not None else [axis for axis in axes if axis not in fillers]
    for axis in steps:
        _known_axis(axis, axes, "compose")
        if axis in fillers:
            raise GridError(f"The axis {axis!r} is both a pipeline step and a slot filler",
                            expected="each axis in compose or in slots, not both", got=axis,
                            hint=f"remove {axis!r} from compose or from slots")
    if not steps:
        raise GridError("The grid has no pipeline step", expected="at least one axis in compose", got="none")
    unused = [axis for axis in axes if axis not in steps and axis not in fillers]
    if unused:
        raise GridError(f"The axis {unused[0]!r} is used nowhere", expected="every axis in compose or in slots",
                        got=", ".join(unused), hint=f"add it to compose, or connect it with slots.{unused[0]}")
    _no_cycle(fillers, steps)
    return steps, fillers


def _no_cycle(fillers: dict[str, tuple[str, str]], steps: list[str]) -> None:
    for axis in fillers:
        seen = [axis]
        while seen[-1] in fillers:
            seen.append(fillers[seen[-1]][0])
            if seen[-1] in seen[:-1]:
                raise GridError("The slots form a loop", expected="each filler feeding, in the end, a pipeline step",
                                got=" -> ".join(seen))


def _known_axis(axis: str, axes: list[str], where: str) -> None:
    if axis not in axes:
        raise GridError(f"{where} names an unknown axis {axis!r}", expected="one of " + ", ".join(axes), got=axis,
                        hint=did_you_mean(axis, axes) or "declare it as [axes.NAME]")


def _check_components(spec: GridSpec, steps: list[str],
                      fillers: dict[str, tuple[str, str]]) -> dict[tuple[str, str, str], bool]:
    """Build every entry once; return which receiving entries take which filler's parameter."""
    receives: dict[tuple[str, str, str], bool] = {}
    for axis, entries in spec.axes.items():
        if not entries:
            raise GridError(f"[axes.{axis}] has no entries", expected="NAME = { factory = 'module:callable' }",
                            got="an empty table", hint=f"add an entry or remove axis {axis!r}")
        for name, component in entries.items():
            where = f"axes.{axis}.{name}"
            slot_params = [(filler, parameter) for filler, (receiver, parameter) in fillers.items() if receiver == axis]
            factory = None if component.factory == components.PASSTHROUGH else \
                components.resolve_factory(component.factory, where=where)
            for filler, parameter in slot_params:
                receives[(axis, name, filler)] = factory is not None and components.accepts(factory, parameter)
            built = components.build(component, where=where, max_trials=spec.budget.max_trials)
            # A filler (an optimizer, a kernel) need not be an estimator, only buildable.
            if axis in steps:
                components.check_estimator_like(built, where=where, final=axis == steps[-1])
    for filler, (receiver, parameter) in fillers.items():
        if not any(receives.get((receiver, name, filler)) for name in spec.axes[receiver]):
            taken = {name for c in spec.axes[receiver].values() if c.factory != components.PASSTHROUGH
                     for name in components.keyword_parameters(components.resolve_factory(c.factory, where=receiver))}
            raise GridError(f"slots.{filler}: no component of axis {receiver!r} takes a parameter {parameter!r}",
                            expected=f"at least one factory of [axes.{receiver}] with a {parameter} parameter",
                            got=", ".join(c.factory for c in spec.axes[receiver].values()),
                            hint=did_you_mean(parameter, taken)
                            or "check the parameter's name in the factories' signatures")
    return receives


def _combinations(spec: GridSpec, steps: list[str], fillers: dict[str, tuple[str, str]],
                  receives: dict[tuple[str, str, str], bool]) -> list[Combination]:
    _check_exclusions(spec)
    partial = [dict(zip(steps, names)) for names in itertools.product(*(list(spec.axes[a]) for a in steps))]
    pending = list(fillers)
    while pending:  # fillers of steps first, then fillers of fillers
        ready = [f for f in pending if fillers[f][0] not in pending]
        for filler in ready:
            receiver = fillers[filler][0]
            grown = []
            for choice in partial:
                taken = choice.get(receiver) is not None and receives.get((receiver, choice[receiver], filler), False)
                grown += ([{**choice, filler: name} for name in spec.axes[filler]] if taken
                          else [{**choice, filler: None}])
            partial = grown
            pending.remove(filler)
    order = list(spec.axes)
    kept = [Combination(tuple((axis, choice[axis]) for axis in order)) for choice in partial
            if not any(_excluded(choice, rule) for rule in spec.exclude)]
    if not kept:
        raise GridError("The grid is empty after its exclusions", expected="at least one combination left",
                        got=f"{len(partial)} combination(s), every one excluded",
                        hint="loosen the [[exclude]] rules or add entries to the axes")
    return kept


def _check_exclusions(spec: GridSpec) -> None:
    for rule in spec.exclude:
        for axis, names in rule.items():
            _known_axis(axis, list(spec.axes), "exclude")
            for name in [names] if isinstance(names, str) else names:
                if name not in spec.axes[axis]:
                    raise GridError(f"exclude names an unknown entry {name!r} of axis {axis!r}",
                                    expected="one of " + ", ".join(spec.axes[axis]), got=name,
                                    hint=did_you_mean(name, spec.axes[axis]) or f"see [axes.{axis}]")


def _excluded(choice: dict[str, str | None], rule: dict[str, str | list[str]]) -> bool:
    return all(choice.get(axis) in ([names] if isinstance(names, str) else names) for axis, names in rule.items())


def _roles(combination: Combination, steps: list[str], fillers: dict[str, tuple[str, str]]):
    """(role, axis, entry) of what a combination uses: a step's position, or a filler's slot."""
    for position, axis in enumerate(steps):
        yield f"step{position}{'-final' if position == len(steps) - 1 else ''}", axis, combination.get(axis)
    for axis, (receiver, parameter) in fillers.items():
        if combination.get(axis) is not None:
            yield f"{receiver}.{parameter}", axis, combination.get(axis)


def _recipe(spec: GridSpec, combination: Combination, steps: list[str],
            fillers: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """What the cell needs to build its estimator (JSON-ready)."""
    def entry(axis: str) -> dict:
        return spec.axes[axis][combination.get(axis)].model_dump()

    return {"steps": [{"axis": axis, "component": entry(axis)} for axis in steps],
            "fillers": [{"axis": axis, "into": receiver, "parameter": parameter, "component": entry(axis)}
                        for axis, (receiver, parameter) in fillers.items() if combination.get(axis) is not None],
            "max_trials": spec.budget.max_trials}


def select_challenges(spec: GridSpec) -> list[ChallengeInfo]:
    wanted = spec.challenges
    if wanted.kind != TABLE_KIND:
        raise GridError(f"The grid cannot run {wanted.kind!r} challenges", expected=f"kind = {TABLE_KIND!r} (a cell "
                        "fits build_model() on a table)", got=repr(wanted.kind), hint="set challenges.kind = 'table'")
    if wanted.ids:
        for challenge_id in wanted.ids:
            if challenge_id not in known_ids():
                get_bundle(challenge_id)  # raises ChallengeNotFound with a "did you mean"
        candidates = list(dict.fromkeys(wanted.ids))
    else:
        built_in = set(builtin_ids())
        candidates = [i for i in known_ids() if i not in built_in or builtin_builder(i).kind == TABLE_KIND]
    # Tags are known without building a challenge: filter on them first.
    candidates = [i for i in candidates if set(wanted.tags) <= set(tags_of(i))]
    chosen = []
    for challenge_id in candidates:
        manifest = get_bundle(challenge_id).manifest
        if manifest.kind != TABLE_KIND:
            if wanted.ids:
                raise GridError(f"{challenge_id} is a {manifest.kind} challenge", expected="table challenges only",
                                got=manifest.kind, hint=f"remove {challenge_id} from challenges.ids")
            continue
        rows = manifest.split.train_rows if manifest.split else 0
        if (wanted.min_rows and rows < wanted.min_rows) or (wanted.max_rows and rows > wanted.max_rows):
            continue
        bundle = get_bundle(challenge_id)
        chosen.append(ChallengeInfo(challenge_id, bundle.hash, manifest.file(TRAIN_FILE).sha256, rows,
                                    manifest.task.type, manifest.metric.primary))
    if not chosen:
        raise GridError("No challenge matches the spec's [challenges]", expected="at least one table challenge",
                        got=f"ids={wanted.ids}, tags={wanted.tags}, rows {wanted.min_rows}..{wanted.max_rows}",
                        hint="list them with `tiltyard challenges` (tags with `tiltyard challenges --tag grid`)")
    return chosen

