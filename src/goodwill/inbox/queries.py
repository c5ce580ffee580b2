"""Read the inbox: open conversations, most urgent first, and one conversation top to bottom."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions.workspaces import NotFound, access_workspace
from goodwill.domain.enums import ConversationStatus, Direction
from goodwill.store.tables import Channel, Conversation, Identity, Message, Person, Triage


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: int
    network: str
    channel: str
    kind: str
    status: str
    person: str | None
    needs_reply: bool
    priority: int
    message_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    waiting_since: datetime | None  # oldest inbound message not answered yet
    preview: str
    intent: str | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_message_at", "last_inbound_at", "waiting_since"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def list_inbox(
    session: Session,
    *,
    workspace: str,
    needs_reply_only: bool = True,
    channel_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[ConversationSummary], int]:
    """Open conversations, those waiting on us first, then by priority and by how long they have waited.

    Returns one page and the total count.
    """
    ws = access_workspace(session, workspace)
    conditions = [Conversation.workspace_id == ws.id, Conversation.status == ConversationStatus.OPEN.value]
    if needs_reply_only:
        conditions.append(Conversation.needs_reply.is_(True))
    if channel_id is not None:
        conditions.append(Conversation.channel_id == channel_id)
    total = session.scalar(select(func.count()).select_from(Conversation).where(*conditions)) or 0
    rows = session.execute(
        select(Conversation, Channel.network, Channel.handle, Person.display_name)
        .join(Channel, Channel.id == Conversation.channel_id)
        .outerjoin(Person, Person.id == Conversation.person_id)
        .where(*conditions)
        .order_by(
            Conversation.needs_reply.desc(),
            Conversation.priority.desc(),
            Conversation.last_inbound_at.asc(),
            Conversation.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    ids = [row[0].id for row in rows]
    latest = _latest_inbound(session, ids)
    return [
        ConversationSummary(
            id=conv.id,
            network=network,
            channel=handle,
            kind=conv.kind,
            status=conv.status,
            person=person,
            needs_reply=conv.needs_reply,
            priority=conv.priority,
            message_count=conv.message_count,
            last_message_at=conv.last_message_at,
            last_inbound_at=conv.last_inbound_at,
            waiting_since=latest.get(conv.id, (None, None, None))[2] if conv.needs_reply else None,
            preview=latest.get(conv.id, ("", None, None))[0],
            intent=latest.get(conv.id, (None, None, None))[1],
        )
        for conv, network, handle, person in rows
    ], total


def _latest_inbound(session: Session, conversation_ids: list[int]) -> dict[int, tuple[str, str | None, Any]]:
    """conversation id -> (text of the newest inbound message, its intent, first unanswered inbound time)."""
    if not conversation_ids:
        return {}
    newest = (
        select(Message.conversation_id, func.max(Message.created_at).label("at"))
        .where(Message.conversation_id.in_(conversation_ids), Message.direction == Direction.INBOUND.value)
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.execute(
        select(Message.conversation_id, Message.text, Triage.intent, Message.created_at)
        .join(newest, (newest.c.conversation_id == Message.conversation_id) & (newest.c.at == Message.created_at))
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(Message.direction == Direction.INBOUND.value)
    ).all()
    answered: dict[int, datetime | None] = dict(
        session.execute(
            select(Conversation.id, Conversation.last_outbound_at).where(Conversation.id.in_(conversation_ids))
        )
        .tuples()
        .all()
    )
    firsts = session.execute(
        select(Message.conversation_id, Message.created_at).where(
            Message.conversation_id.in_(conversation_ids), Message.direction == Direction.INBOUND.value
        )
    ).all()
    waiting: dict[int, datetime] = {}
    for cid, at in firsts:
        cutoff = answered.get(cid)
        if (cutoff is None or at > cutoff) and (cid not in waiting or at < waiting[cid]):
            waiting[cid] = at
    return {cid: (text, intent, waiting.get(cid)) for cid, text, intent, _at in rows}


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    native_id: str
    direction: str
    kind: str
    author: str
    created_at: datetime
    text: str
    intent: str | None
    sentiment: str | None
    severity: int | None
    priority: int | None
    evidence: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class ConversationView:
    summary: ConversationSummary
    messages: list[MessageView]

    def as_dict(self) -> dict[str, Any]:
        return {"conversation": self.summary.as_dict(), "messages": [m.as_dict() for m in self.messages]}


def show_conversation(session: Session, *, workspace: str, conversation_id: int) -> ConversationView:
    ws = access_workspace(session, workspace)
    conv = session.get(Conversation, conversation_id)
    if conv is None or conv.workspace_id != ws.id:
        raise NotFound(f"no conversation {conversation_id} in workspace {workspace!r}")
    channel = session.get(Channel, conv.channel_id)
    person = session.get(Person, conv.person_id) if conv.person_id else None
    rows = session.execute(
        select(Message, Identity.handle, Identity.display_name, Identity.native_id, Triage)
        .join(Identity, Identity.id == Message.identity_id)
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(Message.conversation_id == conv.id)
        .order_by(Message.created_at, Message.id)
    ).all()
    messages = [
        MessageView(
            id=m.id,
            native_id=m.native_id,
            direction=m.direction,
            kind=m.kind,
            author=(f"@{handle}" if handle else name or native_id),
            created_at=m.created_at,
            text=m.text,
            intent=t.intent if t else None,
            sentiment=t.sentiment if t else None,
            severity=t.severity if t else None,
            priority=t.priority if t else None,
            evidence=t.evidence if t else None,
        )
        for m, handle, name, native_id, t in rows
    ]
    last_in = next((m for m in reversed(messages) if m.direction == Direction.INBOUND.value), None)
    summary = ConversationSummary(
        id=conv.id,
        network=channel.network if channel else "",
        channel=channel.handle if channel else "",
        kind=conv.kind,
        status=conv.status,
        person=person.display_name if person else None,
        needs_reply=conv.needs_reply,
        priority=conv.priority,
        message_count=conv.message_count,
        last_message_at=conv.last_message_at,
        last_inbound_at=conv.last_inbound_at,
        waiting_since=None,
        preview=last_in.text if last_in else "",
        intent=last_in.intent if last_in else None,
    )
    return ConversationView(summary=summary, messages=messages)
