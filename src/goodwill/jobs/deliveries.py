"""Queued webhook deliveries: kept durably by the receiver, ingested by any worker, each message once.

`accept` (the web process): one INSERT of the verified bytes, committed before the platform gets its 200,
then a wake-up on the queue (`DeliveryWriter` does the same for many concurrent requests in one commit).
`drain` (a worker): claim up to BATCH pending deliveries under a lease, parse them again, ingest their
messages grouped by channel (one transaction per channel instead of one per delivery: at hundreds of
deliveries a second this is what keeps up), apply control events, then mark them done. A worker killed
anywhere in between leaves the rows pending; when their lease runs out another worker takes them, and
ingest's dedupe on (channel, native id) stores nothing twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, or_, select, update

from goodwill.domain.enums import Direction
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.ingest.pipeline import DEFAULT_BATCH, ChannelRef, IngestResult, ingest_batch
from goodwill.jobs.leases import claim_rows, retry_conflicts
from goodwill.store import Store
from goodwill.store.tables_jobs import InboundDelivery
from goodwill.triage.workspace import classifier_for, workspace_settings

if TYPE_CHECKING:
    from goodwill.jobs.queue import Jobs

log = logging.getLogger(__name__)
BATCH = 500
LINGER = 0.25  # seconds a worker waits after a short batch, so the next one gathers more (see `drain`)
WAKE_EVERY = 0.05  # the web process wakes the workers at most this often (every group is still committed first)
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def accept(jobs: Jobs, family: str, channel_id: int, raw: bytes, now: datetime) -> int:
    """Keep a verified delivery and wake a worker. Returns the delivery's id. The row is committed first:
    a queue that is down costs a delay (the sweep finds the row), never the delivery."""
    with jobs.store.session() as session:
        row = InboundDelivery(
            family=family, channel_id=channel_id, body=raw, status="pending", attempts=0, received_at=now
        )
        session.add(row)
        session.flush()
        delivery_id = row.id
    try:
        jobs.deliveries()
    except Exception:  # the queue is down: the periodic sweep will find the row
        log.exception("could not wake a worker for delivery %s", delivery_id)
    return delivery_id


class DeliveryWriter:
    """Group commit for the web process: the deliveries received by concurrent requests are kept in one
    transaction (one INSERT of many rows) and each request is answered once its row is committed, then one
    wake-up goes to the queue for the whole group. At hundreds of deliveries a second this replaces a
    commit and a queue write per request with one per group, and the guarantee is the same: nothing is
    acknowledged before it is durable. Wake-ups go out at most every WAKE_EVERY seconds (one per group at
    hundreds of groups a second cost the web process and every worker more than the rows did), and always
    after the last group."""

    def __init__(self, jobs: Jobs, *, most: int = 500) -> None:
        self.jobs, self.most = jobs, most
        self._waiting: queue.Queue[tuple[dict[str, Any], Future[int]]] = queue.Queue()
        threading.Thread(target=self._loop, name="goodwill-delivery-writer", daemon=True).start()

    def submit(self, family: str, channel_id: int, raw: bytes, now: datetime) -> Future[int]:
        """The delivery's id once committed (the future raises if the write failed: answer 5xx)."""
        future: Future[int] = Future()
        row = {"family": family, "channel_id": channel_id, "body": raw, "status": "pending", "attempts": 0}
        self._waiting.put(({**row, "received_at": now}, future))
        return future

    def _loop(self) -> None:
        owed, woke = False, 0.0  # a wake-up is owed for rows committed since the last one
        while True:
            try:
                group = [self._waiting.get(timeout=WAKE_EVERY if owed else None)]
            except queue.Empty:
                group = []
            while group and len(group) < self.most:
                try:
                    group.append(self._waiting.get_nowait())
                except queue.Empty:
                    break
            if group and self._commit(group):
                owed = True
            if owed and time.monotonic() - woke >= WAKE_EVERY:
                owed, woke = False, time.monotonic()
                try:
                    self.jobs.deliveries()
                except Exception:  # the queue is down: the periodic sweep will find the rows
                    log.exception("could not wake a worker for the deliveries kept")

    def _commit(self, group: list[tuple[dict[str, Any], Future[int]]]) -> bool:
        try:
            with self.jobs.store.session() as session:
                ids = list(
                    session.scalars(insert(InboundDelivery).returning(InboundDelivery.id), [r for r, _f in group])
                )
        except Exception as exc:
            for _row, future in group:
                future.set_exception(exc)
            return False
        for (_row, future), delivery_id in zip(group, ids, strict=True):
            future.set_result(delivery_id)
        return True


def due_count(store: Store, *, now: datetime) -> int:
    with store.reader() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(InboundDelivery)
                .where(
                    InboundDelivery.status == "pending",
                    or_(InboundDelivery.leased_until.is_(None), InboundDelivery.leased_until <= now),
                )
            )
            or 0
        )


def drain(
    store: Store,
    *,
    now: Callable[[], datetime],
    stopping: threading.Event | None = None,
    linger: float = 0.0,
) -> int:
    """Ingest pending deliveries, BATCH at a time, until none is due (or a graceful stop). Returns how many.
    After a batch shorter than BATCH, wait `linger` seconds before claiming again: under a steady stream
    the next batch then holds what arrived meanwhile instead of a few deliveries, and what a batch costs
    beyond its messages (the claim, the transaction, the inbox and relationship updates of the
    conversations and people it touched) is shared by more of them."""
    done = 0
    stopping = stopping or threading.Event()
    while not stopping.is_set():
        ids = retry_conflicts(claim_rows, store, InboundDelivery, now=now(), ttl=LEASE, limit=BATCH)
        if not ids:
            break
        done += process(store, ids, now=now())
        if len(ids) < BATCH and linger:
            stopping.wait(linger)
    return done


def process(store: Store, ids: list[int], *, now: datetime) -> int:
    """Ingest the claimed deliveries `ids` together; if that fails, one by one (to set the bad one aside)."""
    try:
        results = retry_conflicts(_together, store, ids, now)
    except Exception:
        log.exception("deliveries %s failed together: trying them one by one", ids)
        results = {}
        for delivery_id in ids:
            try:
                results.update(retry_conflicts(_together, store, [delivery_id], now))
            except Exception as exc:
                _failed(store, delivery_id, exc, now)
    if results:
        _done(store, results, now)
    return len(results)


def _together(store: Store, ids: list[int], now: datetime) -> dict[int, dict[str, Any]]:
    from goodwill.api.webhooks import apply_controls, route_raw

    with store.reader() as session:
        rows = [
            (r.id, r.family, r.channel_id, r.body)
            for r in session.scalars(
                select(InboundDelivery).where(InboundDelivery.id.in_(ids)).order_by(InboundDelivery.id)
            )
        ]
    cache: dict[tuple[str, Any], Any] = {}
    routed = [
        (delivery_id, route_raw(store, family, channel_id, body, cache))
        for delivery_id, family, channel_id, body in rows
    ]
    by_channel: dict[ChannelRef, list[Any]] = {}
    for _delivery_id, r in routed:
        for channel, messages in r.parts:
            by_channel.setdefault(channel, []).extend(messages)
    total = IngestResult()
    for channel, messages in by_channel.items():
        labels = _labels(store, channel, messages)
        for at in range(0, len(messages), DEFAULT_BATCH):
            total.add(ingest_batch(store, channel, messages[at : at + DEFAULT_BATCH], labels=labels))
    results: dict[int, dict[str, Any]] = {}
    for delivery_id, r in routed:
        results[delivery_id] = {
            "messages": sum(len(m) for _c, m in r.parts),
            "ignored": r.ignored,
            "events": apply_controls(store, r, now),
        }
    return results


def _labels(store: Store, channel: ChannelRef, messages: list[NormalisedMessage]) -> dict[str, TriageResult]:
    """Triage the batch's inbound messages with the workspace's model before ingest takes the workspace's
    turn (two workers writing one workspace take turns; classifying outside the turn lets them overlap).
    A duplicate is classified for nothing: ingest uses only the labels of the messages it stores."""
    inbound = [m for m in messages if m.direction is Direction.INBOUND]
    if not inbound:
        return {}
    with store.reader() as session:
        classify = classifier_for(workspace_settings(session.connection(), channel.workspace_id))
    return {m.native.id: label for m, label in zip(inbound, classify([m.text for m in inbound]), strict=True)}


def _done(store: Store, results: dict[int, dict[str, Any]], now: datetime) -> None:
    """Mark the deliveries done, in one statement run for many rows (after their messages were committed: a
    worker killed before this leaves them pending, and their second ingest stores nothing new)."""
    rows = [
        {"id": delivery_id, "status": "done", "done_at": now, "leased_until": None, "result": result, "error": None}
        for delivery_id, result in results.items()
    ]
    with store.session() as session:
        session.execute(update(InboundDelivery), rows)  # an UPDATE by primary key, executed for every row


def _failed(store: Store, delivery_id: int, exc: Exception, now: datetime) -> None:
    """Keep the error; after MAX_ATTEMPTS the delivery is set aside as failed (shown by `goodwill jobs`)."""
    log.warning("delivery %s failed: %s", delivery_id, exc)
    with store.session() as session:
        row = session.get(InboundDelivery, delivery_id)
        if row is None:
            return
        row.error = f"{type(exc).__name__}: {getattr(exc, 'detail', None) or exc}"
        row.leased_until = now + LEASE * row.attempts
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
