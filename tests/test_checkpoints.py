"""SQLite's log checkpoints beside a run of batches (goodwill.store.checkpoints), and ingest through it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from goodwill.actions import do_create_workspace, do_ensure_channel
from goodwill.domain import Network
from goodwill.ingest import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.checkpoints import Checkpointer
from goodwill.store.db import AUTOMATIC_CHECKPOINT_PAGES
from tests.conftest import TESTER
from tests.factories import msg

PAGE = 4096


def _write_pages(store: Store, checkpoints: Checkpointer, rounds: int) -> list[int]:
    """`rounds` transactions of about 25 pages each; the log's size in pages after each commit."""
    wal = Path(f"{store.engine.url.database}-wal")
    sizes = []
    for i in range(rounds):
        with store.session() as session:
            conn = session.connection()
            checkpoints.writer(conn)
            body = {"body": f"{i}" * 50_000}
            conn.execute(text("INSERT INTO scratch (body) SELECT :body FROM (SELECT 1 UNION ALL SELECT 2)"), body)
        checkpoints.committed()
        checkpoints.settle()  # as when the next batch takes longer than a checkpoint (a real import's batches do)
        sizes.append(wal.stat().st_size // PAGE)
    return sizes


def test_a_run_of_commits_leaves_checkpoints_to_the_thread_and_the_log_restarts(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        session.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT)"))
    with Checkpointer(sqlite_store.engine, limit=100) as checkpoints:
        assert checkpoints.active
        sizes = _write_pages(sqlite_store, checkpoints, 40)
    assert checkpoints.error is None
    assert checkpoints.runs >= 1
    assert checkpoints.waits >= 1  # the log passed 100 pages, and a batch waited for it to restart
    # 40 rounds wrote over 1,000 pages; the log started again from its beginning each time it passed 100 pages
    # (the file keeps its largest size, so it stops growing): about the limit and a round or two
    assert max(sizes) < 250, sizes
    assert sizes[-1] == sizes[len(sizes) // 2], sizes
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 80
        # a later checkout has SQLite's automatic checkpoint back on
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == AUTOMATIC_CHECKPOINT_PAGES


def test_without_the_thread_the_log_is_checkpointed_by_sqlite_as_usual(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        session.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT)"))
        assert session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 1000


def test_a_checkpointer_that_cannot_open_the_database_leaves_checkpoints_to_sqlite(sqlite_store: Store) -> None:
    checkpoints = Checkpointer(sqlite_store.engine)
    checkpoints.path = str(Path(str(sqlite_store.engine.url.database)).parent / "missing" / "folder" / "x.db")
    with checkpoints:
        checkpoints.committed()
        checkpoints.settle()  # returns once the thread has ended, though it ran no checkpoint
        checkpoints.log_pages = checkpoints.limit + 1  # would make a writer wait for the thread
        with sqlite_store.session() as session:
            conn = session.connection()
            checkpoints.writer(conn)  # neither waits nor turns SQLite's own checkpoints off
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == AUTOMATIC_CHECKPOINT_PAGES
    assert checkpoints.error is not None and checkpoints.waits == 0


def test_no_thread_for_in_memory_sqlite() -> None:
    store = Store("sqlite://")
    with Checkpointer(store.engine) as checkpoints:
        assert not checkpoints.active
        checkpoints.committed()  # a no-op
    store.dispose()


@pytest.mark.postgres
def test_no_thread_for_postgresql(postgres_store: Store) -> None:
    with Checkpointer(postgres_store.engine) as checkpoints:
        assert not checkpoints.active
        with postgres_store.session() as session:
            checkpoints.writer(session.connection())  # a no-op: no SQLite pragma sent


def test_ingest_in_many_batches_stores_every_message_once(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        ws = do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
        channel = ChannelRef.of(do_ensure_channel(session, ws, network=Network.X, account_id="brand", acting=TESTER))
    messages = [msg(f"m{i}", author=f"u{i % 37}", minutes=i, text=f"order {i} is late " * 20) for i in range(600)]
    messages += [msg(f"r{i}", parent=f"m{i}", out=True, minutes=i + 1) for i in range(0, 600, 3)]
    first = ingest(sqlite_store, channel, messages, batch_size=25)
    again = ingest(sqlite_store, channel, messages, batch_size=25)
    assert (first.stored, again.stored, again.duplicates) == (800, 0, 800)
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM message")).scalar_one() == 800
        assert conn.execute(text("SELECT count(*) FROM triage")).scalar_one() == 600
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
