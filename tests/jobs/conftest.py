"""Fixtures for the job queue: a SQLite queue beside the test database, or a real Redis.

Redis: GOODWILL_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Each test gets its own queue name and
flushes it afterwards. Without a server the Redis tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from goodwill.jobs.queue import Jobs, make_huey
from goodwill.store import Store
from tests.conftest import _service_missing
from tests.inbox.conftest import world  # noqa: F401 - the inbox's world of a team and a channel

REDIS_URL = os.environ.get("GOODWILL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


SECRET_KEY = "test-key-" + "x" * 40


@pytest.fixture(autouse=True)
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GOODWILL_SECRET_KEY", SECRET_KEY)
    monkeypatch.delenv("GOODWILL_ENV", raising=False)
    return SECRET_KEY


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        _service_missing("Redis", exc)
    return REDIS_URL


class QueueSpec:
    """How to open the test's queue in this process and in a worker subprocess."""

    def __init__(self, kind: str, redis_url: str | None, name: str) -> None:
        self.kind, self.redis_url, self.name = kind, redis_url, name

    def huey(self, store: Store):
        return make_huey(store.url, redis_url=self.redis_url or "", name=self.name)

    def jobs(self, store: Store, **kwargs: object) -> Jobs:
        return Jobs(store, self.huey(store), **kwargs)  # type: ignore[arg-type]

    def env(self) -> dict[str, str]:
        return {"GOODWILL_REDIS_URL": self.redis_url or "", "GOODWILL_TEST_QUEUE_NAME": self.name}


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queue(
    request: pytest.FixtureRequest, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[QueueSpec]:
    """The queue on SQLite (beside the store, or in the temporary folder for PostgreSQL) or on Redis."""
    name = f"goodwill-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GOODWILL_REDIS_URL", raising=False)
    if request.param == "sqlite":
        spec = QueueSpec("sqlite", None, name)
    else:
        spec = QueueSpec("redis", request.getfixturevalue("redis_url"), name)
    yield spec
    spec.huey(store).flush()
