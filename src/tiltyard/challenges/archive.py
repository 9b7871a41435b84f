"""A bundle folder sent as one archive (zip or tar, compressed or not) and unpacked safely:
every member must be a plain file or folder inside the destination — no absolute paths, no
``..``, no links or devices — and the whole stays under a size limit, checked before a byte is
written."""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from tiltyard.challenges.manifest import MANIFEST_NAME
from tiltyard.errors import BundleError

MAKE_ONE = "Make it with `cd BUNDLE/.. && zip -r bundle.zip BUNDLE` or `tar czf bundle.tar.gz BUNDLE`"


def _safe_name(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise BundleError("The archive holds a path that escapes its folder",
                          expected="paths inside the bundle folder", got=repr(name),
                          hint="Archive the bundle folder itself, with relative paths; "
                               + MAKE_ONE, code="unsafe_archive")
    return path.as_posix()


def _members(archive: Path) -> tuple[str, list[tuple[str, int, bool]]]:
    """(format, [(name, size, is_dir)]) — refuses links, devices and escaping paths."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as opened:
            members = []
            for info in opened.infolist():
                mode = info.external_attr >> 16
                if mode and (mode & 0o170000) not in (0o100000, 0o040000, 0):
                    raise BundleError("The archive holds a link or special file",
                                      expected="plain files and folders", got=repr(info.filename),
                                      hint=MAKE_ONE, code="unsafe_archive")
                members.append((_safe_name(info.filename), info.file_size, info.is_dir()))
            return "zip", members
    try:
        with tarfile.open(archive) as opened:
            members = []
            for info in opened.getmembers():
                if not (info.isfile() or info.isdir()):
                    raise BundleError("The archive holds a link or special file",
                                      expected="plain files and folders", got=repr(info.name),
                                      hint=MAKE_ONE, code="unsafe_archive")
                members.append((_safe_name(info.name), info.size, info.isdir()))
            return "tar", members
    except (tarfile.TarError, EOFError, OSError, zipfile.BadZipFile) as error:
        raise BundleError("The upload is not a readable zip or tar archive",
                          expected="a .zip or .tar.gz of the bundle folder",
                          got=f"{archive.stat().st_size} bytes that neither opens ({error})"[:300],
                          hint=MAKE_ONE, code="corrupt_archive") from None


def unpack_bundle(archive: Path, destination: Path, *, max_bytes: int) -> Path:
    """Unpack ``archive`` into ``destination`` (created, must not exist) and return the bundle
    folder in it: the archive's root, or its one top-level folder, holding challenge.toml."""
    kind, members = _members(archive)
    total = sum(size for _name, size, _is_dir in members)
    if total > max_bytes:
        raise BundleError("The archive unpacks to more than this server accepts",
                          expected=f"at most {max_bytes / 2**20:.0f} MB unpacked",
                          got=f"{total / 2**20:.1f} MB", code="archive_too_large",
                          hint="Leave large side files out of the bundle")
    destination.mkdir(parents=True)
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as opened:
                opened.extractall(destination)
        else:
            with tarfile.open(archive) as opened:
                opened.extractall(destination, filter="data")
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as error:
        shutil.rmtree(destination, ignore_errors=True)
        raise BundleError("The archive could not be unpacked", expected="an intact archive",
                          got=str(error)[:300], hint=MAKE_ONE, code="corrupt_archive") from None
    return bundle_root(destination, [name for name, _size, _is_dir in members])


def bundle_root(destination: Path, names: list[str]) -> Path:
    if (destination / MANIFEST_NAME).is_file():
        return destination
    tops = sorted({PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts})
    if len(tops) == 1 and (destination / tops[0] / MANIFEST_NAME).is_file():
        return destination / tops[0]
    raise BundleError(f"The archive holds no {MANIFEST_NAME} at its root or in its one folder",
                      expected=f"BUNDLE/{MANIFEST_NAME} (a bundle built by `tiltyard author build` "
                               "or `tiltyard catalog build`)",
                      got="top level: " + ", ".join(tops[:8]) if tops else "an empty archive",
                      hint=MAKE_ONE, code="not_a_bundle")
