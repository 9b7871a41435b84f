"""Bundles on disk: write them atomically, read them, hash them.

A bundle is a folder: ``challenge.toml``, ``brief.md``, ``public/``, ``sealed/``,
``starter/`` and ``lessons/``. Every file but the manifest is listed in the manifest
with its sha256, so a bundle proves its own integrity.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Collection
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from tiltyard.challenges.manifest import MANIFEST_NAME, FileEntry, FileRole, Manifest
from tiltyard.errors import BundleError

if TYPE_CHECKING:  # listing challenges needs no pandas; writing a bundle is handed a frame
    import pandas as pd

ROLE_BY_FOLDER: dict[str, FileRole] = {
    "public": "public", "sealed": "sealed", "starter": "starter", "lessons": "lesson"}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV written the same way on every machine: UTF-8, '\\n' line ends, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def role_of(relative: str) -> FileRole:
    top = relative.split("/", 1)[0]
    if top in ROLE_BY_FOLDER:
        return ROLE_BY_FOLDER[top]
    return "brief"


def list_files(root: Path) -> list[FileEntry]:
    """Every file under ``root`` except the manifest, sorted, with its hash."""
    entries = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name == MANIFEST_NAME and path.parent == root:
            continue
        relative = path.relative_to(root).as_posix()
        entries.append(FileEntry(path=relative, role=role_of(relative),
                                 sha256=sha256_file(path), bytes=path.stat().st_size))
    return entries


def bundle_hash(files: list[FileEntry]) -> str:
    digest = hashlib.sha256()
    for entry in sorted(files, key=lambda e: e.path):
        digest.update(f"{entry.path}\0{entry.sha256}\n".encode())
    return digest.hexdigest()


class Bundle:
    """A challenge folder on disk. Reading ``sealed/`` goes through :meth:`sealed_file` only."""

    def __init__(self, root: Path, manifest: Manifest | None = None):
        self.root = Path(root)
        self.manifest = manifest or Manifest.read(self.root)

    def __repr__(self) -> str:
        return f"Bundle({self.manifest.id!r}, {str(self.root)!r})"

    @cached_property
    def hash(self) -> str:
        return bundle_hash(self.manifest.files)

    @property
    def brief(self) -> str:
        return (self.root / self.manifest.brief).read_text(encoding="utf-8")

    def public_file(self, relative: str) -> Path:
        return self._existing(f"public/{relative}")

    def starter_file(self, relative: str) -> Path:
        return self._existing(f"starter/{relative}")

    def sealed_file(self, relative: str) -> Path:
        """The one door to sealed answers; only graders call it."""
        return self._existing(f"sealed/{relative}")

    def _existing(self, relative: str) -> Path:
        path = self.root / relative
        if not path.is_file():
            raise BundleError(f"{self.manifest.id} is missing {relative}",
                              expected=f"a file at {path}", got="nothing there",
                              hint="Rebuild the bundle (`tiltyard catalog build --force`) "
                                   "or run `tiltyard check` on it")
        return path


def write_bundle(staging: Path, manifest: Manifest, destination: Path) -> Bundle:
    """Hash everything in ``staging``, write the manifest, and move it to ``destination``.

    The move is atomic on one filesystem, so a reader never sees half a bundle.
    """
    manifest = manifest.model_copy(update={"files": list_files(staging)})
    manifest.dump(staging / MANIFEST_NAME)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists():
        trash = Path(tempfile.mkdtemp(dir=destination.parent, prefix=".old-"))
        os.replace(destination, trash / destination.name)
        os.replace(staging, destination)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.replace(staging, destination)
    return Bundle(destination, manifest)


STAGING_PREFIX = ".build-"


def staging_folder(catalog_dir: Path, challenge_id: str) -> Path:
    """A build's folder until it is complete, named for the building process
    (``.build-<id>-<pid>-<random>``), so that only a dead process's are removed as stale."""
    catalog_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=catalog_dir, prefix=f"{STAGING_PREFIX}{challenge_id}-{os.getpid()}-"))


def remove_stale_staging(catalog_dir: Path, finished: Collection[str] = ()) -> None:
    """Remove the build folders a dead process left (a killed build), and this process's own for
    the challenges in ``finished`` (a build of them that failed); a build still running, in
    another process or in another thread of this one, keeps its folder."""
    for folder in catalog_dir.glob(f"{STAGING_PREFIX}*"):
        parts = folder.name.removeprefix(STAGING_PREFIX).rsplit("-", 2)  # id, pid, random
        challenge_id, owner = parts[0], parts[1] if len(parts) == 3 else ""
        if not owner.isdigit():  # named before build folders carried their process id
            shutil.rmtree(folder, ignore_errors=True)
        elif int(owner) == os.getpid() and challenge_id in finished or not _alive(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
