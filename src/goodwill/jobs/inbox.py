"""The inbox job: rules, inbox columns, SLA clocks and assignment for conversations ingest marked pending."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from goodwill.inbox.processing import process_batch
from goodwill.store import Store
from goodwill.store.tables import Conversation

BATCH = 200


def process_pending(
    store: Store, *, workspace_id: int | None = None, now: datetime | None = None, limit: int | None = None
) -> int:
    """Process every pending conversation (in batches of BATCH, one transaction and a few statements each).
    Idempotent.

    On PostgreSQL concurrent workers skip rows another one holds (FOR UPDATE SKIP LOCKED).
    """
    now = now or datetime.now(UTC)
    done = 0
    while limit is None or done < limit:
        with store.session() as session:
            query = select(Conversation).where(Conversation.inbox_pending.is_(True))
            if workspace_id is not None:
                query = query.where(Conversation.workspace_id == workspace_id)
            query = query.order_by(Conversation.id).limit(BATCH)
            if store.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            batch = list(session.scalars(query))
            process_batch(session, batch, now=now)
        done += len(batch)
        if len(batch) < BATCH:
            break
    return done
