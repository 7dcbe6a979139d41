"""One typed settings object; every value can be set by an environment variable.

``BACKSTRIDE_DATABASE_URL`` selects the database (default: an SQLite file in the user's data
directory, so a fresh install needs no server); ``BACKSTRIDE_DATA_DIR`` moves that directory.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """BackStride configuration (environment variables prefixed ``BACKSTRIDE_``)."""

    model_config = SettingsConfigDict(env_prefix="BACKSTRIDE_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("backstride", appauthor=False))
    )
    database_url: str | None = None

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/backstride.sqlite3``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'backstride.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment (tests clear the cache to change them)."""
    return Settings()
