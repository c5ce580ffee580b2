"""Leases in the database every worker shares: who runs what, and until when.

A lease is taken by one worker at a time; it runs out at `leased_until`, after which another worker may take
it (the holder died). `finish` marks it done for good: a done lease is never taken again. This gives the
periodic jobs their once-per-period guarantee across any number of workers on any number of machines, on
SQLite and PostgreSQL alike, and survives a restart of the queue.

Work rows (inbound deliveries, import chunks) carry the same three columns (status, attempts, leased_until):
`claim_rows` takes due rows for one worker in one statement.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from goodwill.store import Store
from goodwill.store.tables_jobs import JobLease


def worker_name() -> str:
    """This worker thread's name in leases: host, process id, thread."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 100_000}"


def claim(store: Store, key: str, *, ttl: timedelta, now: datetime, holder: str | None = None) -> bool:
    """Take the lease `key` until now + ttl. True if this caller holds it now; False if another worker holds
    it (not run out) or it is done. Atomic on both databases: a new key is one INSERT (the primary key
    decides between racing workers); an existing one is one conditional UPDATE."""
    holder = holder or worker_name()
    try:
        with store.session() as session:
            session.add(JobLease(key=key, holder=holder, leased_until=now + ttl, created_at=now))
        return True
    except IntegrityError:
        pass
    with store.session() as session:
        taken = session.execute(
            update(JobLease)
            .where(JobLease.key == key, JobLease.done_at.is_(None), JobLease.leased_until <= now)
            .values(holder=holder, leased_until=now + ttl)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def finish(store: Store, key: str, *, now: datetime, result: dict[str, Any] | None = None) -> None:
    """Mark the lease done: it is never taken again."""
    with store.session() as session:
        session.execute(
            update(JobLease).where(JobLease.key == key).values(done_at=now, leased_until=now, result=result)
        )


def release(store: Store, key: str, *, now: datetime) -> None:
    """Give the lease back unfinished (a graceful stop): another worker may take it at once."""
    with store.session() as session:
        session.execute(
            update(JobLease).where(JobLease.key == key, JobLease.done_at.is_(None)).values(leased_until=now)
        )


def prune(store: Store, *, before: datetime) -> int:
    """Forget leases created before `before` (periodic runs long past). Returns how many."""
    with store.session() as session:
        gone = session.execute(delete(JobLease).where(JobLease.created_at < before))
        return int(gone.rowcount)  # type: ignore[attr-defined]


def claim_rows(
    store: Store, table: Any, *, now: datetime, ttl: timedelta, ids: list[int] | None = None, limit: int = 20
) -> list[int]:
    """Take up to `limit` pending rows of a work table (`ids` only, when given) whose lease is free or ran
    out: they get a lease until now + ttl and one more attempt. Returns their ids, in order. One UPDATE of
    the rows a subquery picks: on PostgreSQL racing workers skip each other's rows (FOR UPDATE SKIP LOCKED);
    on SQLite the write lock serialises them."""
    due = select(table.id).where(
        table.status == "pending", or_(table.leased_until.is_(None), table.leased_until <= now)
    )
    if ids is not None:
        due = due.where(table.id.in_(ids))
    due = due.order_by(table.id).limit(limit)
    if store.dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with store.session() as session:
        taken = session.scalars(
            update(table)
            .where(table.id.in_(due.scalar_subquery()))
            .values(attempts=table.attempts + 1, leased_until=now + ttl)
            .returning(table.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(taken)


def retry_conflicts(fn: Any, *args: Any, attempts: int = 20, **kwargs: Any) -> Any:
    """Call fn, again after a write conflict between workers: a unique key another worker inserted first
    (IntegrityError), a SQLite snapshot made stale by another writer or a PostgreSQL deadlock
    (OperationalError). Safe only for idempotent fn: the failed transaction rolled back whole. The back-off
    grows to about half a second, so a busy machine's conflicts are outlasted (a few seconds in all) before
    the job gives its work back to the sweep."""
    import random
    import time

    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            return fn(*args, **kwargs)
        except (IntegrityError, OperationalError):
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (min(attempt, 9) + 1))
    raise AssertionError("unreachable")
