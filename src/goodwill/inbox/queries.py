"""Read the inbox: conversations most urgent first with filters, one conversation's timeline, neglected praise.

Most urgent first: waiting on us, then priority, then the longest wait, then id (`URGENT_ORDER`). The hot
pages (most urgent, by assignee, by intent) each have a partial index over visible conversations whose
columns are the page's equality filters followed by exactly that order (0002_inbox), so the database reads
the first 50 entries of one index range and stops: a page costs the same with 200 or 200,000 conversations
(benchmarks/inbox.py). The filters here must keep the forms those indexes name (`is_hidden = false`,
`needs_reply = true`). A page is one statement: the ids in order from the index as a subquery, with
everything a summary shows (channel, person, assignee, tags, newest inbound message) in the same statement.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import Session

from goodwill.actions.activity import access_conversation_by_id, access_teammate_by_id
from goodwill.actions.workspaces import access_workspace
from goodwill.domain.enums import ConversationStatus, Direction, Intent
from goodwill.inbox import sla
from goodwill.inbox.timeline import MessageView, TimelineItem, timeline
from goodwill.store.tables import (
    Channel,
    Conversation,
    ConversationTag,
    Message,
    Person,
    Teammate,
    Triage,
    table_of,
)


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
    person_id: int | None = None

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


# Core tables: the read path builds one statement per page and runs it on the session's connection, which
# skips the ORM's per-statement work (a page is 50 rows of plain columns, not objects to track). Each caller
# looks its workspace up through the ORM first, which autoflushes the session's pending changes.
_C = table_of(Conversation)
_CH = table_of(Channel)
_P = table_of(Person)
_TM = table_of(Teammate)
_T = table_of(Triage)
_TAG = table_of(ConversationTag)
_M = table_of(Message)
_LATEST = _M.alias("latest")

# Most urgent first. The inbox indexes (0002_inbox) list these columns in these directions after the
# equality filters, so the order is read from the index, not sorted.
URGENT_ORDER: tuple[ColumnElement[Any], ...] = (
    _C.c.needs_reply.desc(),
    _C.c.priority.desc(),
    _C.c.last_inbound_at.asc(),
    _C.c.id.asc(),
)


def _conditions(session: Session, ws_id: int, f: InboxFilter, now: datetime) -> list[ColumnElement[bool]]:
    c = _C.c
    where: list[ColumnElement[bool]] = [c.workspace_id == ws_id]
    if f.status is not None:
        where.append(c.status == f.status)
    if f.needs_reply_only:
        where.append(c.needs_reply == true())
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
        where.append(c.channel_id.in_(select(_CH.c.id).where(_CH.c.workspace_id == ws_id, _CH.c.network == f.network)))
    if f.tag is not None:
        where.append(c.id.in_(select(_TAG.c.conversation_id).where(_TAG.c.tag == f.tag.lower())))
    if f.breached_only:
        where.append(c.sla_due_at <= now)
    if not f.include_hidden:
        where.append(c.is_hidden == false())  # the partial indexes' predicate, written the same way
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
    """One page of conversations, most urgent first, and the total count (-1 when `with_count` is off).

    The total is exact: every conversation the filters match, not only this page's. With the default filters
    it is counted from the page's index alone (no table rows read); still, it reads one index entry per
    match, so a caller that does not show it should pass `with_count=False`."""
    ws = access_workspace(session, workspace)
    now = now or datetime.now(UTC)
    f = filters or InboxFilter(needs_reply_only=needs_reply_only, channel_id=channel_id)
    where = _conditions(session, ws.id, f, now)
    conn = session.connection()
    total = int(conn.scalar(select(func.count()).select_from(_C).where(*where)) or 0) if with_count else -1
    page = select(_C.c.id).where(*where).order_by(*URGENT_ORDER).limit(limit).offset(offset)
    return _summaries(session, page, URGENT_ORDER, now), total


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
    c = _C.c
    order = (c.last_inbound_at.desc(), c.id.asc())
    page = (
        select(c.id)
        .where(
            c.workspace_id == ws.id,
            c.intent == Intent.PRAISE.value,
            c.is_hidden == false(),
            c.last_inbound_at <= now - older_than,
            or_(c.last_outbound_at.is_(None), c.last_outbound_at < c.last_inbound_at),
        )
        .order_by(*order)
        .limit(limit)
    )
    return _summaries(session, page, order, now)


# What a summary shows beyond the conversation row, per row of a page. Lookups are scalar subqueries
# correlated to the page's conversation, not joins: each is one primary-key probe, and PostgreSQL plans them
# separately (seven joined tables cost it more time to plan than to run). The newest inbound message (its
# text is the preview, its triage intent the fallback intent) is joined, as two columns come from it.
def _lookup(column: ColumnElement[Any], key: ColumnElement[Any], of: ColumnElement[Any]) -> ColumnElement[Any]:
    return select(column).where(key == of).correlate(_C).scalar_subquery()


_NEWEST_INBOUND = (
    select(func.max(_M.c.id))
    .where(_M.c.conversation_id == _C.c.id, _M.c.direction == Direction.INBOUND.value)
    .correlate(_C)
    .scalar_subquery()
)
_TAGS = (
    select(func.aggregate_strings(_TAG.c.tag, " "))  # tags have no spaces (actions.conversations.TAG)
    .where(_TAG.c.conversation_id == _C.c.id)
    .correlate(_C)
    .scalar_subquery()
)
_SUMMARY_COLUMNS = (
    _C.c.id,
    _C.c.channel_id,
    _C.c.kind,
    _C.c.status,
    _C.c.needs_reply,
    _C.c.priority,
    _C.c.message_count,
    _C.c.last_message_at,
    _C.c.last_inbound_at,
    _C.c.waiting_since,
    _C.c.intent,
    _C.c.assignee_id,
    _C.c.sla_target,
    _C.c.sla_due_at,
    _C.c.sla_warn_at,
    _C.c.snoozed_until,
    _C.c.is_hidden,
    _C.c.person_id,
    _lookup(_CH.c.network, _CH.c.id, _C.c.channel_id),
    _lookup(_CH.c.handle, _CH.c.id, _C.c.channel_id),
    _lookup(_P.c.display_name, _P.c.id, _C.c.person_id),
    _lookup(_TM.c.name, _TM.c.id, _C.c.assignee_id),
    _LATEST.c.text,
    _T.c.intent,
    _TAGS,
)


def _summaries(
    session: Session, page: Select[tuple[int]], order: tuple[ColumnElement[Any], ...], now: datetime
) -> list[ConversationSummary]:
    """The conversations whose ids `page` selects, in `order`, each with its channel, person, assignee, tags
    and newest inbound message: one statement (the page of ids is a subquery, so only its rows are looked up)."""
    ids = page.subquery("page")
    query = (
        select(*_SUMMARY_COLUMNS)
        .select_from(
            ids.join(_C, _C.c.id == ids.c.id)
            .outerjoin(_LATEST, _LATEST.c.id == _NEWEST_INBOUND)
            .outerjoin(_T, _T.c.message_id == _LATEST.c.id)
        )
        .order_by(*order)
    )
    return [_summary(row, now) for row in session.connection().execute(query).tuples()]


def _summary(row: tuple[Any, ...], now: datetime) -> ConversationSummary:
    (
        cid,
        channel_id,
        kind,
        status,
        needs_reply,
        priority,
        message_count,
        last_message_at,
        last_inbound_at,
        waiting_since,
        intent,
        assignee_id,
        sla_target,
        sla_due_at,
        sla_warn_at,
        snoozed_until,
        is_hidden,
        person_id,
        network,
        handle,
        person,
        assignee,
        preview,
        latest_intent,
        tags,
    ) = row
    waiting = waiting_since or (last_inbound_at if needs_reply else None)
    state = sla.state_at(sla_due_at, sla_warn_at, now)
    return ConversationSummary(
        id=cid,
        network=network or "",
        channel=handle or "",
        kind=kind,
        status=status,
        person=person,
        needs_reply=needs_reply,
        priority=priority,
        message_count=message_count,
        last_message_at=last_message_at,
        last_inbound_at=last_inbound_at,
        waiting_since=waiting if needs_reply else None,
        preview=preview or "",
        intent=intent or latest_intent,
        channel_id=channel_id,
        assignee=assignee if assignee_id else None,
        assignee_id=assignee_id,
        waiting_minutes=int((now - waiting).total_seconds() // 60) if needs_reply and waiting else None,
        sla_target=sla_target,
        sla_due_at=sla_due_at,
        sla_state=state,
        sla_breached=state == "breached",
        snoozed_until=snoozed_until,
        hidden=is_hidden,
        tags=sorted(tags.split()) if tags else [],
        person_id=person_id,
    )


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
    summary = _summaries(session, select(_C.c.id).where(_C.c.id == conv.id), (), now)[0]
    items = timeline(session, conv)
    messages = [item.message for item in items if item.message is not None]
    return ConversationView(summary=summary, messages=messages, timeline=items)
