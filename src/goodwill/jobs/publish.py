"""The publish job: send scheduled posts through each channel's connector at their time, exactly once.

The same three steps as the reply outbox (goodwill.jobs.outbox), on PostDelivery rows:
1. claim (one transaction): pending deliveries that are due, and `sending` ones whose worker lease ran out
   (that worker died: the platform may or may not have the post), become `sending` with a new lease;
2. send: the connector gets the delivery's idempotency key. Before a resend after an unknown outcome, a
   connector that can `lookup(channel, key)` is asked first (the local connector also dedupes the send);
   a connector that cannot (X, Mastodon, Meta today) is not resent: the post fails as "outcome unknown" for a person
   to check, so a post is never published twice (at most once there, exactly once where lookup exists);
3. record: the post is stored as an outbound Message through ingest (deduped by native id), then the Post
   is marked published and the delivery sent (one transaction). A crash between 2 and 3 is the unknown
   outcome of step 1; a crash inside 3 is repaired by the ingest dedupe.
A refusal (or the last of MAX_ATTEMPTS) marks the Post failed with the platform's words on the delivery,
visible in `goodwill post list` and the calendar; `do_retry_post` sends it again with the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

import goodwill.connectors.local  # noqa: F401 - registers the "local" connector
from goodwill.actions.activity import send_after_commit
from goodwill.actions.audit import Acting, audit
from goodwill.connectors import registry
from goodwill.connectors.base import AuthExpired, ConnectorError, Outgoing, RateLimited, Refused, Sent
from goodwill.connectors.channels import channel_context, mark_needs_reauthorisation
from goodwill.connectors.secrets import SecretKeyError
from goodwill.domain.enums import Direction, Kind, Network, PostStatus, Visibility
from goodwill.domain.message import Actor, NormalisedMessage, ThreadRefs
from goodwill.events import PostFailed, PostPublished
from goodwill.inbox.model import OutboxStatus
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.tables import Channel, Message, Post
from goodwill.store.tables_publishing import PostDelivery

log = logging.getLogger(__name__)
WORKER = Acting.system("publish")
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
Hook = Callable[[PostDelivery, Sent], None]


@dataclass(slots=True)
class PublishReport:
    published: int = 0
    retrying: int = 0
    failed: int = 0


def publish_due(
    store: Store,
    *,
    now: datetime | None = None,
    post_ids: Sequence[int] | None = None,
    after_send: Hook | None = None,
    limit: int = 50,
) -> PublishReport:
    """Publish what is due (or only `post_ids`, when due). Idempotent; safe to run in several processes.

    `after_send` runs between "the platform accepted" and "recorded": tests inject a crash there.
    """
    now = now or datetime.now(UTC)
    report = PublishReport()
    for delivery, unknown in _claim(store, now, post_ids, limit):
        outcome = _publish_one(store, delivery, now, after_send, unknown=unknown)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _claim(store: Store, now: datetime, post_ids: Sequence[int] | None, limit: int) -> list[tuple[PostDelivery, bool]]:
    """The claimed deliveries, each with whether its last attempt's outcome is unknown (a lapsed lease)."""
    with store.session() as session:
        query = select(PostDelivery).where(
            or_(
                (PostDelivery.status == OutboxStatus.PENDING.value) & (PostDelivery.next_attempt_at <= now),
                (PostDelivery.status == OutboxStatus.SENDING.value) & (PostDelivery.claimed_until <= now),
            )
        )
        if post_ids is not None:
            query = query.where(PostDelivery.post_id.in_(list(post_ids)))
        query = query.order_by(PostDelivery.next_attempt_at, PostDelivery.id).limit(limit)
        if store.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = [(row, row.status == OutboxStatus.SENDING.value) for row in session.scalars(query)]
        for row, _unknown in rows:
            row.status = OutboxStatus.SENDING.value
            row.attempts += 1
            row.claimed_until = now + LEASE
        return rows


class OutcomeUnknown(ConnectorError):
    """A worker died while sending and the network cannot say whether it has the post (no `lookup`)."""


def _publish_one(store: Store, delivery: PostDelivery, now: datetime, after_send: Hook | None, *, unknown: bool) -> str:
    with store.reader() as session:
        channel = session.get_one(Channel, delivery.channel_id)
        post = session.get_one(Post, delivery.post_id)
        outgoing = Outgoing(post.text, delivery.idempotency_key, media=tuple((post.detail or {}).get("media") or ()))
    try:
        context = channel_context(store, channel.id)  # credentials decrypted
        connector: Any = registry.get(channel.config.get("connector") or channel.network)
        can_look = hasattr(connector, "lookup")
        if unknown and not can_look:  # resending could post twice: a person checks the network and retries
            raise OutcomeUnknown(
                "the worker stopped while publishing and the network cannot be asked whether it has the post: "
                "check the channel's feed, then retry the post (`goodwill post retry`) if it is not there"
            )
        sent = connector.lookup(context, delivery.idempotency_key) if delivery.attempts > 1 and can_look else None
        if sent is None:
            sent = connector.send(context, outgoing)
    except AuthExpired as exc:
        mark_needs_reauthorisation(store, channel.id, exc, now)
        return _failed(store, delivery, exc, now)
    except (ConnectorError, LookupError, SecretKeyError) as exc:
        return _failed(store, delivery, exc, now)
    if after_send is not None:
        after_send(delivery, sent)
    message_id = _store_message(store, channel, outgoing, sent)
    _record_published(store, delivery.id, sent, message_id, now)
    return "published"


def _store_message(store: Store, channel: Channel, outgoing: Outgoing, sent: Sent) -> int | None:
    message = NormalisedMessage(
        network=Network(channel.network),
        native=sent.native,
        kind=Kind.OWN,
        direction=Direction.OUTBOUND,
        author=Actor(native_id=channel.account_id, handle=channel.handle, is_self=True),
        text=outgoing.text,
        created_at=sent.created_at,
        visibility=Visibility.PUBLIC,
        thread=ThreadRefs(),
        raw=sent.raw,
        source={"transport": "publish", "idempotency_key": outgoing.idempotency_key},
    )
    ingest(store, ChannelRef.of(channel), [message], classify=lambda texts: [])
    with store.reader() as session:
        return session.scalar(
            select(Message.id).where(Message.channel_id == channel.id, Message.native_id == sent.native.id)
        )


def _record_published(store: Store, delivery_id: int, sent: Sent, message_id: int | None, now: datetime) -> None:
    with store.session() as session:
        row = session.get_one(PostDelivery, delivery_id, with_for_update=store.dialect == "postgresql")
        if row.status == OutboxStatus.SENT.value:
            return
        row.status = OutboxStatus.SENT.value
        row.native_id = sent.native.id
        row.sent_at = now
        row.claimed_until = None
        row.last_error = None
        row.platform_error = None
        post = session.get_one(Post, row.post_id)
        post.status = PostStatus.PUBLISHED.value
        post.published_at = sent.created_at
        post.message_id = message_id
        data = {"native_id": sent.native.id, "message_id": message_id, "attempts": row.attempts}
        audit(
            session,
            workspace_id=post.workspace_id,
            acting=WORKER,
            action="post.published",
            object_type="post",
            object_id=post.id,
            data=data,
        )
        send_after_commit(session, PostPublished(post.workspace_id, post.id, message_id))


def _failed(store: Store, delivery: PostDelivery, exc: Exception, now: datetime) -> str:
    final = isinstance(exc, Refused | AuthExpired | LookupError | OutcomeUnknown) or delivery.attempts >= MAX_ATTEMPTS
    platform_error = getattr(exc, "platform_error", None)
    with store.session() as session:
        current = session.get_one(PostDelivery, delivery.id)
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
        post = session.get_one(Post, current.post_id)
        post.status = PostStatus.FAILED.value
        data = {"error": current.last_error, "platform_error": current.platform_error, "attempts": current.attempts}
        audit(
            session,
            workspace_id=post.workspace_id,
            acting=WORKER,
            action="post.failed",
            object_type="post",
            object_id=post.id,
            data=data,
        )
        send_after_commit(session, PostFailed(post.workspace_id, post.id, current.last_error))
    log.warning("post %s failed for good: %s", delivery.post_id, exc)
    return "failed"
