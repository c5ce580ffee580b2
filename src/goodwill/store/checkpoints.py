"""Checkpointing SQLite's write-ahead log beside a long run of writes, instead of inside them.

In WAL mode each commit appends the changed pages to the log, and by default the commit that takes the log
past 1,000 pages also copies the log back into the database file and syncs both: a checkpoint, run by the
writer, inside its commit. On a large import that is every batch, and it was about a tenth of the import's
time. SQLite's documentation suggests the alternative used here for such writers: turn the automatic
checkpoint off on the writing connection and run checkpoints from another connection in another thread. The
copying is C code that runs without Python's GIL, so it overlaps the next batch, on the other core.

A PASSIVE checkpoint never blocks the writer or waits for readers: it copies what it can. The log starts
again from the beginning only when a write transaction begins after a checkpoint copied all of it; with the
next batch already writing while the thread copies the last one, that rarely happens by itself, and a log
that only grows makes every page look-up slower (in one run it reached 58,000 pages over 100,000 messages).
So once the log passes `limit` pages, the writer's next batch waits for one checkpoint of what is left (the
last batch's pages; the thread already copied the rest) before it writes: the log restarts there, and the
writer pays for one checkpoint in several instead of every one. When the run ends, the thread runs a last
checkpoint and stops; every later checkout has the automatic checkpoint on again (goodwill.store.db).
Nothing about durability changes: a commit is in the log either way.
"""

from __future__ import annotations

import sqlite3
import threading
from types import TracebackType

from sqlalchemy import Connection, Engine


class Checkpointer:
    """A thread that checkpoints a SQLite database's log each time `committed` is called; a no-op for other
    databases and for in-memory SQLite. Use as a context manager around a run of batches, and call
    `writer(conn)` at the start of each batch's transaction, before its first write."""

    def __init__(self, engine: Engine, *, limit: int = 20_000) -> None:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = database if database and database != ":memory:" and not database.startswith("file:") else None
        self.limit = limit  # log pages (4 KB each by default) before a batch waits for the log to restart
        self._changed = threading.Condition()
        self._asked = 0  # checkpoints asked for so far
        self._done = 0  # the last one asked for that has finished
        self._stop = False
        self._dead = False  # the thread has ended (on `error`, or at the end of the run)
        self._thread: threading.Thread | None = None
        self.log_pages = 0  # the log's length at the last checkpoint
        self._all_copied = False  # whether that checkpoint copied all of it
        self.runs = 0
        self.waits = 0
        self.busy = 0  # checkpoints that found the database locked and were left for the next one
        self.error: BaseException | None = None

    @property
    def active(self) -> bool:
        return self._thread is not None

    def __enter__(self) -> Checkpointer:
        if self.path is not None:
            self._thread = threading.Thread(target=self._run, name="goodwill-checkpoint", daemon=True)
            self._thread.start()
        return self

    def writer(self, conn: Connection) -> None:
        """Leave this transaction's checkpoints to the thread (the pragma lasts until the connection's next
        checkout); when the log has grown past `limit`, first wait for a checkpoint of all of it. If the thread
        has stopped on an error (`error`), SQLite's own checkpoints go on as usual."""
        if self._thread is None or self._dead:
            return
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        if self.log_pages > self.limit:
            self.waits += 1
            self._wait(self._ask())
            if self._all_copied:  # copied while nobody wrote: this transaction's first write restarts the log
                self.log_pages = 0

    def committed(self) -> None:
        """A batch was committed: checkpoint what the log holds now (the thread does it; returns at once)."""
        if self._thread is not None:
            self._ask()

    def settle(self) -> None:
        """Wait until the checkpoints asked for so far have run."""
        if self._thread is not None:
            self._wait(self._asked)

    def _ask(self) -> int:
        with self._changed:
            self._asked += 1
            self._changed.notify_all()
            return self._asked

    def _wait(self, ticket: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._done >= ticket or self._dead)

    def _run(self) -> None:
        db = None
        try:
            # never waits on a lock: busy now, it tries again at the next commit (or the writer's next wait)
            db = sqlite3.connect(self.path, timeout=0, check_same_thread=False, isolation_level=None)  # type: ignore[arg-type]
            while True:
                with self._changed:
                    self._changed.wait_for(lambda: self._asked > self._done or self._stop)
                    if self._asked == self._done:  # stopping, nothing left to copy
                        return
                    ticket = self._asked
                try:
                    ((_busy, log, copied),) = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.log_pages, self._all_copied = max(log, 0), copied == log
                    self.runs += 1
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    self.busy += 1
                with self._changed:
                    self._done = ticket
                    self._changed.notify_all()
        except Exception as exc:
            self.error = exc
        finally:
            if db is not None:
                db.close()
            with self._changed:
                self._dead = True
                self._changed.notify_all()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._thread is None:
            return
        self._ask()  # a last checkpoint of the run's final batch
        with self._changed:
            self._stop = True
            self._changed.notify_all()
        self._thread.join()
        self._thread = None
