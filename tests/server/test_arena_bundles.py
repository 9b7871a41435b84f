"""Instructors upload built bundles to their class: the server runs the same checker and
answers with the same named checks; only a bundle that passes is published (kept by its hash,
in the arena's catalog) and usable by that class's competitions. Bad archives are refused
precisely and leave nothing behind."""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from arena_helpers import catalog_of_its_own, login, make_instructor, sign_up, zipped
from bundle_versions import renamed

from tiltyard.challenges.bundle import Bundle, list_files


@pytest.fixture
def own_catalog(arena_home, titanic_bundle, tmp_path, monkeypatch):
    """A copy of the arena's catalog for this test alone (uploads add to it)."""
    return catalog_of_its_own(titanic_bundle, tmp_path / "arena-catalog", monkeypatch)


@pytest.fixture
def app(own_catalog):
    from tiltyard.server import create_app

    return create_app(grade_in_background=False)


@pytest.fixture
def teacher_and_class(client):
    admin = login(client, "admin", "admin-password")
    teacher = sign_up(client, "teacher")
    make_instructor(client, admin, teacher)
    klass = client.post("/api/v1/classes", json={"name": "ML"}, headers=teacher.headers).json()
    return teacher, klass


def upload(client, account, klass, content, name="bundle.zip"):
    return client.post(f"/api/v1/classes/{klass['id']}/bundles", headers=account.headers,
                       files={"file": (name, content, "application/zip")})


def competition_on(client, account, klass, challenge_id):
    now = datetime.now(UTC)
    return client.post(f"/api/v1/classes/{klass['id']}/competitions", headers=account.headers,
                       json={"challenge_id": challenge_id, "opens_at": (now - timedelta(hours=1)).isoformat(),
                             "closes_at": (now + timedelta(days=7)).isoformat()})


def test_a_passing_bundle_is_kept_by_hash_published_and_usable(client, teacher_and_class,
                                                               titanic_bundle, tmp_path, arena_home):
    teacher, klass = teacher_and_class
    mine = renamed(titanic_bundle, tmp_path, "shipwreck-v1")
    response = upload(client, teacher, klass, zipped(mine.root))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["passed"] and body["challenge_id"] == "shipwreck-v1"
    assert body["bundle_hash"] == mine.hash
    ids = {c["id"] for c in body["checks"]}
    assert {"common.manifest", "common.files", "table.ids", "common.baselines"} <= ids
    assert Bundle(arena_home / "arena-bundles" / mine.hash / "shipwreck-v1").hash == mine.hash
    assert competition_on(client, teacher, klass, "shipwreck-v1").status_code == 201
    # Learners get public files and starters only.
    learner = sign_up(client, "ann")
    client.post("/api/v1/classes/join", json={"join_code": klass["join_code"]}, headers=learner.headers)
    workspace = client.get("/api/v1/challenges/shipwreck-v1/workspace.zip", headers=learner.headers)
    assert workspace.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(workspace.content)).namelist()
    assert names and not any("sealed" in n or "answers" in n for n in names)
    sealed = client.get("/api/v1/challenges/shipwreck-v1/files/sealed/answers.csv", headers=learner.headers)
    assert sealed.status_code == 404
    # The same bundle again changes nothing; the listing shows both uploads.
    assert upload(client, teacher, klass, zipped(mine.root)).status_code == 201
    listed = client.get(f"/api/v1/classes/{klass['id']}/bundles", headers=teacher.headers).json()
    assert [b["passed"] for b in listed] == [True, True]


def test_a_bundle_failing_checks_gets_the_failing_checks_and_is_not_published(
        client, teacher_and_class, titanic_bundle, tmp_path, own_catalog):
    teacher, klass = teacher_and_class
    broken = renamed(titanic_bundle, tmp_path, "broken-v1")
    test_csv = broken.root / "public" / "test.csv"
    test_csv.write_text(test_csv.read_text().replace("\n", "\n\n", 1))  # changed after hashing
    response = upload(client, teacher, klass, zipped(broken.root))
    assert response.status_code == 422
    body = response.json()
    assert body["passed"] is False and body["bundle_hash"] == ""
    failing = [c for c in body["checks"] if not c["passed"]]
    assert [(c["id"], c["name"]) for c in failing] == [("common.files", "hashes match")]
    assert "public/test.csv" in failing[0]["detail"]
    assert not (own_catalog / "broken-v1").exists()
    refused = competition_on(client, teacher, klass, "broken-v1")
    assert refused.status_code == 404 and refused.json()["code"] == "challenge_not_found"


def test_another_class_cannot_use_an_uploaded_bundle(client, teacher_and_class, titanic_bundle, tmp_path):
    teacher, klass = teacher_and_class
    assert upload(client, teacher, klass, zipped(renamed(titanic_bundle, tmp_path, "shipwreck-v1").root)
                  ).status_code == 201
    other = client.post("/api/v1/classes", json={"name": "Other"}, headers=teacher.headers).json()
    refused = competition_on(client, teacher, other, "shipwreck-v1")
    assert refused.status_code == 422 and "uploaded by another class" in refused.json()["message"]


def test_a_changed_bundle_under_a_published_id_is_refused_and_the_old_one_kept(
        client, teacher_and_class, titanic_bundle, tmp_path, own_catalog):
    teacher, klass = teacher_and_class
    first = renamed(titanic_bundle, tmp_path / "a", "shipwreck-v1")
    assert upload(client, teacher, klass, zipped(first.root)).status_code == 201
    changed = renamed(titanic_bundle, tmp_path / "b", "shipwreck-v1")
    brief = changed.root / "brief.md"
    brief.write_text(brief.read_text() + "\nA new paragraph.\n")
    changed.manifest.model_copy(update={"files": list_files(changed.root)}).dump(changed.root / "challenge.toml")
    refused = upload(client, teacher, klass, zipped(changed.root))
    assert refused.status_code == 409
    assert "shipwreck-v2" in refused.json()["expected"]
    assert Bundle(own_catalog / "shipwreck-v1").hash == first.hash


def test_only_the_instructor_of_the_class_may_upload(client, teacher_and_class, titanic_bundle, tmp_path):
    _teacher, klass = teacher_and_class
    learner = sign_up(client, "ann")
    response = upload(client, learner, klass, zipped(renamed(titanic_bundle, tmp_path, "x-v1").root))
    assert response.status_code == 404


def _tar_with(member: tarfile.TarInfo, content: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.addfile(member, io.BytesIO(content) if content else None)
    return buffer.getvalue()


def _escaping_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bundle/challenge.toml", "id = 'x-v1'")
        archive.writestr("../../escaped.txt", "out of the folder")
    return buffer.getvalue()


def _symlink_tar() -> bytes:
    link = tarfile.TarInfo("bundle/sealed")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc"
    return _tar_with(link)


def _absolute_tar() -> bytes:
    member = tarfile.TarInfo("/tmp/absolute.txt")
    member.size = 3
    return _tar_with(member, b"abc")


@pytest.mark.parametrize(("content", "code", "says"), [
    (b"PK\x03\x04 this is not really a zip" * 20, "corrupt_archive", "not a readable zip or tar"),
    (_escaping_zip(), "unsafe_archive", "escapes its folder"),
    (_symlink_tar(), "unsafe_archive", "link or special file"),
    (_absolute_tar(), "unsafe_archive", "escapes its folder"),
    (b"", "empty_file", ""),
], ids=["corrupt", "dotdot", "symlink", "absolute", "empty"])
def test_bad_archives_are_refused_precisely_and_leave_nothing(client, teacher_and_class, arena_home,
                                                              own_catalog, content, code, says):
    teacher, klass = teacher_and_class
    before = sorted(p.name for p in own_catalog.iterdir())
    response = upload(client, teacher, klass, content)
    body = response.json()
    if code == "empty_file":
        assert response.status_code in (400, 422)
        return
    assert response.status_code == 400, body
    assert body["code"] == code and says in body["message"]
    assert body["expected"] and body["hint"]
    assert sorted(p.name for p in own_catalog.iterdir()) == before
    assert not (arena_home.parent / "escaped.txt").exists()
    incoming = arena_home / "arena-bundles"
    assert not incoming.exists() or not any(incoming.iterdir())
    listed = client.get(f"/api/v1/classes/{klass['id']}/bundles", headers=teacher.headers).json()
    assert listed == []


def _csrf(page) -> str:
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _class_page_signed_in(client, klass):
    """The class page, as the teacher sees it after signing in with the browser form."""
    client.post("/login", data={"username": "teacher", "password": "password-123", "next": "/",
                                "csrf_token": _csrf(client.get("/login"))})
    return client.get(f"/classes/{klass['id']}")


def test_the_class_page_uploads_and_shows_the_named_checks(client, teacher_and_class, titanic_bundle,
                                                           tmp_path):
    _teacher, klass = teacher_and_class
    page = _class_page_signed_in(client, klass)
    assert "Upload a challenge" in page.text
    bundle = zipped(renamed(titanic_bundle, tmp_path, "shipwreck-v1").root)
    response = client.post(f"/classes/{klass['id']}/bundles", data={"csrf_token": _csrf(page)},
                           files={"file": ("b.zip", bundle, "application/zip")})
    assert response.status_code == 200, response.text[:500]
    assert "common.files" in response.text and "passed" in response.text


def test_the_cli_uploads_a_folder_and_prints_the_servers_checks(client, teacher_and_class,
                                                                titanic_bundle, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tiltyard.cli import app
    from tiltyard.client import ArenaClient

    teacher, klass = teacher_and_class
    arena = ArenaClient("http://testserver", teacher.token)
    client.headers.update(teacher.headers)
    arena._http = client  # the CLI's HTTP calls go to this test's app
    monkeypatch.setattr("tiltyard.client.require_arena", lambda _command: arena)
    good = renamed(titanic_bundle, tmp_path, "shipwreck-v1")
    published = CliRunner().invoke(app, ["author", "upload", str(good.root), "--class", str(klass["id"])])
    assert published.exit_code == 0, published.output
    assert "Published shipwreck-v1" in published.stdout and "common.files" in published.stdout
    broken = renamed(titanic_bundle, tmp_path, "broken-v1")
    (broken.root / "public" / "extra.csv").write_text("a\n1\n")
    refused = CliRunner().invoke(app, ["author", "upload", str(broken.root), "--class", str(klass["id"])])
    assert refused.exit_code == 1
    assert "no unlisted files" in refused.stdout and "Not published" in refused.stdout


def test_a_built_in_or_another_classes_id_is_refused(client, teacher_and_class, titanic_bundle, tmp_path):
    teacher, klass = teacher_and_class
    built_in = upload(client, teacher, klass, zipped(titanic_bundle.root))
    assert built_in.status_code == 409 and "arena's own challenges" in built_in.json()["message"]
    mine = renamed(titanic_bundle, tmp_path, "shipwreck-v1")
    assert upload(client, teacher, klass, zipped(mine.root)).status_code == 201
    other = client.post("/api/v1/classes", json={"name": "Other"}, headers=teacher.headers).json()
    taken = upload(client, teacher, other, zipped(mine.root))
    assert taken.status_code == 409 and "Another class" in taken.json()["message"]
    assert competition_on(client, teacher, klass, "titanic-v1").status_code == 201  # still everyone's


# An author's folder instead of a built bundle: the server builds it (a planted CSV of 400 rows,
# a few seconds), then checks and publishes it like a bundle.
AUTHORED_ROWS = 400


def _author_folder(root, **overrides):
    from authoring_cases import author_folder, planted_frame

    return author_folder(root, planted_frame(AUTHORED_ROWS), **overrides)


def _authored_files(folder, data="data.csv", story="story.md"):
    return {"data": ("mine.csv", (folder / data).read_bytes(), "text/csv"),
            "author_toml": ("author.toml", (folder / "author.toml").read_bytes(), "application/toml"),
            "story": ("story.md", (folder / story).read_bytes(), "text/markdown")}


def upload_authored(client, account, klass, files):
    return client.post(f"/api/v1/classes/{klass['id']}/bundles/authored", headers=account.headers, files=files)


def _nothing_incoming(arena_home) -> bool:
    home = arena_home / "arena-bundles"
    return not home.exists() or not any(p.name.startswith(".incoming-") for p in home.iterdir())


def test_a_csv_and_its_author_toml_are_built_checked_and_published(client, teacher_and_class, tmp_path,
                                                                   arena_home, own_catalog):
    import tiltyard

    teacher, klass = teacher_and_class
    folder = _author_folder(tmp_path, **{'id = "data-v1"': 'id = "planted-v1"'})
    package_before = sorted(p.name for p in Path(tiltyard.__file__).parent.rglob("*"))
    response = upload_authored(client, teacher, klass, _authored_files(folder))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["passed"] and body["challenge_id"] == "planted-v1"
    ids = {c["id"] for c in body["checks"]}
    assert {"common.manifest", "common.files", "table.ids", "table.no_todo"} <= ids
    assert Bundle(own_catalog / "planted-v1").hash == body["bundle_hash"]
    assert Bundle(arena_home / "arena-bundles" / body["bundle_hash"] / "planted-v1").hash == body["bundle_hash"]
    assert _nothing_incoming(arena_home)
    assert sorted(p.name for p in Path(tiltyard.__file__).parent.rglob("*")) == package_before
    assert competition_on(client, teacher, klass, "planted-v1").status_code == 201
    listed = client.get(f"/api/v1/classes/{klass['id']}/bundles", headers=teacher.headers).json()
    assert [b["challenge_id"] for b in listed] == ["planted-v1"]


@pytest.mark.parametrize(("overrides", "says", "hint"), [
    ({'target = "outcome"': 'target = "outcom"'}, "outcom", "outcome"),
    ({'story = "story.md"': 'story = "../../story.md"'}, "not a plain file name", "file's name alone"),
], ids=["unknown-target", "story-outside"])
def test_a_folder_the_build_refuses_is_answered_as_author_build_does_and_nothing_is_kept(
        client, teacher_and_class, tmp_path, arena_home, own_catalog, overrides, says, hint):
    teacher, klass = teacher_and_class
    folder = _author_folder(tmp_path, **overrides)
    before = sorted(p.name for p in own_catalog.iterdir())
    response = upload_authored(client, teacher, klass, _authored_files(folder))
    body = response.json()
    assert response.status_code == 400, body
    assert body["code"] == "authoring_invalid" and says in body["message"] + body["got"]
    assert body["expected"] and hint in body["hint"]
    assert sorted(p.name for p in own_catalog.iterdir()) == before
    assert _nothing_incoming(arena_home)
    assert client.get(f"/api/v1/classes/{klass['id']}/bundles", headers=teacher.headers).json() == []


def test_an_authored_upload_needs_all_three_files_and_the_instructor(client, teacher_and_class, tmp_path):
    teacher, klass = teacher_and_class
    files = _authored_files(_author_folder(tmp_path))
    missing = upload_authored(client, teacher, klass, {k: v for k, v in files.items() if k != "story"})
    assert missing.status_code == 422 and "story" in missing.text
    learner = sign_up(client, "ann")
    assert upload_authored(client, learner, klass, files).status_code == 404


def test_the_class_page_builds_an_authors_folder_and_shows_a_todo_left(client, teacher_and_class, tmp_path,
                                                                        own_catalog):
    _teacher, klass = teacher_and_class
    page = _class_page_signed_in(client, klass)
    assert "Build, check and upload" in page.text
    no_story = client.post(f"/classes/{klass['id']}/bundles/authored", data={"csrf_token": _csrf(page)},
                           files={k: v for k, v in _authored_files(_author_folder(tmp_path / "a")).items()
                                  if k != "story"}, headers={"accept": "application/json"})
    assert no_story.status_code == 422 and "'story' field" in no_story.json()["expected"]
    folder = _author_folder(tmp_path, **{'licence = "CC0 1.0"': 'licence = "TODO"'})
    response = client.post(f"/classes/{klass['id']}/bundles/authored", data={"csrf_token": _csrf(page)},
                           files=_authored_files(folder))
    assert response.status_code == 422, response.text[:500]
    assert "failed checks" in response.text and "still TODO" in response.text
    assert not (own_catalog / "data-v1").exists()


def test_the_cli_uploads_an_authors_folder(client, teacher_and_class, tmp_path, monkeypatch, own_catalog):
    from typer.testing import CliRunner

    from tiltyard.cli import app
    from tiltyard.client import ArenaClient

    teacher, klass = teacher_and_class
    arena = ArenaClient("http://testserver", teacher.token)
    client.headers.update(teacher.headers)
    arena._http = client
    monkeypatch.setattr("tiltyard.client.require_arena", lambda _command: arena)
    folder = _author_folder(tmp_path)
    result = CliRunner().invoke(app, ["author", "upload", str(folder), "--class", str(klass["id"])])
    assert result.exit_code == 0, result.output
    assert "Will send data.csv, author.toml, story.md" in result.stdout
    assert "Published data-v1" in result.stdout and "table.no_todo" in result.stdout
    assert (own_catalog / "data-v1").is_dir()
    (folder / "story.md").unlink()
    missing = CliRunner().invoke(app, ["author", "upload", str(folder), "--class", str(klass["id"])])
    assert missing.exit_code == 2 and "No file" in missing.output and "story.md" in missing.output
