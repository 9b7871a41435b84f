"""The grid table (``datasets.toml``) as :class:`GridDataset` rows."""

import tomllib
from pathlib import Path

from tiltyard.catalog.grid.spec import GridDataset

TABLE = Path(__file__).with_name("datasets.toml")


def read_table(path: Path = TABLE) -> list[GridDataset]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["dataset"]
    return [GridDataset(**{k: tuple(v) if isinstance(v, list) else v for k, v in row.items()})
            for row in rows]


DATASETS = read_table()
