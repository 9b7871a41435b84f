"""An export is planned first (every file it will write, and whether it carries answers), then
written into a staging folder beside ``--out`` and moved into place, so a failed export leaves
nothing half-written and never touches what was there."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.errors import TiltyardError


class ExportError(TiltyardError):
    code = "export_failed"


@dataclass(frozen=True)
class OutputFile:
    """One file an export writes: where (relative to ``--out``), what it is, and how."""

    path: str
    what: str
    write: Callable[[Path], None]
    answers: bool = False  # holds sealed answers: only targets that keep them hidden plan these


@dataclass
class ExportPlan:
    target: str
    bundle: Bundle
    out: Path
    files: list[OutputFile] = field(default_factory=list)
    next_step: str = ""

    def write(self, *, force: bool = False) -> Path:
        """Write every planned file; the folder appears whole or not at all."""
        check_writable(self.out, force=force)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.export-"))
        try:
            for planned in self.files:
                target = staging / planned.path
                target.parent.mkdir(parents=True, exist_ok=True)
                planned.write(target)
            if self.out.exists():
                trash = Path(tempfile.mkdtemp(dir=self.out.parent, prefix=f".{self.out.name}.old-"))
                os.replace(self.out, trash / self.out.name)
                os.replace(staging, self.out)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(staging, self.out)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise ExportError(f"Writing the {self.target} export to {self.out} failed",
                              expected="room and permission to write every file",
                              got=str(error), hint="Nothing was changed at --out; free space or "
                              "choose another path") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.out


def check_writable(out: Path, *, force: bool) -> None:
    """Refuse, before anything is written, an --out that cannot be written or would replace
    a folder holding files (unless forced) — what was there is never lost by accident."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file", expected="a folder to create (or an empty one)",
                          got="an existing file", hint="Choose another path")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ExportError(f"--out {out} already holds files", expected="a new or empty folder",
                          got=f"{sum(1 for _ in out.iterdir())} entries",
                          hint="Choose another path, or pass --force to replace that folder")
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ExportError(f"Cannot write {out}", expected="a path inside a folder",
                          got=f"{parent} is a file, not a folder", hint="Choose another --out")
    try:  # a probe, not os.access: root, read-only mounts and /proc all answer truthfully here
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".tiltyard-probe-"))
    except OSError as error:
        raise ExportError(f"Cannot write under {parent}", expected="a folder you may write in",
                          got=error.strerror or str(error),
                          hint="Choose an --out inside a folder you own") from None


def copy_from(source: Path) -> Callable[[Path], None]:
    return lambda target: shutil.copyfile(source, target)


def text(content: str) -> Callable[[Path], None]:
    return lambda target: target.write_text(content, encoding="utf-8")
