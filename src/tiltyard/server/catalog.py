"""The challenges as the server shows them: only bundles already built, found through the
registry (which parses a manifest once while its file is unchanged)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import MANIFEST_NAME
from tiltyard.challenges.registry import open_bundle
from tiltyard.config import get_settings
from tiltyard.errors import ChallengeNotFound, did_you_mean
from tiltyard.plugins import kind_of
from tiltyard.server.errors import NotFound


def bundle(challenge_id: str) -> Bundle:
    """The bundle of a challenge already built in the catalog folder: never one built inside
    a request (that would take minutes; `serve` builds the catalog first), never a folder
    named by a path-like id. Asked on every request, so it costs one stat of the manifest
    (parsed once while unchanged), not a listing of the catalog."""
    found = open_bundle(get_settings().catalog_dir / challenge_id) if _plain(challenge_id) else None
    if found is None:
        raise not_found(challenge_id, challenge_ids())
    return found


def is_built(challenge_id: str) -> bool:
    """Whether ``challenge_ids()`` holds ``challenge_id``, for one stat instead of a listing."""
    return _plain(challenge_id) and (get_settings().catalog_dir / challenge_id / MANIFEST_NAME).is_file()


def _plain(challenge_id: str) -> bool:
    """A name a catalog listing can give: no path, no hidden folder."""
    return bool(challenge_id) and not challenge_id.startswith(".") and "/" not in challenge_id \
        and os.sep not in challenge_id


def not_found(challenge_id: str, ids: list[str]) -> ChallengeNotFound:
    """The refusal of an id not among ``ids`` (those the caller may see)."""
    return ChallengeNotFound(f"There is no challenge {challenge_id!r}",
                             expected="one of " + ", ".join(ids), got=challenge_id,
                             hint=did_you_mean(challenge_id, ids)
                             or "The catalog page lists them; the admin adds built-ins "
                                "with `tiltyard catalog build`")


def public_file(challenge_id: str, path: str) -> Path:
    """A file the manifest lists with role ``public`` — the only files served from a bundle."""
    found = bundle(challenge_id)
    for entry in found.manifest.files_with_role("public"):
        if entry.path == path or entry.path == f"public/{path}":
            return found.root / entry.path
    raise NotFound(f"{challenge_id} has no public file {path!r}",
                   expected="one of " + ", ".join(e.path.removeprefix("public/")
                                                  for e in found.manifest.files_with_role("public")),
                   got=path, hint="Only public files can be downloaded")


def challenge_ids() -> list[str]:
    """Ids of the bundles built in the catalog folder."""
    folder = get_settings().catalog_dir
    if not folder.is_dir():
        return []
    return sorted(path.parent.name for path in folder.glob(f"*/{MANIFEST_NAME}"))


def workspace_zip(challenge_id: str) -> Path:
    """A learner's workspace as its kind lays it out (ChallengeKind.workspace), zipped; made
    once per bundle hash and kept in the home folder."""
    found = bundle(challenge_id)
    folder = get_settings().home / "workspaces"
    target = folder / f"{found.manifest.id}-{found.hash[:16]}.zip"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as staging:
        kind_of(found).workspace(found, Path(staging))
        partial = shutil.make_archive(str(target.with_name(f"{target.stem}.{os.getpid()}.partial")),
                                      "zip", staging)
        Path(partial).replace(target)
    return target
