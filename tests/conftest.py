"""Fixtures: a fresh store per test on SQLite, and on PostgreSQL when the server is there.

Shared data and payloads: GOODWILL_SHARED_DIR (default: the `shared` folder beside the repository).
PostgreSQL: GOODWILL_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each
test session creates its own database on that server and drops it afterwards. Without a server the
PostgreSQL tests are skipped, except under CI=true, where a missing server fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from goodwill.actions import do_create_workspace
from goodwill.actions.audit import Acting
from goodwill.store import Store
from goodwill.store.tables import Base

SHARED = Path(os.environ.get("GOODWILL_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
PG_URL = os.environ.get("GOODWILL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TESTER = Acting(label="test")


def shared_file(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        if IN_CI:
            pytest.fail(f"shared data missing under CI: {path}")
        pytest.skip(f"shared data not available: {path}")
    return path


def _service_missing(what: str, why: object) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not reachable: {why}")
    pytest.skip(f"{what} not reachable: {why}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    server = make_url(PG_URL)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"goodwill_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _service_missing("PostgreSQL", exc)
    url = server.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_store(postgres_url: str) -> Iterator[Store]:
    store = Store(postgres_url)
    store.migrate()
    yield store
    store.dispose()


@contextmanager
def unmigrated_store(like_url: str | None, tmp_path: Path, prefix: str) -> Iterator[Store]:
    """An empty database never migrated, dropped afterwards: a SQLite file in `tmp_path` when `like_url` is None
    or SQLite, else a new database `<prefix>_<random>` on `like_url`'s PostgreSQL server."""
    if like_url is None or like_url.startswith("sqlite"):
        store = Store(f"sqlite:///{tmp_path / (prefix + '.db')}")
        yield store
        store.dispose()
        return
    server = make_url(like_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store(server.set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate(store: Store) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store: SQLite in a temporary file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'test.db'}")
        s.migrate()
        yield s
        s.dispose()
    else:
        s = request.getfixturevalue("postgres_store")
        _truncate(s)
        yield s


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def workspace(store: Store) -> str:
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    return "acme"


# The real local Bluesky network (../shared/tools/bsky-devnet), for the connector and publishing tests.


def _bsky_devnet() -> Any:
    from tests.connectors import bsky_devnet

    return bsky_devnet


def _unavailable(why: object) -> None:
    if IN_CI:
        pytest.fail(f"the Bluesky devnet is required under CI=true: {why}")
    pytest.skip(f"Bluesky devnet not available: {why}")


@pytest.fixture(scope="session")
def devnet() -> Iterator[dict[str, Any]]:
    """The ready JSON of a running network: one already running, or one started for this test session."""
    info = _bsky_devnet().running()
    if info is not None:
        yield info
        return
    network = _bsky_devnet().Devnet(os.environ.get("PYTEST_XDIST_WORKER", ""))
    try:
        info = network.start()
    except (_bsky_devnet().DevnetUnavailable, OSError) as exc:
        network.stop()
        _unavailable(exc)
    try:
        yield info
    finally:
        network.stop()


@pytest.fixture
def bsky_people(devnet: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fresh accounts for one test (the network is shared): a brand and two customers."""
    tag = uuid.uuid4().hex[:8]
    people = {}
    for role in ("brand", "carol", "dave"):
        people[role] = _bsky_devnet().post(
            devnet["control"], "/accounts", {"handle": f"{role}-{tag}.test", "password": f"{role}-pass-{tag}"}
        )
    return people
