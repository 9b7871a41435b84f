"""Instances: a challenge is built from its spec and an instance seed.

With no instance seed a builder makes the *practice* instance: deterministic from the spec,
the same on every learner's disk, sealed answers included (the honour system). An arena builds
every challenge it serves from a seed only it knows, so nothing a learner can build predicts
that instance's ids, split or answers. The seed is a secret: a manifest records only that a
bundle is a secret instance (:data:`SECRET`), never the seed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tiltyard.errors import BundleError

SECRET = "secret"  # the manifest's ``instance`` for a bundle built from a secret seed
SEED_BITS = 128


@dataclass(frozen=True)
class Instance:
    """One instance of every challenge: its seed is mixed with each spec's own seed."""

    seed: int

    def __repr__(self) -> str:  # never print the secret in a log or a traceback
        return "Instance(seed=<secret>)"

    def streams(self, spec_seed: int, count: int) -> list[np.random.SeedSequence]:
        """``count`` independent streams drawn from (spec seed, instance seed)."""
        return np.random.SeedSequence([spec_seed, self.seed]).spawn(count)

    def integer(self, spec_seed: int) -> int:
        """One 32-bit seed drawn from (spec seed, instance seed), for code that takes an int."""
        return int(np.random.SeedSequence([spec_seed, self.seed]).generate_state(1)[0])


def read_or_create(path: Path) -> Instance:
    """The instance whose seed is kept in ``path``; the first call draws it and writes it
    readable by its owner only (0600), beside the server's other secrets."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(f"{secrets.randbits(SEED_BITS)}\n")
    text = path.read_text(encoding="utf-8").strip()
    if not text.isdigit():
        raise BundleError(f"The instance seed file {path} does not hold a seed",
                          expected="one non-negative integer", got=repr(text[:20]),
                          hint="Delete the file to draw a new seed (every challenge of this "
                               "instance must then be rebuilt, and stored reports keep the old "
                               "bundle hash)")
    return Instance(int(text))
