"""A policy submission as a folder: a lone ``policy.py``, a folder, or a .zip/.tar.gz of one.

Archives are unpacked here, outside the sandbox, with nothing trusted: no absolute paths, no
``..``, no links or devices, a bounded number of files and a bounded unpacked size (a small
archive may hold a huge file)."""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from tiltyard.errors import SubmissionError

POLICY_FILE = "policy.py"
MAX_FILES = 2_000
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")


def kind_of_file(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".py"):
        return "py"
    if name.endswith(".zip"):
        return "zip"
    # The store keeps a file's last suffix only: a stored .tar.gz is NAME.gz.
    if name.endswith((".tar.gz", ".tgz", ".gz")):
        return "tar"
    raise SubmissionError(f"{path.name} is not a policy submission", expected="policy.py, a folder, or a "
                          ".zip/.tar.gz of the folder", got=path.name, code="wrong_file_type",
                          hint="Zip the folder that holds policy.py and the files it loads")


def unpack(path: Path, into: Path, *, max_bytes: int) -> Path:
    """The folder holding ``policy.py`` (inside ``into``), made from ``path``."""
    return _policy_folder(extract(path, into, max_bytes=max_bytes), Path(path).name)


def extract(path: Path, into: Path, *, max_bytes: int) -> Path:
    """``path`` as a folder inside ``into``, checked but not yet looked into."""
    path = Path(path)
    into.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        _check_folder_size(path, max_bytes)
        shutil.copytree(path, into / "policy", symlinks=True)
        return into / "policy"
    kind = kind_of_file(path)
    target = into / ("policy" if kind == "py" else "unpacked")
    target.mkdir()
    if kind == "py":
        shutil.copyfile(path, target / POLICY_FILE)
    elif kind == "zip":
        _unzip(path, target, max_bytes)
    else:
        _untar(path, target, max_bytes)
    return target


def top_folder(root: Path, holding: str) -> Path | None:
    """``root`` itself, or its one top folder, when it holds the file ``holding``."""
    if (root / holding).is_file():
        return root
    entries = [entry for entry in root.iterdir() if entry.name not in ("__MACOSX", ".DS_Store")]
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / holding).is_file():
        return entries[0]
    return None


def _too_large(name: str, size: int, max_bytes: int) -> SubmissionError:
    return SubmissionError(f"{name} unpacks to more than the submission limit", code="too_large",
                           expected=f"at most {max_bytes / 2**20:.0f} MB unpacked",
                           got=f"{size / 2**20:.1f} MB or more",
                           hint="Hand in only policy.py and the weights it loads (no replay buffers, "
                                "logs or checkpoints of every step)")


def _check_member(name: str, archive: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or name.startswith(("/", "\\")):
        raise SubmissionError(f"{archive} holds a file outside its own folder", code="unsafe_archive",
                              expected="paths relative to the archive's folder", got=name,
                              hint="Make the archive from inside the folder (zip -r policy.zip .)")
    return relative


def _unzip(path: Path, target: Path, max_bytes: int) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise SubmissionError(f"{path.name} is not a readable zip archive", code="unreadable_archive",
                              expected="a .zip made by zip, shutil.make_archive or your file manager",
                              got=str(error), hint="Make the archive again") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_FILES:
            raise SubmissionError(f"{path.name} holds too many files", code="too_large",
                                  expected=f"at most {MAX_FILES} files", got=str(len(members)))
        total = sum(member.file_size for member in members)
        if total > max_bytes:
            raise _too_large(path.name, total, max_bytes)
        for member in members:
            relative = _check_member(member.filename, path.name)
            if stat.S_ISLNK(member.external_attr >> 16):
                raise SubmissionError(f"{path.name} holds a link ({member.filename})", code="unsafe_archive",
                                      expected="plain files and folders", got=member.filename,
                                      hint="Copy the file the link points to into the folder")
            destination = target.joinpath(*relative.parts)
            if member.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with archive.open(member) as source, open(destination, "wb") as sink:
                while block := source.read(1 << 20):
                    written += len(block)
                    if written > member.file_size or written > max_bytes:  # a header that lies
                        raise _too_large(path.name, written, max_bytes)
                    sink.write(block)


def _untar(path: Path, target: Path, max_bytes: int) -> None:
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as error:
        raise SubmissionError(f"{path.name} is not a readable .tar.gz archive", code="unreadable_archive",
                              expected="a .tar.gz made by tar -czf or shutil.make_archive", got=str(error),
                              hint="Make the archive again") from None
    with archive:
        members = archive.getmembers()
        if len(members) > MAX_FILES:
            raise SubmissionError(f"{path.name} holds too many files", code="too_large",
                                  expected=f"at most {MAX_FILES} files", got=str(len(members)))
        total = sum(member.size for member in members if member.isfile())
        if total > max_bytes:
            raise _too_large(path.name, total, max_bytes)
        for member in members:
            _check_member(member.name, path.name)
            if not (member.isfile() or member.isdir()):
                raise SubmissionError(f"{path.name} holds a link or a device ({member.name})",
                                      code="unsafe_archive", expected="plain files and folders", got=member.name,
                                      hint="Copy the file the link points to into the folder")
        archive.extractall(target, filter="data")


def _check_folder_size(folder: Path, max_bytes: int) -> None:
    total = 0
    for count, file in enumerate(folder.rglob("*")):
        if count > MAX_FILES:
            raise SubmissionError(f"{folder.name} holds too many files", code="too_large",
                                  expected=f"at most {MAX_FILES} files", got=f"more than {MAX_FILES}")
        if file.is_file() and not file.is_symlink():
            total += file.stat().st_size
            if total > max_bytes:
                raise _too_large(folder.name, total, max_bytes)


def _policy_folder(root: Path, name: str) -> Path:
    """``root`` itself, or its one top folder, when it holds policy.py."""
    folder = top_folder(root, POLICY_FILE)
    if folder is not None:
        return folder
    found = sorted(str(p.relative_to(root)) for p in root.rglob("*.py"))[:6]
    raise SubmissionError(f"{name} holds no policy.py at its top", code="no_policy",
                          expected="policy.py defining make_policy(observation_space, action_space), at the top "
                                   "of the folder or archive",
                          got=", ".join(found) if found else "no Python file at all",
                          hint="Name the file policy.py and put it beside the weights it loads")


def pack_folder(folder: Path, destination: Path) -> Path:
    """A folder as a .zip to hand in (what `submit` and the arena do with a folder)."""
    _policy_folder(Path(folder), Path(folder).name)
    archive = shutil.make_archive(str(destination.with_suffix("")), "zip", root_dir=folder)
    return Path(archive)
