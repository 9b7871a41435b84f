"""How to read a result row: one page of the brief, its worked examples run by the simulator.

The examples are measured in the textbook world (every parameter at the centre of its prior)
when the bundle is built, so the page is the same for every instance, reveals nothing sealed,
and a teacher reproduces each row with ``tiltyard lab inspect ID score --run SMILES``. Its
headline claims (nicotine kills the mammal, not the aphid; imidacloprid kills the aphid and
the bee and persists too long in soil) are checked against the simulator by the tests.
"""

from __future__ import annotations

import pandas as pd

from tiltyard.kinds.lab.core import readable
from tiltyard.kinds.lab.insecticide.known import NEONICOTINOIDS, NICOTINE
from tiltyard.kinds.lab.insecticide.scoring import MAX_PERSISTENCE_DAYS
from tiltyard.kinds.lab.insecticide.simulation import World

EXAMPLES = {"nicotine": NICOTINE, "imidacloprid": NEONICOTINOIDS["imidacloprid"]}
KILLS = 0.5  # "kills" in the page means at least half of the individuals die
SPARES = 0.01  # "spares" means fewer than one in a hundred

COLUMNS = [
    ("aphid_mortality", "share of aphids killed at field exposure", "high"),
    ("bee_mortality", "share of foraging honeybees killed", "low"),
    ("mammal_mortality", "share of mammals (mouse, dog, farmer) killed", "low"),
    ("mammal_arrhythmia", "share of mammals whose heart loses its rhythm", "low"),
    ("persistence_days", "half-life in soil, in days", f"at most {MAX_PERSISTENCE_DAYS:g}"),
    ("selectivity_score", "aphid x (1 - bee) x (1 - mammal) x (1 - arrhythmia)", "high"),
    ("graded_score", "what the design counts: the selectivity, or 0 if a constraint is broken", "high"),
    ("constraint_broken", "which constraint, when one is", "empty"),
]


def example_rows(world: World) -> pd.DataFrame:
    """The worked examples' rows, indexed by name, as a query returns them."""
    return world.run(list(EXAMPLES.values())).set_index(pd.Index(list(EXAMPLES), name="name"))


def _share(value: float) -> str:
    return f"{value:.0%}" if value >= 0.01 else "almost none"


def _row_table(row: pd.Series) -> str:
    lines = ["| column | value | what it means | a good design |", "|---|---|---|---|"]
    for column, meaning, good in COLUMNS:
        value = row[column]
        shown = (value or "") if not isinstance(value, float) else readable(value)
        lines.append(f"| `{column}` | {shown} | {meaning} | {good} |")
    return "\n".join(lines)


def _product(row: pd.Series) -> str:
    """The score worked out, to four decimals (a product of "< 0.0001" would not read)."""
    return (f"{row.aphid_mortality:.4f} x (1 - {row.bee_mortality:.4f}) x "
            f"(1 - {row.mammal_mortality:.4f}) x (1 - {row.mammal_arrhythmia:.4f}) "
            f"= {row.selectivity_score:.4f}")


def reading_page(world: World, challenge_id: str) -> str:
    """The page, in markdown, with the numbers of ``world`` (the textbook world)."""
    rows = example_rows(world)
    nicotine, imidacloprid = rows.loc["nicotine"], rows.loc["imidacloprid"]
    return f"""## How to read a result row

A query gives one row per molecule. Read it as a field report: what the molecule did to each
species, how long it stays in the soil, and what it would count for if you handed it in.
`tiltyard lab query` shows these columns first; `tiltyard lab export` (or `--json`) has every
column, with every digit. A figure below 0.0001 is shown as "< 0.0001".

The two rows below were run by this lab's simulator in its *textbook world*, every parameter
at the centre of its prior: `tiltyard lab inspect {challenge_id} score --run "SMILES"` gives
them again, free. Your lab's own world was drawn from those priors and is sealed, so a query of
the same molecule (one experiment) returns a row near this one, not equal to it: the bee, for
one, may fare better or worse. That difference is what your experiments are for.

### Nicotine kills the mammal, not the aphid

`{EXAMPLES["nicotine"]}`

{_row_table(nicotine)}

- **The aphids live**: `aphid_mortality` is {readable(nicotine.aphid_mortality)}, and the bees
  are spared too ({readable(nicotine.bee_mortality)}).
- **The mammal dies**: `mammal_mortality` is {readable(nicotine.mammal_mortality)}
  ({_share(nicotine.mammal_mortality)} of them), and {_share(nicotine.mammal_arrhythmia)} have
  an arrhythmia.
- Its soil half-life ({readable(nicotine.persistence_days)} days) is within the limit, so its
  `graded_score` is its selectivity: {_product(nicotine)}. Nicotine is a poison, not an
  insecticide. Why? `tiltyard lab inspect {challenge_id} binding` shows which receptor its
  charged amine prefers.

### Imidacloprid kills the aphid and the bee, and persists too long in soil

`{EXAMPLES["imidacloprid"]}`

{_row_table(imidacloprid)}

- **The aphids die**: `aphid_mortality` is {readable(imidacloprid.aphid_mortality)}.
- **So do the bees**: `bee_mortality` is {readable(imidacloprid.bee_mortality)}; the mammal
  is spared ({readable(imidacloprid.mammal_mortality)}).
- Its selectivity is {_product(imidacloprid)}, but it **stays
  {readable(imidacloprid.persistence_days)} days in soil**, beyond the limit of
  {MAX_PERSISTENCE_DAYS:g}: `constraint_broken` says so, and its `graded_score` is 0. Handed
  in, it would count for nothing.

### What to look for

A good design reads: `aphid_mortality` high; `bee_mortality`, `mammal_mortality` and
`mammal_arrhythmia` near 0; `persistence_days` at most {MAX_PERSISTENCE_DAYS:g}; and
`constraint_broken` empty, so that `graded_score` equals `selectivity_score`. Sort your export
by `graded_score`, not by `selectivity_score`.
"""
