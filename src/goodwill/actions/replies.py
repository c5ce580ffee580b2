"""Replies: the collision guard and `do_reply`, which writes an outbox row before anything is sent.

The collision guard is a short lease per conversation (`conversation_lock`): a teammate takes it when they
start composing and `do_reply` takes or refreshes it; while another teammate holds an unexpired lease,
`do_reply` refuses with Collision. Taking it is one conditional statement, so two teammates racing on
SQLite or PostgreSQL get one winner.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, record_activity, send_after_commit, utcnow
from goodwill.actions.approvals import hold_for_approval
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Direction
from goodwill.events import ReplyQueued
from goodwill.inbox.model import ActivityKind, OutboxStatus
from goodwill.store.tables import Conversation, ConversationLock, Message, Teammate, Workspace
from goodwill.store.tables_replies import Outbox

LEASE = timedelta(minutes=2)
MAX_REPLY = 10_000


class Collision(PermissionError):
    """Another teammate is answering this conversation right now."""

    def __init__(self, holder: str, until: datetime) -> None:
        super().__init__(f"{holder} is answering this conversation (until {until:%H:%M:%S} UTC): not sent")
        self.holder = holder
        self.until = until


def _holder(session: Session, conversation_id: int, now: datetime) -> ConversationLock | None:
    lock = session.get(ConversationLock, conversation_id, populate_existing=True)
    return lock if lock is not None and lock.expires_at > now else None


def do_take_lock(
    session: Session, conversation: Conversation, *, acting: Acting, now: datetime | None = None
) -> datetime | None:
    """Take or refresh the composing lease for the acting teammate; returns when it expires.

    The system and the CLI's owner (no teammate) take no lease but are refused while someone holds one.
    """
    now = now or utcnow()
    me = acting.teammate_id
    if me is None:
        held = _holder(session, conversation.id, now)
        if held is not None:
            raise Collision(_name(session, held.teammate_id), held.expires_at)
        return None
    until = now + LEASE
    taken = session.execute(
        update(ConversationLock)
        .where(
            ConversationLock.conversation_id == conversation.id,
            or_(ConversationLock.teammate_id == me, ConversationLock.expires_at <= now),
        )
        .values(teammate_id=me, acquired_at=now, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return until
    try:
        with session.begin_nested():
            session.add(
                ConversationLock(conversation_id=conversation.id, teammate_id=me, acquired_at=now, expires_at=until)
            )
        return until
    except IntegrityError:
        held = _holder(session, conversation.id, now)
        if held is None or held.teammate_id == me:  # expired between the two statements: try once more
            return do_take_lock(session, conversation, acting=acting, now=now)
        raise Collision(_name(session, held.teammate_id), held.expires_at) from None


def do_release_lock(session: Session, conversation: Conversation, *, acting: Acting) -> None:
    query = delete(ConversationLock).where(ConversationLock.conversation_id == conversation.id)
    if acting.teammate_id is not None:
        query = query.where(ConversationLock.teammate_id == acting.teammate_id)
    session.execute(query)


def _name(session: Session, teammate_id: int) -> str:
    teammate = session.get(Teammate, teammate_id)
    return teammate.name if teammate else f"teammate {teammate_id}"


def _answering(session: Session, conversation: Conversation, message_id: int | None) -> Message | None:
    if message_id is not None:
        message = session.get(Message, message_id)
        if message is None or message.conversation_id != conversation.id:
            raise NotFound(f"no message {message_id} in conversation {conversation.id}")
        return message
    return session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.direction == Direction.INBOUND.value)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )


def do_reply(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    text: str,
    *,
    acting: Acting,
    in_reply_to_id: int | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Outbox:
    """Queue a reply: an outbox row with its idempotency key, committed before any worker may send it.

    Answers the newest inbound message unless `in_reply_to_id` says otherwise. Idempotent on
    `idempotency_key`: a second call with the same key returns the first row and queues nothing.
    """
    now = now or utcnow()
    if idempotency_key is not None:
        existing = session.scalar(select(Outbox).where(Outbox.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    check_can_write(session, workspace, acting)
    text = text.strip()
    if not text or len(text) > MAX_REPLY:
        raise ValueError(f"a reply needs between 1 and {MAX_REPLY} characters")
    do_take_lock(session, conversation, acting=acting, now=now)
    answering = _answering(session, conversation, in_reply_to_id)
    row = Outbox(
        workspace_id=workspace.id,
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        in_reply_to_id=answering.id if answering else None,
        idempotency_key=idempotency_key or uuid.uuid4().hex,
        text=text,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_by_id=acting.teammate_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    record_activity(session, conversation, ActivityKind.REPLY_QUEUED, acting=acting, data={"outbox_id": row.id}, at=now)
    held = hold_for_approval(session, workspace, conversation, row, acting=acting, now=now)  # status "held"
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="conversation.reply",
        object_type="conversation",
        object_id=conversation.id,
        data={"outbox_id": row.id, "idempotency_key": row.idempotency_key, "held": held},
    )
    if not held:  # a held reply is queued by its approval (goodwill.actions.approvals)
        send_after_commit(session, ReplyQueued(workspace.id, conversation.id, row.id))
    return row


def do_retry_reply(session: Session, workspace: Workspace, row: Outbox, *, acting: Acting) -> None:
    """Send a failed reply again, with the same idempotency key (so a platform that took it keeps one)."""
    check_can_write(session, workspace, acting)
    if row.workspace_id != workspace.id:
        raise NotFound(f"no reply {row.id} in workspace {workspace.slug!r}")
    if row.status != OutboxStatus.FAILED.value:
        raise ValueError(f"reply {row.id} is {row.status}: only a failed reply is retried")
    row.status = OutboxStatus.PENDING.value
    row.next_attempt_at = utcnow()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="outbox.retry",
        object_type="outbox",
        object_id=row.id,
    )
    send_after_commit(session, ReplyQueued(workspace.id, row.conversation_id, row.id))
