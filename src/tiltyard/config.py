"""Settings: where the home folder is, which database, which limits.

Every setting can be overridden by an environment variable prefixed ``TILTYARD_``
(``TILTYARD_HOME``, ``TILTYARD_CATALOG_DIR``, ``TILTYARD_INSTANCE_SEED_FILE``,
``TILTYARD_DATABASE_URL``, ``TILTYARD_DATABASE_CONNECTIONS``, ``TILTYARD_MAX_SUBMISSION_MB``,
``TILTYARD_OWNER``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TILTYARD_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("tiltyard")))
    catalog_dir: Path | None = None  # default: HOME/catalog; a class can share one read-only
    # None: built-ins are built as the practice instance (the same on every disk). An arena
    # sets it (to a 0600 file beside its secrets): built-ins are then built from that seed.
    instance_seed_file: Path | None = None
    database_url: str | None = None
    # PostgreSQL: the connections one process keeps open (its pool; a request past them waits
    # for one). `tiltyard serve` checks that its processes' pools fit the server's
    # max_connections. SQLite keeps its own (see store.database).
    database_connections: int = Field(default=20, ge=1)
    max_submission_mb: float = 200.0
    owner: str = "local"
    # Only where bubblewrap cannot run and only trusted code is graded: rlimits alone.
    allow_weak_sandbox: bool = False

    @model_validator(mode="after")
    def _default_catalog(self) -> Settings:
        if self.catalog_dir is None:
            self.catalog_dir = self.home / "catalog"
        return self

    @property
    def submissions_dir(self) -> Path:
        return self.home / "submissions"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'tiltyard.db'}"

    @property
    def max_submission_bytes(self) -> int:
        return int(self.max_submission_mb * 1024 * 1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
