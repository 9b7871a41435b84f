"""The arena serves its own instance: a learner's practice build predicts none of its answers."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from arena_helpers import CHALLENGE, grade_all, sign_up

from tiltyard.challenges.registry import builtin_builder


@pytest.fixture(scope="session")
def practice_titanic(tmp_path_factory):
    """What any learner builds on their own disk: the practice instance, answers included."""
    return builtin_builder(CHALLENGE).build(tmp_path_factory.mktemp("practice"))


def _submit_and_grade(client, account, content: bytes) -> dict:
    response = client.post(f"/api/v1/challenges/{CHALLENGE}/submissions", headers=account.headers,
                           files={"file": ("predictions.csv", content, "text/csv")})
    assert response.status_code == 202, response.text
    grade_all()
    return client.get(f"/api/v1/submissions/{response.json()['id']}", headers=account.headers).json()


def test_a_practice_builds_sealed_answers_do_not_score_on_the_arena(client, practice_titanic):
    ann = sign_up(client, "ann")
    task = practice_titanic.manifest.task
    answers = pd.read_csv(practice_titanic.sealed_file("answers.csv"))
    as_submission = answers[[task.id_column, task.target]].to_csv(index=False).encode()

    refused = _submit_and_grade(client, ann, as_submission)
    assert refused["status"] == "rejected", refused
    assert "id" in refused["error_message"].lower()

    # The best a learner can do with a practice build: every id's practice label (train's
    # and the sealed answers'), looked up for the arena's own test ids. It scores like a guess.
    arena_test = pd.read_csv(io.BytesIO(client.get(
        f"/api/v1/challenges/{CHALLENGE}/files/test.csv").content))
    train = pd.read_csv(practice_titanic.public_file("train.csv"))
    practice_labels = pd.concat([train, answers])[[task.id_column, task.target]]
    looked_up = arena_test[[task.id_column]].merge(practice_labels, on=task.id_column, how="left")
    assert looked_up[task.target].notna().all()
    guessed = _submit_and_grade(client, ann, looked_up.to_csv(index=False).encode())
    assert guessed["status"] == "graded", guessed
    majority = float((train[task.target] == train[task.target].mode()[0]).mean())
    assert guessed["public_score"] < majority + 0.08, (guessed["public_score"], majority)


def test_the_arenas_public_files_make_a_working_submission(client, practice_titanic):
    bob = sign_up(client, "bob")
    sample = client.get(f"/api/v1/challenges/{CHALLENGE}/files/sample_submission.csv")
    assert sample.status_code == 200
    graded = _submit_and_grade(client, bob, sample.content)
    assert graded["status"] == "graded" and graded["public_score"] > 0.5, graded

    workspace = zipfile.ZipFile(io.BytesIO(client.get(
        f"/api/v1/challenges/{CHALLENGE}/workspace.zip").content))
    id_column = practice_titanic.manifest.task.id_column
    arena_ids = set(pd.read_csv(workspace.open("data/test.csv"))[id_column])
    practice_ids = set(pd.read_csv(practice_titanic.public_file("test.csv"))[id_column])
    assert arena_ids != practice_ids and len(arena_ids) == len(practice_ids)
    assert "secret seed" in workspace.read("README.md").decode()
    assert "secret seed" in client.get(f"/challenges/{CHALLENGE}").text
    listed = client.get(f"/api/v1/challenges/{CHALLENGE}/files/test.csv").content.decode()
    assert listed == workspace.read("data/test.csv").decode()


def test_the_arena_serves_its_instance_not_the_learners_practice_catalog(client, titanic_bundle):
    from tiltyard.config import get_settings

    assert titanic_bundle.manifest.instance == "secret"
    assert titanic_bundle.root.parent == get_settings().catalog_dir
    assert (titanic_bundle.root / "challenge.toml").read_text().count("271828182845904523536") == 0


def test_the_arena_draws_its_seed_once_and_keeps_it_private(arena_home, tmp_path, monkeypatch):
    from tiltyard.challenges.instance import read_or_create

    path = tmp_path / "secrets" / "server-instance-seed"
    first = read_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_or_create(path) == first
    assert str(first.seed) not in repr(first)


def test_serve_builds_the_arenas_instance_not_the_practice_catalog(arena_home, monkeypatch):
    """`tiltyard serve` draws the seed and builds into the arena's folder before it listens."""
    import uvicorn
    from test_cli import run

    from tiltyard.challenges import registry
    from tiltyard.config import get_settings

    practice_catalog = get_settings().catalog_dir
    monkeypatch.setenv("TILTYARD_ARENA_CATALOG_DIR", str(arena_home / "arena-catalog"))
    monkeypatch.setenv("TILTYARD_PUBLIC_URL", "http://127.0.0.1:8000")  # serve sets it; undone
    seen = {}

    def record_build(*_args, **_kwargs):
        settings = get_settings()
        seen.update(catalog=settings.catalog_dir, instance=registry.catalog_instance())
        return []

    monkeypatch.setattr(registry, "build", record_build)
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **_k: None)
    run("serve", "--workers", "0")
    assert seen["catalog"] == arena_home / "arena-catalog" != practice_catalog
    assert seen["instance"] is not None and (arena_home / "server-instance-seed").is_file()


def test_a_worker_for_the_arena_grades_against_the_arenas_instance(arena_home, arena_catalog,
                                                                    monkeypatch, tmp_path):
    from test_cli import run

    from tiltyard.config import get_settings

    practice_catalog = tmp_path / "practice-catalog"  # what a plain `tiltyard worker` would use
    monkeypatch.setenv("TILTYARD_CATALOG_DIR", str(practice_catalog))
    monkeypatch.delenv("TILTYARD_INSTANCE_SEED_FILE")
    get_settings.cache_clear()
    result = run("worker", "--arena", "--until-idle")
    assert "Done 0" in result.output
    assert get_settings().catalog_dir == arena_catalog[0] != practice_catalog
    assert get_settings().instance_seed_file == arena_home / "server-instance-seed"
