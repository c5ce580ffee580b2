"""Background jobs: plain, idempotent functions of (store, now), run in-process for now.

`run_once` runs every periodic job once (what `goodwill work` does); `install` subscribes the event
listeners that run the inbox job after each ingest batch and send a reply as soon as it is queued. A later
issue moves these functions onto huey with Redis; they take no hidden state, so they move as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from goodwill import events
from goodwill.events import ReplyQueued
from goodwill.jobs.inbox import process_pending
from goodwill.jobs.outbox import SendReport, send_due
from goodwill.jobs.publish import PublishReport, publish_due
from goodwill.jobs.sla import check_sla, wake_snoozed
from goodwill.relationships import updates as relationships
from goodwill.store import Store


@dataclass(slots=True)
class WorkReport:
    processed: int = 0
    woken: int = 0
    breached: int = 0
    sent: SendReport = field(default_factory=SendReport)
    published: PublishReport = field(default_factory=PublishReport)


def run_once(store: Store, *, now: datetime | None = None) -> WorkReport:
    now = now or datetime.now(UTC)
    report = WorkReport()
    report.processed = process_pending(store, now=now)
    report.woken = wake_snoozed(store, now=now)
    report.processed += process_pending(store, now=now)
    report.breached = check_sla(store, now=now)
    report.sent = send_due(store, now=now)
    report.published = publish_due(store, now=now)  # scheduled posts whose time has come
    report.processed += process_pending(store, now=now)  # replies sent change the conversations they answer
    return report


def install(store: Store, *, send_replies: bool = True) -> Callable[[], None]:
    """Run the inbox job and update relationship states after every ingest batch (and send queued replies at
    once). Returns an uninstaller."""

    def on_stored(event: events.Event) -> None:
        process_pending(store, workspace_id=event.workspace_id)

    def on_queued(event: events.Event) -> None:
        assert isinstance(event, ReplyQueued)
        send_due(store, outbox_ids=[event.outbox_id])
        process_pending(store, workspace_id=event.workspace_id)

    undo = [events.subscribe(events.MessagesStored, on_stored), relationships.install(store)]
    if send_replies:
        undo.append(events.subscribe(ReplyQueued, on_queued))

    def uninstall() -> None:
        for u in undo:
            u()

    return uninstall


__all__ = ["WorkReport", "check_sla", "install", "process_pending", "run_once", "send_due", "wake_snoozed"]
