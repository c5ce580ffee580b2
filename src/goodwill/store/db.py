"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

AUTOMATIC_CHECKPOINT_PAGES = 1000  # SQLite's default wal_autocheckpoint


class StoreError(RuntimeError):
    """The store cannot be reached or is not in the expected shape."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Every session starts with foreign keys enforced and SQLite's automatic checkpoint on, whatever the
    connection's previous user did (ingest turns both off for its own transaction: goodwill.ingest.pipeline,
    `trust_foreign_keys`, and goodwill.store.checkpoints)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOMATIC_CHECKPOINT_PAGES}")
    cursor.close()


def trust_foreign_keys(connection: Any) -> bool:
    """On SQLite, stop checking foreign keys for the rest of this connection's checkout; the next checkout
    turns them on again. For writers that hold the write lock and write only references they have just read
    or created in the same transaction (ingest): each inserted row otherwise costs a lookup per foreign key,
    about a sixth of ingest's time. Must run before the transaction's first write (SQLite ignores the pragma
    inside a transaction). Returns whether checks are off; a no-op (False) on other databases."""
    if connection.dialect.name != "sqlite":
        return False
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    return True


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`. SQLite gets WAL and foreign keys on every connection; its folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_checkout)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
