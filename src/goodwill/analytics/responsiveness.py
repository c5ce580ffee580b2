"""Responsiveness: who got an answer, how fast, and who is still waiting (definitions: docs/audit.md).

The unit is the conversation. A conversation counts in the period when its first inbound message (the one
that starts the clock) falls in it; its intent is that message's triage intent. It is answered when the
brand wrote in it at or after that message; first response time runs from that message to the brand's
first message after it, acknowledgement time to the team's first sign of having seen it (a reply, or a
teammate assigning, tagging, noting, changing status or queuing a reply), resolution time to its
resolution. One SQL query reads one row per conversation; the figures are computed on arrays.

Queries run on the session's connection (SQLAlchemy Core): they select columns, never ORM objects, and the
ORM's result machinery cost a third more per row (about 0.4 s over 240,000 conversations).
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from goodwill.analytics.hours import BusinessClock, Floats, percentiles
from goodwill.analytics.scope import Scope
from goodwill.domain.enums import ConversationStatus, Direction
from goodwill.inbox.model import OutboxStatus
from goodwill.inbox.sla import hours_of
from goodwill.publishing.mix import is_engagement_message
from goodwill.store.tables import Activity, Conversation, Message, Person, Teammate, Triage
from goodwill.store.tables_replies import Outbox

INTENTS = ("complaint", "question", "praise")
ATTENTION = ("assigned", "status", "tagged", "note", "priority", "reply_queued", "reply_sent")
UNATTRIBUTED = "(not recorded)"


def opener_intent(c: Any) -> Any:
    """The triage intent of the message that opened conversation `c` (an index lookup per conversation)."""
    m = aliased(Message)
    return (
        select(Triage.intent)
        .join(m, m.id == Triage.message_id)
        .where(m.conversation_id == c.id, m.direction == Direction.INBOUND.value, m.created_at == c.first_inbound_at)
        .order_by(m.id)
        .limit(1)
        .correlate(c)
        .scalar_subquery()
    )


def _conversation_rows(session: Session, scope: Scope, *, first_responders: bool = False) -> list[tuple[Any, ...]]:
    c = Conversation
    opener = opener_intent(c)
    touched = (
        select(func.min(Activity.created_at))
        .where(
            Activity.conversation_id == c.id,
            Activity.actor_id.is_not(None),
            Activity.kind.in_(ATTENTION),
            Activity.created_at >= c.first_inbound_at,
        )
        .correlate(c)
        .scalar_subquery()
    )
    columns = [
        c.id,
        c.channel_id,
        opener,
        scope.epoch(c.first_inbound_at),
        scope.epoch(c.first_response_at),
        scope.epoch(touched),
        scope.epoch(c.resolved_at),
        c.status,
    ]
    if first_responders:
        columns.append(first_responder(c, scope.dialect))
    query = select(*columns).where(c.channel_id.in_(scope.channel_ids), scope.within(c.first_inbound_at))
    return fetch(session, query)


def fetch(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """The rows of a query of plain columns as the driver's tuples (its cursor's fetchall: no Row per row).
    Only for columns the dialect passes through unconverted (numbers, strings, epoch seconds), not
    timestamps, which SQLite returns as text."""
    result = session.connection().execute(query)
    try:
        rows = typing.cast(list[tuple[Any, ...]], result.cursor.fetchall())  # tuples on sqlite3 and psycopg
    finally:
        result.close()
    return rows


class Table:
    """One row per conversation as arrays, and the figures of any subset of it."""

    def __init__(self, rows: list[tuple[Any, ...]], clock: BusinessClock, *, first_responders: bool = False) -> None:
        width = 9 if first_responders else 8
        cols = [list(map(itemgetter(k), rows)) for k in range(width)]  # columns (zip(*rows) costs twice as much)
        self.ids = np.array(cols[0], dtype=np.int64)
        self.channel = np.array(cols[1], dtype=np.int64)
        self.intent = np.array([i or "unknown" for i in cols[2]], dtype=object)
        self.start = np.array(cols[3], dtype=np.float64)
        self.reply = np.array(cols[4], dtype=np.float64)  # None becomes NaN
        touched = np.array(cols[5], dtype=np.float64)
        self.ack = np.fmin(self.reply, touched)  # fmin ignores NaN: whichever came first
        resolved = np.array(cols[7], dtype=object) == ConversationStatus.RESOLVED.value
        self.resolved = np.where(resolved, np.array(cols[6], dtype=np.float64), np.nan)
        self.clock = clock
        # who answered each conversation first (teammates), when read with the table: None when no brand
        # message has the conversation's first response time
        self.first_by: list[Any] | None = list(cols[8]) if first_responders else None
        self._intents: dict[str, Any] | None = None

    def figures(self, mask: Any = None) -> dict[str, Any]:
        select_ = np.ones(self.ids.size, dtype=bool) if mask is None else mask
        start = self.start[select_]
        reply = self.reply[select_]
        answered = ~np.isnan(reply)
        total = int(start.size)
        ack = self.ack[select_]
        acked = ~np.isnan(ack)
        resolved = self.resolved[select_]
        done = ~np.isnan(resolved)
        wall: Floats = (reply[answered] - start[answered]) / 60.0
        business = self.clock.minutes(start[answered], reply[answered])
        return {
            "inbound_conversations": total,
            "answered_conversations": int(answered.sum()),
            "response_rate": round(float(answered.sum()) / total, 4) if total else None,
            "first_response_minutes": percentiles(wall),
            "first_response_business_minutes": percentiles(business),
            "answered_within_60_minutes": int((wall <= 60).sum()),
            "acknowledgement_minutes": percentiles((ack[acked] - start[acked]) / 60.0),
            "acknowledgement_business_minutes": percentiles(self.clock.minutes(start[acked], ack[acked])),
            "resolved_conversations": int(done.sum()),
            "resolution_minutes": percentiles((resolved[done] - start[done]) / 60.0),
            "resolution_business_minutes": percentiles(self.clock.minutes(start[done], resolved[done])),
        }

    def by_intent(self, mask: Any = None) -> dict[str, dict[str, Any]]:
        if self._intents is None:  # each intent's rows once per table (a comparison of every row's string)
            self._intents = {intent: self.intent == intent for intent in INTENTS}
        if mask is None:
            return {intent: self.figures(rows) for intent, rows in self._intents.items()}
        return {intent: self.figures(mask & rows) for intent, rows in self._intents.items()}


def conversation_table(session: Session, scope: Scope, *, first_responders: bool = False) -> Table:
    """The table of the period's conversations; with `first_responders`, also who answered each first (what
    `teammates` needs, read in the same pass instead of a second one over the conversations)."""
    rows = _conversation_rows(session, scope, first_responders=first_responders)
    clock = BusinessClock(hours_of(scope.workspace), scope.since.timestamp(), scope.until.timestamp() + 90 * 86400)
    return Table(rows, clock, first_responders=first_responders)


def responder_table(session: Session, scope: Scope) -> Table:
    """`conversation_table` with who answered each conversation first (the audited period's table)."""
    return conversation_table(session, scope, first_responders=True)


def responsiveness(session: Session, scope: Scope, table: Table | None = None, *, full: bool = True) -> dict[str, Any]:
    """Overall and per-channel figures, each split by intent; praise; with `full`, teammates and the list
    of who is still waiting (the period before the audited one needs neither)."""
    table = table or conversation_table(session, scope)
    return responsiveness_of(
        scope,
        table,
        teammates(session, scope, table) if full else [],
        waiting(session, scope) if full else {"complaints": None, "questions": None, "oldest": []},
        praise(session, scope),
    )


def responsiveness_of(
    scope: Scope, table: Table, teammates: list[dict[str, Any]], waiting: dict[str, Any], praise: dict[str, Any]
) -> dict[str, Any]:
    """The responsiveness section from its parts (the queries of `teammates`, `waiting` and `praise` may
    have run elsewhere, e.g. concurrently: goodwill.analytics.report)."""
    channels = []
    for ch in scope.channels:
        mask = table.channel == ch.id
        channels.append(
            {
                "channel": ch.handle,
                "channel_id": ch.id,
                "network": ch.network,
                "name": ch.name,
                **table.figures(mask),
                "by_intent": table.by_intent(mask),
            }
        )
    return {
        "overall": {**table.figures(), "by_intent": table.by_intent()},
        "channels": channels,
        "teammates": teammates,
        "waiting": waiting,
        "praise": praise,
    }


def _teammate_key(dialect: str) -> Any:
    """Who wrote a brand message: the teammate who sent it from goodwill's outbox, else the connector's record
    (`detail.source.teammate`), else UNATTRIBUTED. On SQLite one json_extract with the whole path (the
    generic form extracts, quotes and extracts again: 0.1 s more over 500,000 replies)."""
    if dialect == "sqlite":
        recorded = func.json_extract(Message.detail, literal("$.source.teammate"), type_=String)
    else:
        recorded = Message.detail["source"]["teammate"].as_string()
    return func.coalesce(Teammate.email, recorded, literal(UNATTRIBUTED))


def _sender_row() -> Any:
    """The join condition from a brand message to the one outbox row that names who wrote it: the row that
    was sent, else the earliest (lowest id). A message may have several rows (a reply queued again, a retried
    send that found the message already posted); joining them all counted the message once per row. The
    NOT EXISTS runs only for a message that has outbox rows (an index look-up on ix_outbox_message_id)."""
    other = aliased(Outbox)
    sent = OutboxStatus.SENT.value
    better = or_(
        and_(other.status == sent, Outbox.status != sent),
        and_(other.id < Outbox.id, or_(other.status == sent, Outbox.status != sent)),
    )
    return and_(
        Outbox.message_id == Message.id,
        ~select(literal(1)).where(other.message_id == Outbox.message_id, better).exists(),
    )


def first_responder(c: Any, dialect: str) -> Any:
    """Who wrote the brand's first response in conversation `c` (the teammate key of the brand message at its
    first response time; the lowest message id when several share that time: the order the join in
    `teammates` meets them on SQLite), or NULL when there is none."""
    return (
        select(_teammate_key(dialect))
        .select_from(Message)
        .outerjoin(Outbox, _sender_row())
        .outerjoin(Teammate, Teammate.id == Outbox.created_by_id)
        .where(
            Message.conversation_id == c.id,
            Message.created_at == c.first_response_at,
            Message.direction == Direction.OUTBOUND.value,
        )
        .order_by(Message.id)
        .limit(1)
        .correlate(c)
        .scalar_subquery()
    )


def teammates(session: Session, scope: Scope, table: Table) -> list[dict[str, Any]]:
    """Replies per teammate (from goodwill's outbox, else the connector's record of who wrote; each reply
    once, by its one sender row: `_sender_row`), and the conversations each one answered first with the
    median first response of those."""
    key = _teammate_key(scope.dialect)
    replies: dict[str, int] = {}
    for who, count in (
        session.connection()
        .execute(
            select(key, func.count())
            .select_from(Message)
            .outerjoin(Outbox, _sender_row())
            .outerjoin(Teammate, Teammate.id == Outbox.created_by_id)
            .where(
                scope.for_rows(Message.channel_id).in_(scope.channel_ids),
                is_engagement_message(),
                scope.within_rows(Message.created_at),
            )
            .group_by(key)
        )
        .tuples()
    ):  # a key recorded as a JSON number comes back as one: every key as text, as in `first_responder`
        replies[str(who)] = replies.get(str(who), 0) + int(count)
    first_by: dict[int, str] = {}
    if table.first_by is not None:  # read with the table (`responder_table`), in its order
        answered_by: list[str | None] = [None if who is None else str(who) for who in table.first_by]
        responders = {who for who in answered_by if who is not None}
    else:
        c = Conversation
        first = (
            select(c.id, key)
            .select_from(c)
            .join(Message, and_(Message.conversation_id == c.id, Message.created_at == c.first_response_at))
            .outerjoin(Outbox, _sender_row())
            .outerjoin(Teammate, Teammate.id == Outbox.created_by_id)
            .where(
                c.channel_id.in_(scope.channel_ids),
                scope.within(c.first_inbound_at),
                Message.direction == Direction.OUTBOUND.value,
            )
        )
        for conversation_id, who in session.connection().execute(first):
            first_by.setdefault(int(conversation_id), str(who))
        responders = set(first_by.values())
        answered_by = [first_by.get(cid) for cid in table.ids.tolist()]
    # each conversation's first responder as a number (None: nobody answered, apart from any teammate key,
    # the empty string included): one pass over the strings, then an integer comparison per teammate instead
    # of a string comparison of every row per teammate
    code_of: dict[str | None, int] = {}
    codes = np.fromiter((code_of.setdefault(who, len(code_of)) for who in answered_by), np.int64, len(answered_by))
    people = sorted(set(replies) | responders)
    result = []
    for who in people:
        figures = table.figures(codes == code_of[who] if who in code_of else np.zeros(codes.size, dtype=bool))
        result.append(
            {
                "teammate": who,
                "replies": int(replies.get(who, 0)),
                "conversations_answered_first": figures["answered_conversations"],
                "first_response_minutes": figures["first_response_minutes"],
                "first_response_business_minutes": figures["first_response_business_minutes"],
            }
        )
    return sorted(result, key=lambda r: -int(r["replies"]))


def waiting(session: Session, scope: Scope, limit: int = 20) -> dict[str, Any]:
    """Open complaints and questions that still need a reply, oldest first, as of the end of the period."""
    c = Conversation
    since = func.coalesce(c.waiting_since, c.last_inbound_at)
    m = aliased(Message)
    newest = (  # the inbox job keeps `intent`; until it has run, the newest inbound message's label
        select(Triage.intent)
        .join(m, m.id == Triage.message_id)
        .where(m.conversation_id == c.id, m.direction == Direction.INBOUND.value)
        .order_by(m.created_at.desc(), m.id.desc())
        .limit(1)
        .correlate(c)
        .scalar_subquery()
    )
    open_ = (
        select(c.id, c.channel_id, c.person_id, func.coalesce(c.intent, newest).label("intent"), since.label("since"))
        .where(
            c.channel_id.in_(scope.channel_ids),
            c.status == ConversationStatus.OPEN.value,
            c.needs_reply.is_(True),
            c.is_hidden.is_(False),
            since < scope.until,
        )
        .subquery()
    )
    where = (open_.c.intent.in_(("complaint", "question")),)
    counts = dict(
        session.connection()
        .execute(select(open_.c.intent, func.count()).where(*where).group_by(open_.c.intent))
        .tuples()
        .all()
    )
    last_text = (
        select(Message.text)
        .where(Message.conversation_id == open_.c.id, Message.direction == Direction.INBOUND.value)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(open_)
        .scalar_subquery()
    )
    rows = session.connection().execute(
        select(open_.c.id, open_.c.channel_id, open_.c.intent, open_.c.since, Person.display_name, last_text)
        .outerjoin(Person, Person.id == open_.c.person_id)
        .where(*where)
        .order_by(open_.c.since, open_.c.id)
        .limit(limit)
    )
    names = {ch.id: ch.handle for ch in scope.channels}
    oldest = [
        {
            "conversation_id": cid,
            "channel": names.get(channel_id, str(channel_id)),
            "intent": intent,
            "waiting_since": at.isoformat() if at else None,
            "waiting_hours": round((scope.until - at).total_seconds() / 3600, 1) if at else None,
            "person": person,
            "text": text,
        }
        for cid, channel_id, intent, at, person, text in rows
    ]
    return {
        "complaints": int(counts.get("complaint", 0)),
        "questions": int(counts.get("question", 0)),
        "oldest": oldest,
    }


def praise(session: Session, scope: Scope, limit: int = 10) -> dict[str, Any]:
    """Praise in the period and whether the brand answered that message (a reply to it, or any later brand
    message in a private conversation)."""
    return praise_periods(session, (scope,), limit)[0]


def praise_periods(session: Session, scopes: Sequence[Scope], limit: int = 10) -> list[dict[str, Any]]:
    """`praise` of several periods of the same workspace and channels (the audited period and the one before
    it) from one read of their praise."""
    scope = scopes[0]
    assert all(s.workspace is scope.workspace and s.channel_ids == scope.channel_ids for s in scopes)
    p = aliased(Message)
    o = aliased(Message)
    thanked = (
        select(o.id)
        .where(
            o.conversation_id == p.conversation_id,
            o.direction == Direction.OUTBOUND.value,
            o.created_at >= p.created_at,
            or_(o.parent_native_id == p.native_id, o.parent_native_id.is_(None)),
        )
        .exists()
    )
    period = case(*((s.within(p.created_at), index) for index, s in enumerate(scopes)))
    # the time only orders the neglected ones (newest first): on SQLite its stored text, which orders the same
    # (fixed-width UTC), not a datetime made per row (0.3 s for 80,000 praise messages)
    at = type_coerce(p.created_at, String) if scope.dialect == "sqlite" else p.created_at
    flags = fetch(  # one pass: each praise message and whether it was answered
        session,
        select(period, p.id, at, thanked.label("thanked"))
        .join(Triage, Triage.message_id == p.id)
        .where(
            scope.for_rows(p.channel_id).in_(scope.channel_ids),
            p.direction == Direction.INBOUND.value,
            Triage.intent == "praise",
            or_(*(s.within(scope.for_rows(p.created_at)) for s in scopes)),
        ),
    )
    by_period: list[list[tuple[int, Any, bool]]] = [[] for _ in scopes]
    for index, mid, at, flag in flags:
        by_period[int(index)].append((mid, at, flag))
    return [_praise(session, s, rows, limit) for s, rows in zip(scopes, by_period, strict=True)]


def _praise(session: Session, scope: Scope, flags: list[tuple[int, Any, bool]], limit: int) -> dict[str, Any]:
    p = aliased(Message)
    total = len(flags)
    done = sum(1 for _mid, _at, flag in flags if flag)
    newest = [mid for _at, mid in sorted(((at, mid) for mid, at, flag in flags if not flag), reverse=True)[:limit]]
    names = {ch.id: ch.handle for ch in scope.channels}
    recent = (
        session.connection()
        .execute(
            select(p.id, p.channel_id, p.created_at, p.text, Person.display_name)
            .outerjoin(Conversation, Conversation.id == p.conversation_id)
            .outerjoin(Person, Person.id == Conversation.person_id)
            .where(p.id.in_(newest))
            .order_by(p.created_at.desc(), p.id.desc())
        )
        .all()
        if newest
        else []
    )
    total, done = int(total or 0), int(done or 0)
    return {
        "praise_messages": total,
        "thanked": done,
        "thanked_rate": round(done / total, 4) if total else None,
        "neglected": total - done,
        "recent_neglected": [
            {"message_id": mid, "channel": names.get(ch, str(ch)), "at": at.isoformat(), "person": who, "text": text}
            for mid, ch, at, text, who in recent
        ],
    }
