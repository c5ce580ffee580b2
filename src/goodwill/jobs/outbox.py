"""The outbox worker: send queued replies through each channel's connector, exactly once.

1. claim (one transaction): pending rows that are due, and `sending` rows whose worker lease ran out (that
   worker died: the platform may or may not have the reply), become `sending` with a new lease;
2. send: the connector gets the row's idempotency key. Before a resend after an unknown outcome, a connector
   that can `lookup(channel, key)` is asked first; the local connector, and platforms that take a key,
   also dedupe the send itself;
3. record: the reply is stored as an outbound Message through ingest (deduped by native id), then the row
   is marked sent (one transaction). A crash between 2 and 3 is the unknown outcome of step 1: the retry
   finds the reply already posted and records it; a crash inside 3 is repaired by the ingest dedupe.
Failures keep the platform's error on the row and in the conversation's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

import goodwill.connectors.local  # noqa: F401 - registers the "local" connector
from goodwill.actions.activity import record_activity, send_after_commit
from goodwill.actions.audit import Acting
from goodwill.connectors import registry
from goodwill.connectors.base import (
    AuthExpired,
    ConnectorError,
    Outgoing,
    RateLimited,
    Refused,
    Sent,
)
from goodwill.connectors.channels import channel_context, mark_needs_reauthorisation
from goodwill.connectors.secrets import SecretKeyError
from goodwill.domain.enums import ConversationKind, Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, NormalisedMessage, ThreadRefs
from goodwill.events import ReplyFailed, ReplySent
from goodwill.inbox.model import ActivityKind, OutboxStatus
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.messages import to_domain
from goodwill.store.tables import Channel, Conversation, ConversationLock, Message
from goodwill.store.tables_replies import Outbox

log = logging.getLogger(__name__)
WORKER = Acting.system("outbox")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
Hook = Callable[[Outbox, Sent], None]


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def send_due(
    store: Store,
    *,
    now: datetime | None = None,
    outbox_ids: Sequence[int] | None = None,
    after_send: Hook | None = None,
    limit: int = 50,
) -> SendReport:
    """Send what is due (or only `outbox_ids`). Idempotent; safe to run in several processes.

    `after_send` runs between "the platform accepted" and "recorded": tests inject a crash there.
    """
    now = now or datetime.now(UTC)
    report = SendReport()
    for row in _claim(store, now, outbox_ids, limit):
        outcome = _send_one(store, row, now, after_send)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _claim(store: Store, now: datetime, outbox_ids: Sequence[int] | None, limit: int) -> list[Outbox]:
    with store.session() as session:
        query = select(Outbox).where(
            or_(
                (Outbox.status == OutboxStatus.PENDING.value) & (Outbox.next_attempt_at <= now),
                (Outbox.status == OutboxStatus.SENDING.value) & (Outbox.claimed_until <= now),
            )
        )
        if outbox_ids is not None:
            query = query.where(Outbox.id.in_(list(outbox_ids)))
        query = query.order_by(Outbox.next_attempt_at, Outbox.id).limit(limit)
        if store.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        for row in rows:
            row.status = OutboxStatus.SENDING.value
            row.attempts += 1
            row.claimed_until = now + LEASE
        return rows


def _outgoing(store: Store, row: Outbox) -> tuple[Channel, Conversation, Outgoing]:
    with store.reader() as session:
        channel = session.get_one(Channel, row.channel_id)
        conversation = session.get_one(Conversation, row.conversation_id)
        parent = session.get(Message, row.in_reply_to_id) if row.in_reply_to_id else None
        answering = to_domain(parent) if parent is not None else None
    private = conversation.thread_key.removeprefix("direct:") if conversation.kind == ConversationKind.DIRECT else None
    return channel, conversation, Outgoing(row.text, row.idempotency_key, answering, private_conversation_id=private)


def _send_one(store: Store, row: Outbox, now: datetime, after_send: Hook | None) -> str:
    channel, conversation, outgoing = _outgoing(store, row)
    try:
        context = channel_context(store, channel.id)  # credentials decrypted
        connector: Any = registry.get(channel.config.get("connector") or channel.network)
        sent = (
            connector.lookup(context, row.idempotency_key)
            if row.attempts > 1 and hasattr(connector, "lookup")
            else None
        )
        if sent is None:
            sent = connector.send(context, outgoing)
    except AuthExpired as exc:
        mark_needs_reauthorisation(store, channel.id, exc, now)
        return _failed(store, row, exc, now)
    except (ConnectorError, LookupError, SecretKeyError) as exc:
        return _failed(store, row, exc, now)
    if after_send is not None:
        after_send(row, sent)
    message_id = _store_message(store, channel, conversation, outgoing, sent)
    _record_sent(store, row.id, sent, message_id, now)
    return "sent"


def _store_message(
    store: Store, channel: Channel, conversation: Conversation, outgoing: Outgoing, sent: Sent
) -> int | None:
    parent = outgoing.in_reply_to
    private = outgoing.private_conversation_id is not None
    message = NormalisedMessage(
        network=Network(channel.network),
        native=sent.native,
        kind=Kind.DIRECT if private else Kind.OWN,
        direction=Direction.OUTBOUND,
        author=Actor(native_id=channel.account_id, handle=channel.handle, is_self=True),
        text=outgoing.text,
        created_at=sent.created_at,
        visibility=Visibility.DIRECT if private else parent.visibility if parent else Visibility.PUBLIC,
        thread=ThreadRefs(
            root=(parent.thread.root or parent.native) if parent else None,
            parent=parent.native if parent else None,
            conversation_id=outgoing.private_conversation_id,
        ),
        raw=sent.raw,
        source={"transport": "outbox", "idempotency_key": outgoing.idempotency_key},
    )
    ingest(store, ChannelRef.of(channel), [message], classify=lambda texts: [])
    with store.reader() as session:
        return session.scalar(
            select(Message.id).where(Message.channel_id == channel.id, Message.native_id == sent.native.id)
        )


def _record_sent(store: Store, outbox_id: int, sent: Sent, message_id: int | None, now: datetime) -> None:
    with store.session() as session:
        row = session.get_one(Outbox, outbox_id, with_for_update=store.dialect == "postgresql")
        if row.status == OutboxStatus.SENT.value:
            return
        row.status = OutboxStatus.SENT.value
        row.native_id = sent.native.id
        row.message_id = message_id
        row.sent_at = now
        row.claimed_until = None
        row.last_error = None
        conversation = session.get_one(Conversation, row.conversation_id)
        data = {"outbox_id": row.id, "native_id": sent.native.id, "message_id": message_id}
        record_activity(session, conversation, ActivityKind.REPLY_SENT, acting=WORKER, data=data, at=now)
        session.execute(delete(ConversationLock).where(ConversationLock.conversation_id == row.conversation_id))
        send_after_commit(session, ReplySent(row.workspace_id, row.conversation_id, row.id, message_id))


def _failed(store: Store, row: Outbox, exc: Exception, now: datetime) -> str:
    final = isinstance(exc, Refused | AuthExpired | LookupError) or row.attempts >= MAX_ATTEMPTS
    platform_error = getattr(exc, "platform_error", None)
    with store.session() as session:
        current = session.get_one(Outbox, row.id)
        current.last_error = f"{type(exc).__name__}: {exc}"
        current.platform_error = (
            platform_error
            if isinstance(platform_error, dict)
            else ({"error": str(platform_error)} if platform_error is not None else None)
        )
        current.claimed_until = None
        if not final:
            current.status = OutboxStatus.PENDING.value
            reset = exc.reset_at if isinstance(exc, RateLimited) else None
            current.next_attempt_at = reset or now + timedelta(minutes=2**current.attempts)
            return "retrying"
        current.status = OutboxStatus.FAILED.value
        conversation = session.get_one(Conversation, current.conversation_id)
        data = {"outbox_id": current.id, "error": current.last_error, "platform_error": current.platform_error}
        record_activity(session, conversation, ActivityKind.REPLY_FAILED, acting=WORKER, data=data, at=now)
        send_after_commit(
            session, ReplyFailed(current.workspace_id, current.conversation_id, current.id, current.last_error)
        )
    log.warning("reply %s failed for good: %s", row.id, exc)
    return "failed"
