"""The periodic schedule: which job runs how often. Adding a periodic job is one line in PERIODIC.

Each job is a plain function `run(store, *, now)`, idempotent (a sweep over what is due), so running it late,
or again after a worker died half-way, is harmless. Every worker ticks the schedule; the database lease
`<name>@<period start>` lets exactly one of them run each period (goodwill.jobs.leases).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from goodwill.jobs.inbox import process_pending
from goodwill.jobs.outbox import send_due
from goodwill.jobs.sla import check_sla, wake_snoozed
from goodwill.store import Store

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every: timedelta
    run: Callable[..., Any]  # run(store, *, now) -> a report (dataclass, int or None)
    lease: timedelta = timedelta(minutes=10)  # longer than one run can take; then another worker may retry

    def period(self, now: datetime) -> datetime:
        """The start of the period `now` falls in (periods are counted from a fixed epoch, in UTC)."""
        step = self.every.total_seconds()
        return EPOCH + timedelta(seconds=int((now - EPOCH).total_seconds() // step) * step)

    def key(self, period: datetime) -> str:
        return f"{self.name}@{period.astimezone(UTC).isoformat(timespec='seconds')}"


def _prune_leases(store: Store, *, now: datetime) -> int:
    from goodwill.jobs.leases import prune

    return prune(store, before=now - timedelta(days=7))


def _process_pending(store: Store, *, now: datetime) -> int:
    return process_pending(store, now=now)


def _publish_due(store: Store, *, now: datetime) -> Any:
    from goodwill.jobs.publish import publish_due

    return publish_due(store, now=now)


def _refresh_relationships(store: Store, *, now: datetime) -> int:
    """Time-dependent states (going cold, stay-in-touch timers) and the nudges they make change without any
    new message: recompute both for every workspace."""
    from sqlalchemy import select

    from goodwill.actions.audit import Acting
    from goodwill.actions.nudges import do_refresh_nudges
    from goodwill.relationships.state import recompute
    from goodwill.store.tables import Workspace

    people = 0
    with store.session() as session:
        workspace_ids = list(session.scalars(select(Workspace.id)))
    for workspace_id in workspace_ids:
        with store.session() as session:
            people += len(recompute(session, workspace_id, now=now))
            workspace = session.get_one(Workspace, workspace_id)
            do_refresh_nudges(session, workspace, acting=Acting(label="jobs"), now=now)
    return people


def _post_mix(store: Store, *, now: datetime) -> int:
    from goodwill.publishing.stored_mix import run

    return run(store, now=now)


def _statistics(store: Store, *, now: datetime) -> bool:
    return store.refresh_statistics()


def _purge_sessions(store: Store, *, now: datetime) -> int:
    from goodwill.actions.accounts import purge_expired

    with store.session() as session:
        return purge_expired(session, now=now)


PERIODIC: list[Periodic] = [
    Periodic("inbox", timedelta(seconds=30), _process_pending),  # a missed event: rules, SLA clocks
    Periodic("wake-snoozed", timedelta(minutes=1), wake_snoozed),
    Periodic("sla", timedelta(minutes=1), check_sla),
    Periodic("send", timedelta(seconds=30), send_due),  # retries after back-off; leases of dead workers
    Periodic("publish", timedelta(seconds=30), _publish_due),  # scheduled posts whose time has come
    Periodic("relationships", timedelta(hours=6), _refresh_relationships, lease=timedelta(hours=1)),
    Periodic("post-mix", timedelta(minutes=15), _post_mix),  # the content mix's stored answers per own post
    Periodic("purge-sessions", timedelta(hours=1), _purge_sessions),
    Periodic("prune-leases", timedelta(days=1), _prune_leases),
    Periodic("statistics", timedelta(days=1), _statistics),  # SQLite's query planner statistics (ANALYZE)
]
