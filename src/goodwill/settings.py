"""Instance settings, from environment variables (prefix GOODWILL_). Each has a default and a help line;
docs/configuration.md lists them."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(user_data_dir("goodwill", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOODWILL_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where goodwill keeps its SQLite database and other files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db. "
        "Default: sqlite:///<data_dir>/goodwill.db.",
    )
    workspace: str = Field(default="default", description="Slug of the workspace CLI commands act on.")
    redis_url: str | None = Field(
        default=None,
        description="Redis URL of the job queue shared by every `goodwill worker` and `goodwill serve`, e.g. "
        "redis://host:6379/0. Default: a SQLite queue file beside the SQLite database (one machine).",
    )
    queue_name: str = Field(
        default="goodwill", description="Name of the job queue: deployments that share one Redis use different names."
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'goodwill.db'}"


def get_settings() -> Settings:
    return Settings()
