"""The HTTP client the CLI uses once `tiltyard login URL` has saved credentials: from then on
`submit`, `history`, `report`, `final`, `leaderboard`, `start` and `competitions` speak to the
arena's HTTP API (/api/v1), never to the local store.

Credentials live in HOME/credentials.json (mode 0600): the server URL and an API token.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx

from tiltyard.config import get_settings
from tiltyard.errors import TiltyardError
from tiltyard.report import Report


def credentials_path() -> Path:
    return get_settings().home / "credentials.json"


def saved_login() -> dict | None:
    path = credentials_path()
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _raise_for(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    raise TiltyardError(body.get("message") or f"The server answered {response.status_code}",
                        code=body.get("code", "server_error"), expected=body.get("expected"),
                        got=body.get("got"), hint=body.get("hint"))


def login(url: str, username: str, password: str) -> dict:
    """Exchange a username and password for a token and save both URL and token."""
    url = url.rstrip("/")
    try:
        response = httpx.post(f"{url}/api/v1/auth/tokens", timeout=30,
                              json={"username": username, "password": password,
                                    "name": f"cli on {os.uname().nodename}"})
    except httpx.HTTPError as error:
        raise TiltyardError(f"Could not reach {url}", expected="a running `tiltyard serve`",
                            got=str(error), hint="Check the address and that the server is up",
                            code="server_unreachable") from None
    _raise_for(response)
    saved = {"url": url, "token": response.json()["token"],
             "username": response.json()["user"]["username"]}
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(saved), encoding="utf-8")
    return saved


def logout() -> dict | None:
    """Revoke the token on the server (if reachable) and forget it here."""
    saved = saved_login()
    if saved is None:
        return None
    try:
        ArenaClient(saved["url"], saved["token"]).request("DELETE", "/api/v1/auth/tokens/current")
    except TiltyardError:
        pass  # an unreachable server or a revoked token: forgetting it locally is what matters
    credentials_path().unlink(missing_ok=True)
    return saved


class ArenaClient:
    def __init__(self, url: str, token: str, timeout: float = 60.0):
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"})

    @classmethod
    def from_saved(cls) -> ArenaClient | None:
        saved = saved_login()
        return cls(saved["url"], saved["token"]) if saved else None

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise TiltyardError(f"Could not reach {self.url}", expected="a running server",
                                got=str(error), hint="Check the server, or `tiltyard logout` to "
                                "work locally", code="server_unreachable") from None
        _raise_for(response)
        return response

    def submit(self, challenge_id: str, path: Path, competition_id: int | None = None,
               wait_s: float = 120.0) -> Report:
        """Upload, then wait for the server's own grade (it never trusts one made here)."""
        import time

        target = (f"/api/v1/competitions/{competition_id}/submissions" if competition_id
                  else f"/api/v1/challenges/{challenge_id}/submissions")
        with open(path, "rb") as handle:
            submission = self.request("POST", target, files={"file": (Path(path).name, handle)}).json()
        deadline = time.monotonic() + wait_s
        while submission["status"] == "received":
            if time.monotonic() > deadline:
                raise TiltyardError(f"Submission {submission['id']} is stored but not graded yet",
                                    expected=f"a grade within {wait_s:.0f} s", got="still waiting",
                                    hint=f"See it later at {self.url}/submissions/{submission['id']}",
                                    code="grading_slow")
            time.sleep(0.3)
            submission = self.request("GET", f"/api/v1/submissions/{submission['id']}").json()
        return Report.model_validate(
            self.request("GET", f"/api/v1/submissions/{submission['id']}/report").json())

    def json(self, method: str, path: str, **kwargs):
        return self.request(method, path, **kwargs).json()

    def report(self, submission_id: int) -> Report:
        return Report.model_validate(self.json("GET", f"/api/v1/submissions/{submission_id}/report"))

    def submission(self, submission_id: int) -> dict:
        return self.json("GET", f"/api/v1/submissions/{submission_id}")

    def history(self, challenge_id: str | None = None) -> list[dict]:
        """Your submissions on the arena (practice and competitions), oldest first."""
        params = {"challenge_id": challenge_id} if challenge_id else {}
        return sorted(self.json("GET", "/api/v1/submissions", params=params),
                      key=lambda s: s["id"])

    def choose_final(self, challenge_id: str, submission_id: int) -> tuple[Report, dict]:
        """The server's final choice, checked against the challenge first as locally."""
        found = self.submission(submission_id)
        if found["challenge_id"] != challenge_id:
            raise TiltyardError(f"Submission {submission_id} belongs to {found['challenge_id']}",
                                expected=f"a submission to {challenge_id}",
                                got=found["challenge_id"], code="wrong_challenge",
                                hint=f"Run `tiltyard final {found['challenge_id']} {submission_id}`")
        chosen = self.json("POST", f"/api/v1/submissions/{submission_id}/final")
        return self.report(submission_id), chosen

    def leaderboard(self, challenge_id: str, competition_id: int | None = None) -> dict:
        path = (f"/api/v1/competitions/{competition_id}/leaderboard" if competition_id
                else f"/api/v1/challenges/{challenge_id}/leaderboard")
        return self.json("GET", path)

    def competitions(self, state: str | None = None) -> list[dict]:
        return self.json("GET", "/api/v1/competitions", params={"state": state} if state else {})

    def competition(self, reference: str) -> dict:
        """A competition of yours by id or slug (as `tiltyard competitions` lists them)."""
        mine = self.competitions()
        found = [c for c in mine if str(c["id"]) == reference or c["slug"] == reference.lower()]
        if len(found) == 1:
            return found[0]
        listed = ", ".join(f"{c['id']} ({c['slug']}, {c['state']})" for c in mine) or "none"
        if found:
            raise TiltyardError(f"{len(found)} of your competitions are called {reference!r}",
                                expected="one competition", got=listed, code="ambiguous",
                                hint="Pass its id instead (`tiltyard competitions` lists them)")
        raise TiltyardError(f"You have no competition {reference!r} on {self.url}",
                            expected="the id or slug of a competition in one of your classes",
                            got=f"{reference}; yours: {listed}", code="competition_not_found",
                            hint="`tiltyard competitions` lists the open ones; join a class "
                                 "with its code on the arena's /me page first")

    def upload_bundle(self, class_id: int, archive: Path) -> dict:
        """The server's checks of an uploaded bundle; a 422 with checks is an answer, not an error."""
        with open(archive, "rb") as handle:
            return self._checked_upload(f"/api/v1/classes/{class_id}/bundles",
                                        {"file": (archive.name, handle, "application/zip")})

    def upload_authored(self, class_id: int, data: Path, author_toml: Path, story: Path) -> dict:
        """An author's folder, built by the server as `tiltyard author build` does, then checked."""
        with open(data, "rb") as csv, open(author_toml, "rb") as toml, open(story, "rb") as text:
            return self._checked_upload(f"/api/v1/classes/{class_id}/bundles/authored", {
                "data": (data.name, csv, "text/csv"), "author_toml": (author_toml.name, toml, "application/toml"),
                "story": (story.name, text, "text/markdown")})

    def _checked_upload(self, path: str, files: dict) -> dict:
        try:
            response = self._http.post(path, files=files)
        except httpx.HTTPError as error:
            raise TiltyardError(f"Could not reach {self.url}", expected="a running server",
                                got=str(error), code="server_unreachable") from None
        if response.status_code == 422 and "checks" in response.json():
            return response.json()
        _raise_for(response)
        return response.json()

    def download_workspace(self, challenge_id: str, target: Path) -> Path:
        """The arena's public files, starters and brief as a zip (what `start` unpacks)."""
        response = self.request("GET", f"/api/v1/challenges/{challenge_id}/workspace.zip")
        target.write_bytes(response.content)
        return target


def require_arena(command: str) -> ArenaClient:
    arena = ArenaClient.from_saved()
    if arena is None:
        raise TiltyardError(f"`tiltyard {command}` speaks to an arena, and you are not signed in",
                            expected="a login saved by `tiltyard login URL`", got="no login",
                            hint="Run `tiltyard login URL --username YOU` (your instructor "
                                 "gives the URL), then try again", code="not_signed_in")
    return arena
