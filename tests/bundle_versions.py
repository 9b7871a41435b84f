"""Test helpers: a challenge's bundle copied into another catalog, and a new version of it
(``NAME-v2``) whose answers differ, as an author would publish after fixing a mistake."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from tiltyard.challenges.bundle import Bundle, list_files
from tiltyard.challenges.manifest import MANIFEST_NAME


def copy_bundle(bundle: Bundle, catalog: Path) -> Bundle:
    target = catalog / bundle.manifest.id
    shutil.copytree(bundle.root, target)
    return Bundle(target)


def renamed(bundle: Bundle, catalog: Path, new_id: str) -> Bundle:
    """A copy of ``bundle`` under another id."""
    target = catalog / new_id
    shutil.copytree(bundle.root, target)
    bundle.manifest.model_copy(update={"id": new_id}).dump(target / MANIFEST_NAME)
    return Bundle(target)


def new_version(bundle: Bundle, catalog: Path, *, flipped: int = 12) -> Bundle:
    """``NAME-v(N+1)`` beside ``bundle`` in ``catalog``: the first ``flipped`` public answers of
    a binary task flipped (the "fix"), every hash in its manifest written again."""
    manifest = bundle.manifest
    new_id = f"{manifest.name}-v{manifest.version + 1}"
    target = catalog / new_id
    shutil.copytree(bundle.root, target)
    answers_path = target / "sealed" / "answers.csv"
    answers = pd.read_csv(answers_path, dtype=str, keep_default_na=False)
    task = manifest.task
    public = answers.index[answers["split"] == "public"][:flipped]
    other = {task.classes[0]: task.classes[1], task.classes[1]: task.classes[0]}
    answers.loc[public, task.target] = answers.loc[public, task.target].map(other)
    answers.to_csv(answers_path, index=False, lineterminator="\n")
    rewritten = manifest.model_copy(update={"id": new_id, "files": list_files(target)})
    rewritten.dump(target / MANIFEST_NAME)
    return Bundle(target)
