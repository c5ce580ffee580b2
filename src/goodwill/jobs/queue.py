"""The job queue: huey carries wake-ups between processes; the database keeps what must not be lost.

`make_huey` picks the queue from the settings: GOODWILL_REDIS_URL -> RedisHuey (any number of workers on
any number of machines); else SqliteHuey in a file beside the SQLite database (one machine, the embedded
default). `Jobs(store, huey)` registers the same named tasks in every process (web or worker), so a task
enqueued by one runs in another.

Why wake-ups only: huey takes a task off the queue before running it, so a worker killed mid-task loses it.
Every task here therefore names work whose truth is a database row with a lease (an outbox row, an inbound
delivery, an import chunk, a pending conversation); a lost task only delays that work until the periodic
sweep for it finds the row again. Tasks are idempotent, so a duplicate wake-up is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from goodwill import events
from goodwill.events import ReplyQueued
from goodwill.jobs import leases
from goodwill.jobs.schedule import PERIODIC, Periodic
from goodwill.store import Store

log = logging.getLogger(__name__)
QUEUE_NAME = "goodwill"
SYNC_LEASE = timedelta(minutes=10)


def queue_path(database_url: str) -> Path:
    """Where the embedded SQLite queue lives: beside the SQLite database, else in the data folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database).expanduser()
        return db.with_name(db.name + ".queue")
    from goodwill.settings import get_settings

    return get_settings().data_dir / "queue.db"


def make_huey(database_url: str, *, redis_url: str | None = None, name: str | None = None) -> Huey:
    """The queue for this deployment: Redis when `redis_url` (default GOODWILL_REDIS_URL) is set, else SQLite.
    `name` (default GOODWILL_QUEUE_NAME) keeps several deployments (or test runs) apart on one Redis."""
    from goodwill.settings import get_settings

    if redis_url is None:
        redis_url = get_settings().redis_url
    name = name or get_settings().queue_name or QUEUE_NAME
    if redis_url:
        return RedisHuey(name, url=redis_url, results=False, blocking=True, read_timeout=1)
    path = queue_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


class Jobs:
    """The tasks over one store and one queue. One per process; `stopping` is set on a graceful shutdown so
    long tasks stop at their next safe point and give their work back."""

    def __init__(
        self,
        store: Store,
        huey: Huey,
        *,
        periodic: list[Periodic] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.huey = huey
        self.clock = clock or (lambda: datetime.now(UTC))
        self.stopping = threading.Event()
        own = [
            Periodic("sync", timedelta(minutes=5), self._sync_all),
            Periodic("deliveries", timedelta(seconds=10), self._sweep_deliveries),
            Periodic("imports", timedelta(seconds=30), self._sweep_imports),
        ]
        self.periodic = {p.name: p for p in [*(PERIODIC if periodic is None else periodic), *own]}
        self._ticked: dict[str, datetime] = {}
        self._draining = threading.Lock()
        self._deliveries_wanted = threading.Event()
        task = huey.task
        self.run_periodic = task(name="periodic")(self._run_periodic)
        self.send = task(name="send")(self._send)
        self.inbox = task(name="inbox")(self._inbox)
        self.sync = task(name="sync")(self._sync)
        self.deliveries = task(name="deliveries")(self._deliveries)
        self.import_chunk = task(name="import_chunk")(self._import_chunk)

    # ---------------------------------------------------------------------------------------- periodic
    def tick(self) -> int:
        """Enqueue each periodic job whose period began since this process last did. Returns how many.
        Every worker ticks; the lease taken when the job runs keeps it to one run per period."""
        now = self.clock()
        queued = 0
        for job in self.periodic.values():
            period = job.period(now)
            if self._ticked.get(job.name) != period:
                self._ticked[job.name] = period
                self.run_periodic(job.name, period.isoformat())
                queued += 1
        for task in self.huey.read_schedule():  # tasks huey delayed (retries, `schedule(delay=...)`) now due
            self.huey.enqueue(task)
        return queued

    def run_period(self, name: str, period: datetime) -> bool:
        """Run job `name` for `period` unless another worker has or is doing it. True if it ran here."""
        job = self.periodic.get(name)
        if job is None:
            log.warning("periodic job %r is not known to this worker: skipped", name)
            return False
        now = self.clock()
        key = job.key(period)
        if not leases.claim(self.store, key, ttl=job.lease, now=now):
            return False
        report = job.run(self.store, now=now)
        leases.finish(self.store, key, now=self.clock(), result={"report": _plain(report)})
        return True

    def _run_periodic(self, name: str, period: str) -> bool:
        return self.run_period(name, datetime.fromisoformat(period))

    # ------------------------------------------------------------------------------------------- tasks
    def _send(self, outbox_ids: list[int] | None = None) -> Any:
        from goodwill.jobs.outbox import send_due

        return _plain(send_due(self.store, outbox_ids=outbox_ids, now=self.clock()))

    def _inbox(self, workspace_id: int | None = None) -> int:
        from goodwill.jobs.inbox import process_pending

        return int(leases.retry_conflicts(process_pending, self.store, workspace_id=workspace_id, now=self.clock()))

    def _sync(self, channel_id: int) -> Any:
        """Sync one channel, under the lease `sync:<id>`: two workers never fetch the same channel at once."""
        from goodwill.connectors.channels import sync_channel

        key = f"sync:{channel_id}"
        if not leases.claim(self.store, key, ttl=SYNC_LEASE, now=self.clock()):
            return None
        try:
            result = leases.retry_conflicts(sync_channel, self.store, channel_id, now=self.clock())
            return result.as_dict()
        finally:
            leases.release(self.store, key, now=self.clock())

    def _sync_all(self, store: Store, *, now: datetime) -> int:
        """Fan out: one sync task per channel whose network can be fetched from."""
        from sqlalchemy import select

        from goodwill.connectors import registry
        from goodwill.store.tables import Channel

        with store.reader() as session:
            channels = list(session.execute(select(Channel.id, Channel.network, Channel.config)))
        known = set(registry.registered())
        ids = [c.id for c in channels if ((c.config or {}).get("connector") or c.network) in known]
        for channel_id in ids:
            self.sync(channel_id)
        return len(ids)

    def _deliveries(self) -> int:
        """Ingest pending webhook deliveries until none is left. One drain per process at a time; a wake-up
        that finds one running leaves a note, and the drainer looks again before it ends, so rows committed
        just as a drain finished are not left to the periodic sweep."""
        from goodwill.jobs.deliveries import LINGER, drain

        done = 0
        self._deliveries_wanted.set()
        while self._deliveries_wanted.is_set() and not self.stopping.is_set():
            if not self._draining.acquire(blocking=False):
                return done  # the drainer will see the note
            try:
                while self._deliveries_wanted.is_set() and not self.stopping.is_set():
                    self._deliveries_wanted.clear()
                    done += drain(self.store, now=self.clock, stopping=self.stopping, linger=LINGER)
            finally:
                self._draining.release()
        return done

    def _sweep_deliveries(self, store: Store, *, now: datetime) -> int:
        from goodwill.jobs.deliveries import due_count

        due = due_count(store, now=now)
        if due:
            self.deliveries()
        return due

    def _import_chunk(self, chunk_id: int) -> Any:
        from goodwill.jobs.imports import run_chunk

        return run_chunk(self, chunk_id)

    def _sweep_imports(self, store: Store, *, now: datetime) -> int:
        from goodwill.jobs.imports import due_chunks

        due = due_chunks(store, now=now)
        for chunk_id in due:
            self.import_chunk(chunk_id)
        return len(due)

    # ------------------------------------------------------------------------------------- event hooks
    def install(self) -> Callable[[], None]:
        """Enqueue the inbox job after each stored batch and a send as soon as a reply is queued, and update
        the relationship states of the batch's people (in the process that stored or queued it). Returns an
        uninstaller."""

        def on_stored(event: events.Event) -> None:
            self.inbox(event.workspace_id)

        def on_queued(event: events.Event) -> None:
            assert isinstance(event, ReplyQueued)
            self.send([event.outbox_id])

        from goodwill.relationships import updates

        undo = [
            events.subscribe(events.MessagesStored, on_stored),
            events.subscribe(ReplyQueued, on_queued),
            updates.install(self.store),  # relationship states after each batch, in the process that stored it
        ]

        def uninstall() -> None:
            for u in undo:
                u()

        return uninstall

    def pending(self) -> int:
        """Tasks waiting in the queue (not counting those huey delayed)."""
        return int(self.huey.pending_count())


def _plain(report: Any) -> Any:
    """A job's report as JSON-ready data."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(report) and not isinstance(report, type):
        return asdict(report)
    if report is None or isinstance(report, int | float | str | bool | list | dict):
        return report
    return str(report)
