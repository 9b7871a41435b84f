"""Find challenges by versioned id: built-in ones are built on first use, others are any
bundle folder in the catalog directory (or a path given directly)."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import cache, partial
from importlib.metadata import entry_points
from multiprocessing import get_context
from pathlib import Path
from typing import Protocol

from tiltyard import kernels
from tiltyard.challenges import instance as instances
from tiltyard.challenges.bundle import Bundle, remove_stale_staging
from tiltyard.challenges.manifest import MANIFEST_NAME
from tiltyard.config import get_settings
from tiltyard.errors import BundleError, ChallengeNotFound, did_you_mean

# Built-in challenges, ours and other packages', are entry points in this group:
# ``"titanic-v1" = "tiltyard.catalog.titanic:BUILDER"``, as Gymnasium registers its environments.
GROUP = "tiltyard.challenges"
Progress = Callable[[str], None]
STAMPS = ".stamps"  # <catalog>/.stamps/<id>: the code a built-in was built with (see code_stamp)


class Builder(Protocol):
    """What the catalog needs of a built-in challenge: an id and a way to build it, as the
    practice instance (``instance=None``, byte for byte the same everywhere) or from a secret
    instance seed."""

    id: str
    title: str
    kind: str

    def build(self, catalog_dir: Path, progress: Progress = ...,
              instance: instances.Instance | None = None) -> Bundle: ...


def catalog_instance() -> instances.Instance | None:
    """The instance this process builds built-ins as: None (practice) unless the settings
    name an instance seed file (an arena's)."""
    path = get_settings().instance_seed_file
    return None if path is None else instances.read_or_create(path)


@cache
def _builders() -> dict:
    return {point.name: point for point in entry_points(group=GROUP)}


def builtin_ids() -> list[str]:
    return list(_builders())


def builtin_builder(challenge_id: str) -> Builder:
    point = _builders().get(challenge_id)
    if point is None:
        _not_found(challenge_id)
    return point.load()


@cache
def code_stamp(challenge_id: str) -> str:
    """What a built-in was built with: every file of Tiltyard's package and of the package
    that registers the builder (their paths, sizes and modification times; 3 ms for
    Tiltyard's 409 files). A bundle built by other code (an upgrade, an edit) is rebuilt on
    first use, so its ladder, brief and sealed files are never older than the code that
    grades against them; a rebuild from unchanged code gives the same bytes."""
    top = _builders()[challenge_id].module.partition(".")[0]
    return hashlib.sha256("".join(_package_files(name) for name in sorted({"tiltyard", top})).encode()).hexdigest()


@cache
def _package_files(name: str) -> str:
    """The files of the top-level package (or lone module) ``name``, a line each."""
    spec = importlib.util.find_spec(name)
    roots = list(spec.submodule_search_locations or ()) if spec else []
    paths = [] if roots or spec is None or not spec.origin else [(spec.origin, os.path.basename(spec.origin))]
    for root in roots:  # a namespace package has several
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(sub for sub in subfolders if sub != "__pycache__")
            paths += [(os.path.join(folder, file), os.path.relpath(os.path.join(folder, file), root))
                      for file in sorted(files)]
    lines = [f"{relative} {stat.st_size} {stat.st_mtime_ns}\n" for path, relative in paths
             for stat in [os.stat(path)]]
    return name + "\n" + "".join(lines)


def _built_by_this_code(catalog: Path, challenge_id: str) -> bool:
    try:
        return (catalog / STAMPS / challenge_id).read_text() == code_stamp(challenge_id)
    except OSError:
        return False


_opened: dict[Path, tuple[int, Bundle]] = {}


def open_bundle(bundle_dir: Path) -> Bundle | None:
    """The bundle in ``bundle_dir``, its manifest parsed once while the file is unchanged;
    None if there is none or it does not parse (a built-in is then rebuilt)."""
    try:
        stamp = (bundle_dir / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        return None
    cached = _opened.get(bundle_dir)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        bundle = Bundle(bundle_dir)
    except Exception:  # noqa: BLE001 - any unreadable bundle counts as absent
        return None
    _opened[bundle_dir] = (stamp, bundle)
    return bundle


def build(ids: list[str] | None = None, *, force: bool = False,
          progress: Callable[[str, str], None] = lambda _id, _step: None, jobs: int = 1) -> list[Bundle]:
    """Build the named built-in challenges (all by default) that are missing or forced, in up to
    ``jobs`` processes at once (each build is independent and gives the same bytes either way).
    With more than one job, ``progress`` hears only each challenge's "built"."""
    catalog = get_settings().catalog_dir
    wanted = ids or builtin_ids()
    for challenge_id in wanted:
        builtin_builder(challenge_id)  # an unknown id is refused before anything is built
    instance = catalog_instance()
    missing = [challenge_id for challenge_id in dict.fromkeys(wanted)
               if force or _usable(catalog / challenge_id, instance) is None]
    if missing and not kernels.pinned_here():
        _build_in_fresh_interpreter(missing, jobs)
        missing = []
    try:
        if jobs > 1 and len(missing) > 1:
            with ProcessPoolExecutor(min(jobs, len(missing)), mp_context=get_context("spawn")) as pool:
                running = {pool.submit(_build_one, challenge_id, instance): challenge_id for challenge_id in missing}
                for done in as_completed(running):
                    done.result()
                    progress(running[done], "built")
        else:
            for challenge_id in missing:
                _build_one(challenge_id, instance, partial(progress, challenge_id))
    finally:
        remove_stale_staging(catalog, finished=missing)
    return [_built(catalog / challenge_id) for challenge_id in wanted]


def _build_in_fresh_interpreter(missing: list[str], jobs: int) -> None:
    """Build in a new Python process, which loads OpenBLAS with the pinned kernels: this one
    loaded NumPy before Tiltyard could pin them (tiltyard/kernels.py), and would build other
    bytes on a CPU with AVX-512. Not multiprocessing: its children run the parent's script
    again, and a learner's script is rarely guarded by ``if __name__ == "__main__"``."""
    done = subprocess.run([sys.executable, "-c", "import sys; from tiltyard.challenges.registry import build; "
                           "build(sys.argv[2:], jobs=int(sys.argv[1]))", str(jobs), *missing], check=False)
    if done.returncode != 0:
        raise BundleError(f"Building {', '.join(missing)} failed (exit code {done.returncode})",
                          expected="a build that ends with the bundles written", got="the messages above",
                          hint="Run `tiltyard catalog build " + " ".join(missing) + "` to see the build on its own")


def _stamp(catalog: Path, challenge_id: str) -> None:
    folder = catalog / STAMPS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / challenge_id).write_text(code_stamp(challenge_id))


def _built(bundle_dir: Path) -> Bundle:
    bundle = open_bundle(bundle_dir)
    if bundle is None:
        raise BundleError(f"{bundle_dir.name} was built but its bundle does not open",
                          expected=f"a readable {MANIFEST_NAME} in {bundle_dir}", got="none or unreadable",
                          hint=f"Rebuild it: tiltyard catalog build {bundle_dir.name} --force")
    return bundle


def _usable(bundle_dir: Path, instance: instances.Instance | None) -> Bundle | None:
    """The bundle there, unless it is a practice bundle in an arena's folder (or the reverse),
    or other code built it."""
    existing = open_bundle(bundle_dir)
    if existing is not None and existing.manifest.instance != (instance and instances.SECRET):
        return None
    if existing is not None and not _built_by_this_code(bundle_dir.parent, bundle_dir.name):
        return None
    return existing


def _build_one(challenge_id: str, instance: instances.Instance | None,
               progress: Progress = lambda _step: None) -> None:
    builder = builtin_builder(challenge_id)
    catalog = get_settings().catalog_dir
    # The practice call is the one every builder (a third party's too) has always had.
    if instance is None:
        builder.build(catalog, progress)
    else:
        builder.build(catalog, progress, instance=instance)
    _stamp(catalog, challenge_id)


def known_ids() -> list[str]:
    catalog = get_settings().catalog_dir
    on_disk = [p.parent.name for p in catalog.glob(f"*/{MANIFEST_NAME}")] if catalog.is_dir() else []
    return sorted(set(builtin_ids()) | set(on_disk))


def get_bundle(challenge_id: str, progress: Callable[[str, str], None] | None = None) -> Bundle:
    """The bundle for ``challenge_id`` (or a bundle folder path), building a built-in on first use."""
    as_path = Path(challenge_id)
    if (as_path / MANIFEST_NAME).is_file():
        return Bundle(as_path)  # an author's folder: always read afresh, it may be changing
    catalog = get_settings().catalog_dir
    existing = open_bundle(catalog / challenge_id)
    builtin = challenge_id in builtin_ids()
    if existing is not None and (not builtin or _built_by_this_code(catalog, challenge_id)):
        return existing
    if builtin:
        return build([challenge_id], progress=progress or (lambda _i, _s: None))[0]
    _not_found(challenge_id)


def tags_of(challenge_id: str) -> list[str]:
    """A challenge's tags, without building it: a built-in's from its builder, a bundle's
    from its manifest."""
    existing = open_bundle(get_settings().catalog_dir / challenge_id)
    if existing is not None:
        return existing.manifest.tags
    return list(getattr(builtin_builder(challenge_id), "tags", ()))


def ids_tagged(tag: str) -> list[str]:
    """Ids of the challenges tagged ``tag``; an unknown tag is refused with the known ones."""
    tagged = {challenge_id: tags_of(challenge_id) for challenge_id in known_ids()}
    chosen = [challenge_id for challenge_id, tags in tagged.items() if tag in tags]
    if not chosen:
        known = sorted({t for tags in tagged.values() for t in tags})
        raise ChallengeNotFound(f"No challenge is tagged {tag!r}",
                                expected="one of the known tags: " + (", ".join(known) or "(none)"),
                                got=tag, hint=did_you_mean(tag, known)
                                or "List every challenge with `tiltyard challenges`")
    return chosen


def _not_found(challenge_id: str):
    ids = known_ids()
    hint = did_you_mean(challenge_id, ids) or "List them with `tiltyard challenges`"
    raise ChallengeNotFound(f"There is no challenge {challenge_id!r}",
                            expected="one of " + ", ".join(ids), got=challenge_id, hint=hint)
