"""Read the inbox: conversations most urgent first with filters, one conversation's timeline, neglected praise.

Most urgent first: waiting on us, then priority, then the longest wait. Each filter has its own index
(0002_inbox), so a page of 50 costs the same with 200 or 200,000 conversations (benchmarks/inbox.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import access_conversation_by_id, access_teammate_by_id
from goodwill.actions.workspaces import access_workspace
from goodwill.domain.enums import ConversationStatus, Direction, Intent
from goodwill.inbox import sla
from goodwill.inbox.timeline import MessageView, TimelineItem, timeline
from goodwill.store.tables import Channel, Conversation, ConversationTag, Message, Person, Teammate, Triage


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
    channel_id: int = 0
    assignee: str | None = None
    assignee_id: int | None = None
    waiting_minutes: int | None = None
    sla_target: str | None = None
    sla_due_at: datetime | None = None
    sla_state: str = "none"  # ok | at_risk (predicted breach) | breached | none
    sla_breached: bool = False
    snoozed_until: datetime | None = None
    hidden: bool = False
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_message_at", "last_inbound_at", "waiting_since", "sla_due_at", "snoozed_until"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True, slots=True)
class InboxFilter:
    status: str | None = ConversationStatus.OPEN.value  # None: every status
    needs_reply_only: bool = True
    assignee: str | None = None  # e-mail or id, or "none" for unassigned
    intent: str | None = None
    network: str | None = None
    channel_id: int | None = None
    tag: str | None = None
    breached_only: bool = False
    include_hidden: bool = False


def _conditions(session: Session, ws_id: int, f: InboxFilter, now: datetime) -> list[ColumnElement[bool]]:
    c = Conversation
    where: list[ColumnElement[bool]] = [c.workspace_id == ws_id]
    if f.status is not None:
        where.append(c.status == f.status)
    if f.needs_reply_only:
        where.append(c.needs_reply.is_(True))
    if f.assignee in ("none", "unassigned"):
        where.append(c.assignee_id.is_(None))
    elif f.assignee is not None:
        workspace = access_workspace_by_id(session, ws_id)
        where.append(c.assignee_id == access_teammate_by_id(session, workspace, f.assignee).id)
    if f.intent is not None:
        if f.intent not in {i.value for i in Intent}:
            raise ValueError(f"intent {f.intent!r} is not one of {', '.join(i.value for i in Intent)}")
        where.append(c.intent == f.intent)
    if f.channel_id is not None:
        where.append(c.channel_id == f.channel_id)
    if f.network is not None:
        where.append(
            c.channel_id.in_(select(Channel.id).where(Channel.workspace_id == ws_id, Channel.network == f.network))
        )
    if f.tag is not None:
        where.append(c.id.in_(select(ConversationTag.conversation_id).where(ConversationTag.tag == f.tag.lower())))
    if f.breached_only:
        where.append(c.sla_due_at <= now)
    if not f.include_hidden:
        where.append(c.is_hidden.is_(False))
    return where


def access_workspace_by_id(session: Session, workspace_id: int) -> Any:
    from goodwill.store.tables import Workspace

    return session.get_one(Workspace, workspace_id)


def list_inbox(
    session: Session,
    *,
    workspace: str,
    needs_reply_only: bool = True,
    channel_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    filters: InboxFilter | None = None,
    with_count: bool = True,
    now: datetime | None = None,
) -> tuple[list[ConversationSummary], int]:
    """One page of conversations, most urgent first, and the total count (-1 when `with_count` is off)."""
    ws = access_workspace(session, workspace)
    now = now or datetime.now(UTC)
    f = filters or InboxFilter(needs_reply_only=needs_reply_only, channel_id=channel_id)
    where = _conditions(session, ws.id, f, now)
    total = int(session.scalar(select(func.count()).select_from(Conversation).where(*where)) or 0) if with_count else -1
    query = (
        select(Conversation)
        .where(*where)
        .order_by(
            Conversation.needs_reply.desc(),
            Conversation.priority.desc(),
            Conversation.last_inbound_at.asc(),
            Conversation.id,
        )
        .limit(limit)
        .offset(offset)
    )
    return summarise(session, list(session.scalars(query)), now), total


def neglected_praise(
    session: Session,
    *,
    workspace: str,
    older_than: timedelta = timedelta(hours=24),
    limit: int = 50,
    now: datetime | None = None,
) -> list[ConversationSummary]:
    """Compliments nobody thanked: the newest inbound message is praise and no reply came after it."""
    ws = access_workspace(session, workspace)
    now = now or datetime.now(UTC)
    c = Conversation
    rows = session.scalars(
        select(c)
        .where(
            c.workspace_id == ws.id,
            c.intent == Intent.PRAISE.value,
            c.is_hidden.is_(False),
            c.last_inbound_at <= now - older_than,
            or_(c.last_outbound_at.is_(None), c.last_outbound_at < c.last_inbound_at),
        )
        .order_by(c.last_inbound_at.desc(), c.id)
        .limit(limit)
    )
    return summarise(session, list(rows), now)


def summarise(session: Session, conversations: list[Conversation], now: datetime) -> list[ConversationSummary]:
    """The page's rows with their channel, person, assignee, tags and newest inbound message (a few queries)."""
    ids = [c.id for c in conversations]
    channels = {
        ch.id: ch
        for ch in session.scalars(select(Channel).where(Channel.id.in_({c.channel_id for c in conversations})))
    }
    people = dict(
        session.execute(
            select(Person.id, Person.display_name).where(
                Person.id.in_({c.person_id for c in conversations if c.person_id})
            )
        )
        .tuples()
        .all()
    )
    mates = dict(
        session.execute(
            select(Teammate.id, Teammate.name).where(
                Teammate.id.in_({c.assignee_id for c in conversations if c.assignee_id})
            )
        )
        .tuples()
        .all()
    )
    tags: dict[int, list[str]] = {}
    for cid, tag in session.execute(
        select(ConversationTag.conversation_id, ConversationTag.tag)
        .where(ConversationTag.conversation_id.in_(ids))
        .order_by(ConversationTag.tag)
    ).tuples():
        tags.setdefault(cid, []).append(tag)
    latest = _latest_inbound(session, ids)
    out = []
    for c in conversations:
        text, intent = latest.get(c.id, ("", None))
        waiting = c.waiting_since or (c.last_inbound_at if c.needs_reply else None)
        channel = channels.get(c.channel_id)
        state = sla.state(c, now)
        out.append(
            ConversationSummary(
                id=c.id,
                network=channel.network if channel else "",
                channel=channel.handle if channel else "",
                kind=c.kind,
                status=c.status,
                person=people.get(c.person_id) if c.person_id else None,
                needs_reply=c.needs_reply,
                priority=c.priority,
                message_count=c.message_count,
                last_message_at=c.last_message_at,
                last_inbound_at=c.last_inbound_at,
                waiting_since=waiting if c.needs_reply else None,
                preview=text,
                intent=c.intent or intent,
                channel_id=c.channel_id,
                assignee=mates.get(c.assignee_id) if c.assignee_id else None,
                assignee_id=c.assignee_id,
                waiting_minutes=int((now - waiting).total_seconds() // 60) if c.needs_reply and waiting else None,
                sla_target=c.sla_target,
                sla_due_at=c.sla_due_at,
                sla_state=state,
                sla_breached=state == "breached",
                snoozed_until=c.snoozed_until,
                hidden=c.is_hidden,
                tags=tags.get(c.id, []),
            )
        )
    return out


def _latest_inbound(session: Session, conversation_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """conversation id -> (text of the newest inbound message, its intent)."""
    if not conversation_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(conversation_ids), Message.direction == Direction.INBOUND.value)
        .group_by(Message.conversation_id)
    )
    rows = session.execute(
        select(Message.conversation_id, Message.text, Triage.intent)
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(Message.id.in_(newest))
    ).tuples()
    return {cid: (text, intent) for cid, text, intent in rows}


@dataclass(frozen=True, slots=True)
class ConversationView:
    summary: ConversationSummary
    messages: list[MessageView]
    timeline: list[TimelineItem]

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.summary.as_dict(),
            "messages": [m.as_dict() for m in self.messages],
            "timeline": [item.as_dict() for item in self.timeline],
        }


def show_conversation(
    session: Session, *, workspace: str, conversation_id: int, now: datetime | None = None
) -> ConversationView:
    ws = access_workspace(session, workspace)
    conv = access_conversation_by_id(session, ws, conversation_id)
    now = now or datetime.now(UTC)
    summary = summarise(session, [conv], now)[0]
    items = timeline(session, conv)
    messages = [item.message for item in items if item.message is not None]
    return ConversationView(summary=summary, messages=messages, timeline=items)
