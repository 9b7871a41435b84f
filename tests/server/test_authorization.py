"""Every route against five kinds of caller: anonymous, the learner who owns things, another
learner, an instructor of another class, and the admin (plus the class's own instructor).
Things a caller may not see answer 404, as if they did not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from arena_helpers import (
    CHALLENGE,
    catalog_of_its_own,
    grade_all,
    login,
    make_instructor,
    predictions_csv,
    sign_up,
    zipped,
)
from bundle_versions import renamed

ANON, LEARNER, OTHER, INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN = (
    "anonymous", "learner", "other_learner", "instructor", "other_instructor", "admin")
EVERYONE = (ANON, LEARNER, OTHER, INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN)
UPLOADED = "shipwreck-v1"  # uploaded to the class: seen by its members, its instructor and admins


@pytest.fixture
def app(arena_home, titanic_bundle, tmp_path, monkeypatch):
    """The arena on a catalog of this test's own (the class's upload goes there)."""
    from tiltyard.server import create_app

    catalog_of_its_own(titanic_bundle, tmp_path / "arena-catalog", monkeypatch)
    return create_app(grade_in_background=False)


@pytest.fixture
def world(client, titanic_bundle, tmp_path):
    admin = login(client, "admin", "admin-password")
    instructor, other_instructor = sign_up(client, "ines"), sign_up(client, "otto")
    learner, other = sign_up(client, "lea"), sign_up(client, "olga")
    for teacher in (instructor, other_instructor):
        make_instructor(client, admin, teacher)
    klass = client.post("/api/v1/classes", json={"name": "ML 101"}, headers=instructor.headers).json()
    other_class = client.post("/api/v1/classes", json={"name": "Other"},
                              headers=other_instructor.headers).json()
    now = datetime.now(UTC)
    competition = client.post(f"/api/v1/classes/{klass['id']}/competitions", headers=instructor.headers,
                              json={"challenge_id": CHALLENGE, "opens_at": (now - timedelta(days=1)).isoformat(),
                                    "closes_at": (now + timedelta(days=7)).isoformat()}).json()
    assert client.post("/api/v1/classes/join", json={"join_code": klass["join_code"]},
                       headers=learner.headers).status_code == 200
    assert client.post(f"/api/v1/classes/{klass['id']}/bundles", headers=instructor.headers, files={
        "file": ("b.zip", zipped(renamed(titanic_bundle, tmp_path, UPLOADED).root), "application/zip")}
                       ).status_code == 201
    files = {"file": ("predictions.csv", predictions_csv(titanic_bundle), "text/csv")}
    practice = client.post(f"/api/v1/challenges/{CHALLENGE}/submissions", files=files,
                           headers=learner.headers).json()
    entry = client.post(f"/api/v1/competitions/{competition['id']}/submissions", files=files,
                        headers=learner.headers).json()
    grade_all()
    return {"accounts": {LEARNER: learner, OTHER: other, INSTRUCTOR: instructor,
                         OTHER_INSTRUCTOR: other_instructor, ADMIN: admin},
            "class": klass["id"], "other_class": other_class["id"], "competition": competition["id"],
            "practice": practice["id"], "entry": entry["id"], "other_id": other.id}


def ok_for(status: int, allowed: tuple[str, ...], denied: int = 404) -> dict[str, int]:
    """``status`` for the allowed callers; 401 for anonymous; ``denied`` for the rest."""
    return {who: status if who in allowed else (401 if who == ANON else denied) for who in EVERYONE}


def matrix(w) -> list[tuple[str, str, dict, dict[str, int]]]:
    c, comp, p, e = w["class"], w["competition"], w["practice"], w["entry"]
    public = {who: 200 for who in EVERYONE}
    in_class = (LEARNER, INSTRUCTOR, ADMIN)
    teaches = (INSTRUCTOR, ADMIN)
    signed_in = (LEARNER, OTHER, INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN)
    csv_file = {"files": {"file": ("p.csv", b"passenger_id,survived\n", "text/csv")}}
    # The class's upload: unseen (404, even for anonymous callers) outside the class.
    class_only = {who: 200 if who in in_class else 404 for who in EVERYONE}
    return [
        ("GET", f"/api/v1/challenges/{UPLOADED}", {}, class_only),
        ("GET", f"/api/v1/challenges/{UPLOADED}/files/train.csv", {}, class_only),
        ("GET", f"/api/v1/challenges/{UPLOADED}/leaderboard", {}, class_only),
        ("GET", f"/api/v1/challenges/{UPLOADED}/workspace.zip", {}, class_only),
        ("GET", f"/api/v1/challenges/{UPLOADED}/allowance", {}, ok_for(200, in_class)),
        ("POST", f"/api/v1/challenges/{UPLOADED}/submissions", csv_file, ok_for(202, in_class)),
        ("POST", f"/api/v1/classes/{w['other_class']}/competitions",
         {"json": {"challenge_id": UPLOADED, "opens_at": "2030-01-01T00:00:00Z",
                   "closes_at": "2030-02-01T00:00:00Z"}}, ok_for(404, ())),
        ("GET", "/api/v1/challenges", {}, public),
        ("GET", f"/api/v1/challenges/{CHALLENGE}", {}, public),
        ("GET", f"/api/v1/challenges/{CHALLENGE}/files/train.csv", {}, public),
        ("GET", f"/api/v1/challenges/{CHALLENGE}/leaderboard", {}, public),
        ("GET", f"/api/v1/challenges/{CHALLENGE}/workspace.zip", {}, public),
        ("GET", f"/api/v1/challenges/{CHALLENGE}/allowance", {}, ok_for(200, signed_in)),
        ("GET", "/api/v1/competitions", {}, ok_for(200, signed_in)),
        ("POST", f"/api/v1/challenges/{CHALLENGE}/submissions", csv_file, ok_for(202, signed_in)),
        ("GET", "/api/v1/users/me", {}, ok_for(200, signed_in)),
        ("GET", "/api/v1/users", {}, ok_for(200, (ADMIN,), denied=403)),
        ("PATCH", f"/api/v1/users/{w['other_id']}", {"json": {"role": "learner"}},
         ok_for(200, (ADMIN,), denied=403)),
        ("GET", "/api/v1/submissions", {}, ok_for(200, signed_in)),
        ("GET", f"/api/v1/submissions/{p}", {}, ok_for(200, (LEARNER, ADMIN))),
        ("GET", f"/api/v1/submissions/{p}/report", {}, ok_for(200, (LEARNER, ADMIN))),
        ("GET", f"/api/v1/submissions/{p}/file", {}, ok_for(200, (LEARNER,))),
        ("GET", f"/api/v1/submissions/{e}", {}, ok_for(200, in_class)),
        ("GET", f"/api/v1/submissions/{e}/report", {}, ok_for(200, in_class)),
        ("GET", f"/api/v1/submissions/{e}/file", {}, ok_for(200, (LEARNER,))),
        ("POST", f"/api/v1/submissions/{p}/final", {},
         {**ok_for(200, (LEARNER,)), ADMIN: 403}),
        ("GET", "/api/v1/classes", {}, ok_for(200, signed_in)),
        ("POST", "/api/v1/classes", {"json": {"name": "New"}},
         ok_for(201, (INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN), denied=403)),
        ("POST", "/api/v1/classes/join", {"json": {"join_code": "NOSUCHCODE"}},
         ok_for(404, signed_in)),
        ("GET", f"/api/v1/classes/{c}", {}, ok_for(200, in_class)),
        ("POST", f"/api/v1/classes/{c}/competitions",
         {"json": {"challenge_id": CHALLENGE, "opens_at": "2030-01-01T00:00:00Z",
                   "closes_at": "2030-02-01T00:00:00Z"}}, ok_for(201, teaches)),
        ("GET", f"/api/v1/classes/{c}/dashboard", {}, ok_for(200, teaches)),
        ("GET", f"/api/v1/classes/{c}/grades.csv", {}, ok_for(200, teaches)),
        # Not an archive: refused (400) for those who may upload, unseen (404) by the others.
        ("POST", f"/api/v1/classes/{c}/bundles", csv_file, ok_for(400, teaches)),
        # An author.toml that does not read: refused as `tiltyard author build` does (400).
        ("POST", f"/api/v1/classes/{c}/bundles/authored", {"files": {
            "data": ("d.csv", b"a,b\n1,2\n", "text/csv"), "author_toml": ("author.toml", b"[[", "text/plain"),
            "story": ("story.md", b"A story.", "text/markdown")}}, ok_for(400, teaches)),
        ("GET", f"/api/v1/classes/{c}/bundles", {}, ok_for(200, teaches)),
        ("POST", "/api/v1/admin/regrade", {"json": {"challenge_id": CHALLENGE}},
         ok_for(200, (ADMIN,), denied=403)),
        ("GET", f"/api/v1/competitions/{comp}", {}, ok_for(200, in_class)),
        ("GET", f"/api/v1/competitions/{comp}/leaderboard", {}, ok_for(200, in_class)),
        ("GET", f"/api/v1/competitions/{comp}/teams", {}, ok_for(200, in_class)),
        ("POST", f"/api/v1/competitions/{comp}/submissions", csv_file, ok_for(202, in_class)),
        # Individual competition: members may ask, and are told it is individual (422).
        ("POST", f"/api/v1/competitions/{comp}/teams", {"json": {"name": "t"}}, ok_for(422, in_class)),
        ("POST", f"/api/v1/competitions/{comp}/teams/1/members", {}, ok_for(404, in_class)),
        ("DELETE", "/api/v1/auth/tokens/current", {}, ok_for(204, ())),  # checked last, see below
    ]


def page_matrix(w) -> list[tuple[str, dict[str, int]]]:
    """Pages for a browser: anonymous callers are sent to sign in (303)."""
    c, comp, p, e = w["class"], w["competition"], w["practice"], w["entry"]
    signed_in = (LEARNER, OTHER, INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN)
    in_class = (LEARNER, INSTRUCTOR, ADMIN)

    def page(allowed, denied=404):
        return {who: 200 if who in allowed else (303 if who == ANON else denied) for who in EVERYONE}

    return [
        ("/", {who: 200 for who in EVERYONE}),
        ("/signup", {who: 200 for who in EVERYONE}),
        ("/login", {who: 200 for who in EVERYONE}),
        (f"/challenges/{CHALLENGE}", {who: 200 for who in EVERYONE}),
        (f"/challenges/{CHALLENGE}/leaderboard", {who: 200 for who in EVERYONE}),
        (f"/challenges/{UPLOADED}", {who: 200 if who in in_class else 404 for who in EVERYONE}),
        (f"/challenges/{UPLOADED}/leaderboard", {who: 200 if who in in_class else 404 for who in EVERYONE}),
        ("/me", page(signed_in)),
        (f"/submissions/{p}", page((LEARNER, ADMIN))),
        (f"/submissions/{p}/status", page((LEARNER, ADMIN))),
        (f"/submissions/{e}", page((LEARNER, INSTRUCTOR, ADMIN))),
        (f"/classes/{c}", page((LEARNER, INSTRUCTOR, ADMIN))),
        (f"/competitions/{comp}", page((LEARNER, INSTRUCTOR, ADMIN))),
        ("/classes/new", page((INSTRUCTOR, OTHER_INSTRUCTOR, ADMIN), denied=403)),
        ("/admin/users", page((ADMIN,), denied=403)),
        ("/admin/regrade", page((ADMIN,), denied=403)),
        ("/setup/tya_not-a-real-token", {who: 200 for who in EVERYONE}),
    ]


def _call(client, who, accounts, method, path, kwargs, html=False):
    headers = {} if who == ANON else dict(accounts[who].headers)
    if html:
        headers["accept"] = "text/html"
    return client.request(method, path, headers=headers, follow_redirects=False, **kwargs)


def test_every_api_route_answers_each_caller_as_expected(client, world):
    failures = []
    for method, path, kwargs, expected in matrix(world):
        for who in EVERYONE:
            if method == "DELETE":
                continue
            got = _call(client, who, world["accounts"], method, path, kwargs).status_code
            if got != expected[who]:
                failures.append(f"{method} {path} as {who}: expected {expected[who]}, got {got}")
    assert not failures, "\n".join(failures)


def test_every_page_answers_each_caller_as_expected(client, world):
    failures = []
    for path, expected in page_matrix(world):
        for who in EVERYONE:
            got = _call(client, who, world["accounts"], "GET", path, {}, html=True).status_code
            if got != expected[who]:
                failures.append(f"GET {path} as {who}: expected {expected[who]}, got {got}")
    assert not failures, "\n".join(failures)


def test_the_matrix_covers_every_api_route(app, world):
    """A new API route must be added to the matrix above (sign-up and sign-in are public by
    design and tested in test_api)."""
    import re

    def template(path: str) -> str:
        return re.sub(r"\{[a-z_]+(:path)?\}", "{}", path)

    covered = {(method, template(re.sub(r"/\d+", "/{x}", path).replace(f"/{CHALLENGE}", "/{x}")
                                 .replace("/files/train.csv", "/files/{x}")))
               for method, path, _k, _e in matrix(world)}
    missing = [f"{method.upper()} {path}" for path, item in app.openapi()["paths"].items()
               for method in item if (method.upper(), template(path)) not in covered
               and path not in ("/api/v1/auth/signup", "/api/v1/auth/tokens")]
    assert not missing, "API routes missing from the matrix: " + ", ".join(missing)


def test_an_uploaded_challenge_is_listed_for_its_class_alone(client, world):
    for who in EVERYONE:
        headers = {} if who == ANON else world["accounts"][who].headers
        listed = {c["id"] for c in client.get("/api/v1/challenges", headers=headers).json()}
        home = client.get("/", headers={**headers, "accept": "text/html"}).text
        seen = who in (LEARNER, INSTRUCTOR, ADMIN)
        assert CHALLENGE in listed and (UPLOADED in listed) == seen, who
        assert (UPLOADED in home) == seen, who
        refused = client.get(f"/api/v1/challenges/{UPLOADED}x", headers=headers).json()
        # Not even named among the ids expected, nor in "did you mean".
        assert (UPLOADED in refused["expected"] + (refused["hint"] or "")) == seen, (who, refused)
    other_class_page = client.get(f"/classes/{world['other_class']}", headers={
        **world["accounts"][OTHER_INSTRUCTOR].headers, "accept": "text/html"})
    assert other_class_page.status_code == 200 and UPLOADED not in other_class_page.text


def test_sealed_answers_are_never_served(client, world, titanic_bundle):
    sealed = [f.path for f in titanic_bundle.manifest.files if f.role == "sealed"]
    assert sealed
    for who in EVERYONE:
        for path in sealed + [f"../{p}" for p in sealed] + ["../challenge.toml", "%2e%2e/" + sealed[0]]:
            response = _call(client, who, world["accounts"], "GET",
                             f"/api/v1/challenges/{CHALLENGE}/files/{path}", {})
            assert response.status_code == 404, (who, path, response.status_code)
            assert b"passenger_id" not in response.content


def test_the_workspace_zip_holds_no_sealed_file(client, titanic_bundle):
    import io
    import zipfile

    response = client.get(f"/api/v1/challenges/{CHALLENGE}/workspace.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    public = {"data/" + f.path.removeprefix("public/")
              for f in titanic_bundle.manifest.files_with_role("public")}
    assert public <= set(archive.namelist()) and "README.md" in archive.namelist()
    import hashlib

    # The constant baseline's predictions are the sample submission, byte for byte: not a secret.
    shown = {f.sha256 for f in titanic_bundle.manifest.files if f.role != "sealed"}
    sealed = {f.sha256 for f in titanic_bundle.manifest.files if f.role == "sealed"} - shown
    assert not sealed & {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()}


def test_page_forms_refuse_a_missing_csrf_token(client, world):
    learner = world["accounts"][LEARNER]
    for path in ("/classes/join", f"/submissions/{world['practice']}/final", "/logout", "/signup",
                 "/login", "/classes", f"/competitions/{world['competition']}/teams"):
        response = client.post(path, data={"name": "x", "join_code": "X", "username": "x",
                                           "password": "y" * 8}, headers=learner.headers)
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["code"] == "forbidden"


def test_revoked_token_no_longer_works(client, world):
    learner = world["accounts"][LEARNER]
    assert client.delete("/api/v1/auth/tokens/current", headers=learner.headers).status_code == 204
    response = client.get("/api/v1/users/me", headers=learner.headers)
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "expected", "got", "hint"}
