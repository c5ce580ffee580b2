"""The figures a relationship state is computed from, read from messages in one pass per person.

`load_rows` reads each person's messages (inbound: authored by one of their Identities; outbound: the brand's
messages in their conversations) in (person, conversation, time) order with two plain queries, one per
direction, that use the identity and conversation indexes when a few people are asked for (everyone's: one
pass over the workspace's messages). `figures_of` folds one person's rows into `Figures`. The same code serves
the full recompute and the update after each new message, so both give the same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from itertools import chain, groupby
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from goodwill.relationships import sql

DAY = 86400.0
RECENT_DAYS = 30  # "recent" for complaints and sentiment
# Recommendation language: the person sends others our way ("trust me", "get the", "my go-to gift").
RECOMMENDS = re.compile(
    r"\b(recommend\w*|trust me|you (?:have|need) to try|go[- ]to|must[- ]try|check (?:them|it) out|get the|"
    r"converted|gift(?:ed)?|everyone (?:asking|loves)|tell(?:ing)? (?:all )?(?:my|your) friends|go to)\b",
    re.IGNORECASE,
)
SENTIMENT = {"positive": 1.0, "negative": -1.0}


class Row(NamedTuple):
    """One message of a person, as the rows query returns it (built with `Row._make`, no Python per field)."""

    person_id: int
    conversation_id: int
    inbound: int  # 1: inbound (by the person), 0: outbound (the brand's)
    at: float  # seconds since 1970, UTC
    kind: str
    intent: str | None
    sentiment: str | None
    text: str | None  # only for positive inbound messages (where recommendations are looked for)
    resolved: int  # 1: the conversation's status is resolved
    id: int  # the message's id (the order of messages at the same time)


@dataclass(slots=True)
class Figures:
    """One person's history with the brand, summarised. Times are seconds since 1970 (UTC)."""

    person_id: int
    inbound: int = 0
    outbound: int = 0
    first_at: float | None = None
    last_inbound_at: float | None = None
    last_outbound_at: float | None = None
    conversations: int = 0  # conversations they wrote in
    praise: int = 0  # inbound praise or positive messages
    unprompted_praise: int = 0  # ... not written as a reply in a thread
    recommendations: int = 0  # praise that recommends us, and positive quote posts (shares)
    complaints: int = 0
    negatives: int = 0
    recent_inbound: int = 0
    recent_complaints: int = 0
    unresolved: list[float] = field(default_factory=list)  # newest complaint time, per unresolved conversation
    resolved_complaints: list[tuple[int, float]] = field(default_factory=list)  # (conversation, answer time)
    their_turns: int = 0
    we_answered: int = 0
    our_turns: int = 0
    they_answered: int = 0
    mood_recent: float = 0.0  # sum of their messages' sentiment (+1, 0, -1) in the last 30 days
    said_recent: int = 0  # ... over this many messages
    mood_before: float = 0.0  # the same before the last 30 days
    said_before: int = 0

    @property
    def sentiment_recent(self) -> float | None:
        return self.mood_recent / self.said_recent if self.said_recent else None

    @property
    def sentiment_before(self) -> float | None:
        return self.mood_before / self.said_before if self.said_before else None

    @property
    def sentiment(self) -> float | None:
        said = self.said_recent + self.said_before
        return (self.mood_recent + self.mood_before) / said if said else None


EPOCH = {  # seconds since 1970 of a stored UTC timestamp
    "sqlite": "(julianday({c}) - 2440587.5) * 86400.0",
    "postgresql": "CAST(extract(epoch FROM {c}) AS DOUBLE PRECISION)",
}
_SELECT = """SELECT {person} AS person_id, m.conversation_id,
  CASE WHEN m.direction = 'in' THEN 1 ELSE 0 END AS inbound, {at} AS at, m.kind, t.intent, t.sentiment,
  CASE WHEN t.sentiment = 'positive' AND m.direction = 'in' THEN m.text END AS text,
  CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END AS resolved, m.id AS id"""
_INBOUND = """ FROM identity i JOIN message m ON m.identity_id = i.id JOIN conversation c ON c.id = m.conversation_id
  LEFT JOIN triage t ON t.message_id = m.id
  WHERE i.workspace_id = :ws AND m.direction = 'in' AND i.person_id IS NOT NULL"""
_OUTBOUND = """ FROM conversation c JOIN message m ON m.conversation_id = c.id LEFT JOIN triage t ON t.message_id = m.id
  WHERE c.workspace_id = :ws AND m.direction = 'out' AND c.person_id IS NOT NULL"""


# everyone's rows: one pass over the workspace's messages in table order, each joined to its conversation, author
# and label by primary key (cheaper than walking the people's index entries to the messages: 2.7 s instead of
# 4.6 s for 860,000 rows on SQLite); the same rows as the two queries above (the inbound part's identity and
# the outbound part's conversation are in the workspace and have a person)
_EVERYONE = """SELECT CASE WHEN m.direction = 'in' THEN i.person_id ELSE c.person_id END AS person_id,
  m.conversation_id, CASE WHEN m.direction = 'in' THEN 1 ELSE 0 END AS inbound, {at} AS at, m.kind, t.intent,
  t.sentiment,
  CASE WHEN t.sentiment = 'positive' AND m.direction = 'in' THEN m.text END AS text,
  CASE WHEN c.status = 'resolved' THEN 1 ELSE 0 END AS resolved, m.id AS id
  FROM message m {join} conversation c ON c.id = m.conversation_id LEFT JOIN identity i ON i.id = m.identity_id
  LEFT JOIN triage t ON t.message_id = m.id
  WHERE m.workspace_id = :ws AND ((m.direction = 'in' AND i.workspace_id = :ws AND i.person_id IS NOT NULL)
    OR (m.direction = 'out' AND c.workspace_id = :ws AND c.person_id IS NOT NULL))"""


@cache
def _rows_sql(dialect: str, some: bool, until: bool) -> str:
    """The rows query for the people (`some`) or everyone, up to a moment (`until`) or not."""
    at = EPOCH.get(dialect, EPOCH["postgresql"]).format(c="m.created_at")
    order = " ORDER BY person_id, conversation_id, at, id"
    if not some:  # CROSS JOIN: SQLite's way of keeping the message table the outer loop
        query = _EVERYONE.format(at=at, join="CROSS JOIN" if dialect == "sqlite" else "JOIN")
        return query + (f" AND {at} <= :until" if until else "") + order
    parts = []
    for person, body in (("i.person_id", _INBOUND), ("c.person_id", _OUTBOUND)):
        query = _SELECT.format(person=person, at=at) + body + f" AND {person} IN :ids"
        if until:
            query += f" AND {at} <= :until"
        parts.append(query)
    return f"{parts[0]} UNION ALL {parts[1]}{order}"


def load_rows(
    session: Session, workspace_id: int, person_ids: Sequence[int] | None = None, *, until: datetime | None = None
) -> Iterator[Row]:
    """Every message of the people (all of the workspace's when `person_ids` is None), up to `until`, ordered
    by person, conversation and time. The brand's own posts belong to nobody and are not read."""
    if person_ids is not None and not person_ids:
        return iter(())
    query = _rows_sql(session.get_bind().dialect.name, person_ids is not None, until is not None)
    params: dict[str, Any] = {"ws": workspace_id}
    if person_ids is not None:
        params["ids"] = list(person_ids)
    if until is not None:
        params["until"] = until.timestamp()
    # the columns are Row's fields, in order: each row becomes a Row without a Python call (tuple.__new__, as
    # Row._make does), a batch at a time
    make = partial(tuple.__new__, Row)
    return chain.from_iterable(map(make, batch) for batch in sql.batches(session, query, params))


def by_person(rows: Iterable[Row]) -> Iterator[tuple[int, list[Row]]]:
    """Consecutive rows grouped by person (rows come ordered by person)."""
    for person_id, group in groupby(rows, itemgetter(0)):  # 0: Row.person_id
        yield person_id, list(group)


def figures_of(person_id: int, rows: Sequence[Row], now: float) -> Figures:
    """Fold one person's rows (ordered by conversation, then time) into Figures, as seen at `now`: rows
    after `now` are left out, so one read of the rows serves several moments. (The counts run in local
    variables and are stored once at the end: this runs once per message of everyone in a full recompute.)"""
    f = Figures(person_id)
    if rows and max(row.at for row in rows) > now:
        rows = [row for row in rows if row.at <= now]
    recent_from = now - RECENT_DAYS * DAY
    inbound = outbound = conversations = praise = unprompted = recommendations = complaints = negatives = 0
    recent_inbound = recent_complaints = their_turns = they_answered = our_turns = we_answered = said_before = 0
    mood_recent = mood_before = 0.0
    first_at: float | None = None
    last_inbound_at: float | None = None
    last_outbound_at: float | None = None
    previous: Row | None = None
    complaint_at: float | None = None  # the conversation's newest complaint still waiting for a better word
    answered_at: float | None = None
    for row in rows:
        at = row.at
        new_conversation = previous is None or previous.conversation_id != row.conversation_id
        if new_conversation:
            if previous is not None:
                _close(f, previous, complaint_at, answered_at)
            complaint_at = answered_at = None
        if first_at is None or at < first_at:
            first_at = at
        turn = new_conversation or previous is None or previous.inbound != row.inbound
        if row.inbound:
            inbound += 1
            if last_inbound_at is None or at > last_inbound_at:
                last_inbound_at = at
            intent, sentiment = row.intent, row.sentiment
            recent = at >= recent_from
            if new_conversation:
                conversations += 1
            if turn:
                their_turns += 1
                if not new_conversation:
                    they_answered += 1
            score = SENTIMENT.get(sentiment or "", 0.0)
            if recent:
                recent_inbound += 1
                mood_recent += score
            else:
                mood_before += score
                said_before += 1
            if intent == "complaint":
                complaints += 1
                recent_complaints += recent
            if sentiment == "negative":
                negatives += 1
            if intent == "praise" or sentiment == "positive":
                praise += 1
                unprompted += row.kind != "reply"
                if row.kind == "quote" or (row.text and RECOMMENDS.search(row.text)):
                    recommendations += 1
            if intent == "complaint":
                complaint_at, answered_at = at, None
            elif complaint_at is not None and answered_at is not None and sentiment != "negative":
                f.resolved_complaints.append((row.conversation_id, answered_at))  # answered, and they are calm
                complaint_at = answered_at = None
        else:
            outbound += 1
            if last_outbound_at is None or at > last_outbound_at:
                last_outbound_at = at
            if turn:
                our_turns += 1
                if not new_conversation:
                    we_answered += 1
            if complaint_at is not None and answered_at is None:
                answered_at = at
        previous = row
    if previous is not None:
        _close(f, previous, complaint_at, answered_at)
    f.inbound, f.outbound, f.conversations = inbound, outbound, conversations
    f.first_at, f.last_inbound_at, f.last_outbound_at = first_at, last_inbound_at, last_outbound_at
    f.praise, f.unprompted_praise, f.recommendations = praise, unprompted, recommendations
    f.complaints, f.negatives, f.recent_complaints = complaints, negatives, recent_complaints
    f.recent_inbound, f.said_recent, f.mood_recent = recent_inbound, recent_inbound, mood_recent
    f.said_before, f.mood_before = said_before, mood_before
    f.their_turns, f.they_answered, f.our_turns, f.we_answered = their_turns, they_answered, our_turns, we_answered
    return f


def _close(f: Figures, last: Row, complaint_at: float | None, answered_at: float | None) -> None:
    """The end of one conversation's rows. Its newest complaint is resolved when the conversation is resolved
    or the brand answered it (and it was not followed by another complaint); otherwise it is unresolved."""
    if complaint_at is None:
        return
    if last.resolved or answered_at is not None:
        f.resolved_complaints.append((last.conversation_id, answered_at if answered_at is not None else last.at))
    else:
        f.unresolved.append(complaint_at)
