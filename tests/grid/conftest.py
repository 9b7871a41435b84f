"""A small grid on titanic-v1: specs written into a folder beside their own component module."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from grid_specs import COMPONENTS, SPEC

from tiltyard.grid.spec import load_spec


@pytest.fixture
def write_spec(tmp_path):
    """write_spec(extra_toml="", components=COMPONENTS) -> the loaded spec in its own folder."""
    def write(spec: str = SPEC, components: str = COMPONENTS, name: str = "grid.toml"):
        (tmp_path / "grid_parts.py").write_text(textwrap.dedent(components))
        path = Path(tmp_path / name)
        path.write_text(textwrap.dedent(spec))
        return load_spec(path)

    return write
