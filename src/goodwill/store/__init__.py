"""The store: SQLAlchemy tables, engines and migrations. `Store` is the handle every layer is given."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from goodwill.store import migrate
from goodwill.store.db import StoreError, make_engine, make_sessionmaker


def _json_dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


class Store:
    """One database. Cheap to pass around; create one per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url, json_serializer=_json_dumps, json_deserializer=orjson.loads)
        self._sessions = make_sessionmaker(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for reads; never commits."""
        with self._sessions() as session:
            yield session

    def migrate(self) -> None:
        migrate.upgrade(self.engine)

    def check_schema(self) -> None:
        """Raise StoreError with the fix when the database is missing or behind the code."""
        if not inspect(self.engine).has_table("workspace"):
            raise StoreError(f"no goodwill database at {self.engine.url!r}: run `goodwill init` first")
        if not migrate.is_current(self.engine):
            raise StoreError("the database schema is older than this goodwill: run `goodwill init` to upgrade")

    def refresh_statistics(self, *, added: int | None = None) -> bool:
        """Refresh the query planner's statistics on SQLite (`ANALYZE`: how many rows each index key holds),
        which it never gathers by itself; without them it picks worse plans for the audit's reads of large
        tables (docs/benchmarks.md, "Audit"). About 1.5 s per million messages, holding the write lock:
        the periodic job `statistics` runs it daily. With `added` (messages just stored, e.g. by an
        import), only when that is a tenth or more of the messages the last statistics counted, or there
        are none yet. PostgreSQL's autovacuum keeps its own: a no-op there. Returns whether it ran."""
        if self.dialect != "sqlite":
            return False
        with self.engine.begin() as conn:
            if added is not None:
                has_statistics = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
                rows = (  # each index's row's first number is its rows: the largest is the table's
                    conn.exec_driver_sql(
                        "SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = 'message'"
                    ).scalar()
                    if has_statistics
                    else None
                )
                if rows and added < int(rows) // 10:
                    return False
            conn.exec_driver_sql("ANALYZE")
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate_schema: bool = False) -> Store:
    """Open the store at `url` (default: GOODWILL_DATABASE_URL or the SQLite file in the data folder)."""
    if url is None:
        from goodwill.settings import get_settings

        url = get_settings().resolved_database_url()
    store = Store(url)
    if migrate_schema:
        store.migrate()
    return store


__all__ = ["Store", "StoreError", "open_store"]
