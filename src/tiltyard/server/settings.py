"""Settings the arena adds to the spine's: secrets, the first admin, rate and submission limits.

Read from ``TILTYARD_*`` environment variables like the spine's settings. Kept apart from
``tiltyard.config`` because only the server needs them.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from tiltyard.config import get_settings


class ArenaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TILTYARD_", extra="ignore")

    secret_key: str | None = None  # signs session cookies; default: a key kept in the home folder
    admin_username: str | None = None  # first start creates this admin when both are set
    admin_password: str | None = None
    public_url: str = "http://127.0.0.1:8000"  # used in the setup link printed on first start
    login_attempts_per_minute: int = 10  # per client address
    submissions_per_minute: int = 30  # per account: a burst guard, beside the per-day limit
    practice_submissions_per_day: int | None = None  # default: the challenge's own budget
    secure_cookies: bool = False  # set true behind HTTPS
    grading_workers: int = 1  # worker processes started beside the server; 0: run `tiltyard worker`
    grading_concurrency: int = 2  # jobs each worker process grades at once
    grading_lease_seconds: float = 30.0  # a killed worker's jobs are taken again after this
    grading_niceness: int = 10  # workers yield the CPU to the web server (os.nice)
    leaderboard_refresh_seconds: float = 0.5  # while grades pour in, boards lag at most this
    # The arena's own catalog, built from its secret instance seed (default HOME/arena-catalog):
    # never a learner's practice catalog, whose sealed answers are on every learner's disk.
    arena_catalog_dir: Path | None = None

    def catalog_folder(self) -> Path:
        return self.arena_catalog_dir or get_settings().home / "arena-catalog"

    def instance_seed_file(self) -> Path:
        """Kept beside the session key, drawn on first start (0600), never shown."""
        return get_settings().home / "server-instance-seed"

    def enter_arena(self) -> None:
        """Make this process (and the grading workers it starts, which inherit its
        environment) build, grade and serve the arena's instance: its catalog folder, its
        instance seed. Called by every way of starting the arena before it opens a bundle."""
        os.environ["TILTYARD_CATALOG_DIR"] = str(self.catalog_folder())
        os.environ["TILTYARD_INSTANCE_SEED_FILE"] = str(self.instance_seed_file())
        get_settings.cache_clear()

    def session_secret(self) -> str:
        """The configured key, or the one kept in the store (drawn by the first server process
        that starts), so that sessions survive a restart and hold on every server process on
        the database, on any machine."""
        if self.secret_key:
            return self.secret_key
        from tiltyard.server.security import shared_secret  # the store's tables sit above

        return shared_secret("session", self._first_session_secret)

    @staticmethod
    def _first_session_secret() -> str:
        """A home that kept its key in a file (before the store held it) keeps its sessions."""
        path: Path = get_settings().home / "server-secret-key"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
        return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_arena_settings() -> ArenaSettings:
    return ArenaSettings()
