"""Running the audit's sections: concurrently, each on its own session of the caller's engine, when that is
safe; otherwise one after another on the caller's session.

The sections (conversation table, advocacy, content, coverage, voice, teammates, praise, waiting, new
connections, follow-ups, and the period before) read the database independently. SQLite and the PostgreSQL
driver release the GIL while a query runs, so on separate connections they use more than one core.

Separate sessions see only what is committed, so the sections run concurrently only when the caller's session
is bound to an Engine (not a single Connection) of a database other connections can open (a SQLite file or
PostgreSQL, not an in-memory SQLite) and has written nothing in its open transaction; otherwise they run
serially on the caller's session, as before. Either way each section runs the same queries on the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

MAX_WORKERS = 4


def _has_written(session: Session, dialect: str) -> bool:
    """Whether the session's open transaction holds writes other connections cannot see."""
    connection = session.connection()
    if dialect == "sqlite":  # pysqlite opens a transaction only before a write
        return bool(getattr(connection.connection.dbapi_connection, "in_transaction", True))
    if dialect == "postgresql":  # a transaction id is assigned at the first write
        return connection.execute(text("SELECT txid_current_if_assigned() IS NOT NULL")).scalar_one() is not False
    return True


def shared_engine(session: Session) -> Engine | None:
    """The engine the sections may open their own sessions on, or None to run them on `session`."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        return None
    dialect = bind.dialect.name
    if dialect == "sqlite":
        database = bind.url.database or ""
        if database in ("", ":memory:") or "mode=memory" in str(bind.url):
            return None
    elif dialect != "postgresql":
        return None
    if session.new or session.dirty or session.deleted or _has_written(session, dialect):
        return None
    return bind


class Sections:
    """Runs `fn(session, *args)`; an argument that is a Future is replaced by its result first (a section that
    needs another's output, e.g. the conversation table). Serial: at once on the caller's session. Concurrent:
    on a pool of threads, each call on a new session of `engine` (a read: closed without commit)."""

    def __init__(self, session: Session, *, concurrent: bool = True) -> None:
        self.session = session
        self.engine = shared_engine(session) if concurrent else None
        workers = min(MAX_WORKERS, os.cpu_count() or 1)
        if workers < 2:
            self.engine = None
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="audit") if self.engine is not None else None

    def __enter__(self) -> Sections:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        if self.pool is None:
            done: Future[Any] = Future()
            done.set_result(fn(self.session, *_resolved(args)))
            return done
        return self.pool.submit(self._run, fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        values = _resolved(args)
        with Session(self.engine) as session:
            return fn(session, *values)


def _resolved(args: tuple[Any, ...]) -> list[Any]:
    return [a.result() if isinstance(a, Future) else a for a in args]
