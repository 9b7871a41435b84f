"""The registry of kinds: every kind, built-in or a third party's, is an entry point in the
``tiltyard.kinds`` group (``table = "tiltyard.kinds.table:KIND"`` in our own pyproject.toml),
loaded on first use, as Datasette loads its own features through the hooks plugins use."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from tiltyard.challenges.bundle import Bundle
from tiltyard.challenges.manifest import Manifest
from tiltyard.core import ChallengeKind
from tiltyard.errors import BundleError, did_you_mean
from tiltyard.metrics import Metric

GROUP = "tiltyard.kinds"


class UnknownKind(BundleError):
    code = "unknown_kind"


@cache
def _entry_points() -> dict:
    return {point.name: point for point in entry_points(group=GROUP)}


@cache
def get_kind(name: str) -> ChallengeKind:
    """The kind called ``name``; its package is imported on the first call."""
    points = _entry_points()
    if name not in points:
        raise UnknownKind(f"unknown kind {name!r}", expected="one of " + ", ".join(sorted(points)),
                          got=repr(name), hint=did_you_mean(name, points)
                          or f"Install the package that provides it (entry point group {GROUP!r})")
    kind = points[name].load()
    if not isinstance(kind, ChallengeKind) or kind.name != name:
        raise UnknownKind(f"The entry point {name!r} in {GROUP!r} is not a kind",
                          expected=f"a ChallengeKind instance named {name!r}", got=repr(kind))
    return kind


def kind_names() -> list[str]:
    return sorted(_entry_points())


def kind_of(bundle_or_manifest: Bundle | Manifest) -> ChallengeKind:
    manifest = getattr(bundle_or_manifest, "manifest", bundle_or_manifest)
    return get_kind(manifest.kind)


def primary_metric(manifest: Manifest) -> Metric:
    """The metric that ranks a challenge's submissions (a kind may define its own)."""
    return get_kind(manifest.kind).primary_metric(manifest)


def reload() -> None:
    """Forget what was loaded (tests that install a kind at run time)."""
    _entry_points.cache_clear()
    get_kind.cache_clear()
