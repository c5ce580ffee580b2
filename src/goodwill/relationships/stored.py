"""Stored relationship figures, and when they give exactly the state the fold would give as of a moment.

The recompute (goodwill.relationships.state) stores, beside each state, the figures it classified
(`RelationshipDetail.figures`, the list `dump` makes) and the person's change counter as it read it before
their messages (`RelationshipDetail.inputs_seen`; `PersonInputs.changes`, kept by database triggers in the
writing transaction, migration 0012_relationship_inputs). `figures_at(stored, E)` gives the Figures the fold
(`figures_of(rows, E)`) would give as of a moment E, or None when the stored figures cannot tell:

- the rows the fold reads are the same as at the recompute when nothing they are made of has changed since:
  the person's change counter has not moved (`inputs_seen == changes`: every edit, move or deletion of a
  message, every label stored, corrected or deleted, every conversation resolved, reopened or given to
  another person, every identity moved is counted by a trigger; on PostgreSQL every message stored too), no
  message of theirs has an id above the newest the recompute saw (on SQLite, where a trigger on message
  inserts would cost ingest a quarter more, new messages are found this way: one writer at a time, so ids
  grow in commit order) and no message of the workspace was deleted since (SQLite can give a deleted id
  again). The counters and the newest id are read before the messages, so a change the recompute did not
  see always shows;
- the recompute at C folded the rows up to C; the fold as of E reads the rows up to E. They are the same rows
  when no row lies between the two: the stored figures keep the newest row up to C (`last_*_at`) and the
  oldest row after C (`next_at`, a message dated in the future of the recompute), and E must lie in
  [newest, oldest after C);
- what depends on E itself: the counts of the last 30 days (recent inbound messages, complaints, mood) are
  counted again from the inbound messages of the 31 days before the newest inbound one (`tail`: no later E
  can reach back further, since E is not before it), the mood before them is the whole mood less theirs
  (sums of +1, 0 and -1: exact in floating point in any order); classify(figures, E) does the rest (health
  decay, at risk, going cold) with E as before.

A person whose stored figures cannot tell (no figures, counter moved, a row between C and E) is folded from
their messages as before: `goodwill.analytics.relationships.advocacy` does so. Without the triggers (a
database not migrated by goodwill, or triggers disabled) `counting` says so and nothing stored is trusted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import orjson
from sqlalchemy.orm import Session

from goodwill.memory import collector_paused
from goodwill.relationships import sql
from goodwill.relationships.figures import DAY, RECENT_DAYS, SENTIMENT, Figures, Row

FORMAT = 1  # the layout of `dump`'s list; a stored list of another layout is not trusted
LENGTH = 23
TAIL_DAYS = RECENT_DAYS + 1
TRIGGERS = (
    "relationship_inputs_message_up",
    "relationship_inputs_message_del",
    "relationship_inputs_triage_up",
    "relationship_inputs_triage_del",
    "relationship_inputs_conversation_up",
    "relationship_inputs_identity_up",
)
# On SQLite new messages, and the labels ingest stores with them, are found by id instead (see the migration)
POSTGRESQL_TRIGGERS = (
    *TRIGGERS,
    "relationship_inputs_message_in",
    "relationship_inputs_message_out",
    "relationship_inputs_triage_in",
)
T = TypeVar("T")
_TRIGGERS_SQL = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN :names",
    "postgresql": "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname IN :names AND NOT tgisinternal "
    "AND tgenabled <> 'D'",
}
_COUNTERS = "SELECT person_id, changes FROM person_inputs WHERE workspace_id = :ws"
_STORED = """SELECT d.person_id, CAST(d.figures AS TEXT), d.inputs_seen, COALESCE(p.changes, 0)
  FROM relationship_detail d LEFT JOIN person_inputs p ON p.person_id = d.person_id WHERE d.workspace_id = :ws"""
_NEWEST = "SELECT max(id) FROM message"
_DELETIONS = "SELECT deletions FROM workspace_inputs WHERE workspace_id = :ws"
_SINCE = """SELECT m.id, i.person_id, c.person_id FROM message m LEFT JOIN identity i ON i.id = m.identity_id
  LEFT JOIN conversation c ON c.id = m.conversation_id WHERE m.id > :id"""
_PEOPLE = (
    "SELECT id FROM person WHERE workspace_id = :ws UNION SELECT person_id FROM person_inputs WHERE workspace_id = :ws"
)


def counting(session: Session) -> bool:
    """Whether the database keeps the change counters (every trigger there, and enabled on PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    query = _TRIGGERS_SQL.get(dialect)
    if query is None:
        return False
    names = POSTGRESQL_TRIGGERS if dialect == "postgresql" else TRIGGERS
    found = next(iter(sql.rows(session, query, {"names": list(names)})))[0]
    return int(found) == len(names)


def watermark(session: Session, workspace_id: int) -> tuple[int, int]:
    """(the newest message id, the workspace's message deletions), read before the messages are."""
    newest = next(iter(sql.rows(session, _NEWEST, {})))[0]
    deleted = list(sql.rows(session, _DELETIONS, {"ws": workspace_id}))
    return int(newest or 0), int(deleted[0][0]) if deleted else 0


def counters(session: Session, workspace_id: int, person_ids: Sequence[int] | None = None) -> dict[int, int]:
    """The change counters of the people (all of the workspace's when None); no row reads as 0."""
    if person_ids is None:
        return {int(p): int(n) for p, n in sql.rows(session, _COUNTERS, {"ws": workspace_id})}
    out: dict[int, int] = {}
    for start in range(0, len(person_ids), 500):
        chunk = list(person_ids[start : start + 500])
        query = _COUNTERS + " AND person_id IN :ids"
        out.update((int(p), int(n)) for p, n in sql.rows(session, query, {"ws": workspace_id, "ids": chunk}))
    return out


def dump(f: Figures, rows: Sequence[Row], now: float, seen: tuple[int, int]) -> list[Any]:
    """What `figures_at` needs, from the Figures as of `now` and the person's rows (all of them, also after
    `now`: the oldest of those bounds the moments the figures hold for), and the `watermark` read before."""
    later = [row.at for row in rows if row.at > now]
    tail: list[list[float | int]] = []
    if f.last_inbound_at is not None:
        oldest = f.last_inbound_at - TAIL_DAYS * DAY
        for row in rows:
            if row.inbound and oldest <= row.at <= now:
                tail.append([row.at, SENTIMENT.get(row.sentiment or "", 0.0), int(row.intent == "complaint")])
    return [
        FORMAT,
        f.inbound,
        f.outbound,
        f.first_at,
        f.last_inbound_at,
        f.last_outbound_at,
        f.conversations,
        f.praise,
        f.unprompted_praise,
        f.recommendations,
        f.complaints,
        f.negatives,
        f.their_turns,
        f.we_answered,
        f.our_turns,
        f.they_answered,
        f.unresolved,
        [list(pair) for pair in f.resolved_complaints],
        f.mood_recent + f.mood_before,
        tail,
        min(later) if later else None,
        *seen,
    ]


def figures_at(person_id: int, stored: list[Any], now: float) -> Figures | None:
    """The Figures the fold would give as of `now` from `dump`'s list, or None when they cannot be told from
    it (a row of the person between the recompute and `now`). The caller has checked the change counter."""
    if not stored or stored[0] != FORMAT or len(stored) != LENGTH:
        return None
    (
        _,
        inbound,
        outbound,
        first_at,
        last_inbound_at,
        last_outbound_at,
        conversations,
        praise,
        unprompted,
        recommendations,
        complaints,
        negatives,
        their_turns,
        we_answered,
        our_turns,
        they_answered,
        unresolved,
        resolved_complaints,
        mood,
        tail,
        next_at,
        _,
        _,
    ) = stored
    if next_at is not None and next_at <= now:
        return None
    if (last_inbound_at is not None and last_inbound_at > now) or (
        last_outbound_at is not None and last_outbound_at > now
    ):
        return None
    recent_from = now - RECENT_DAYS * DAY
    recent = recent_complaints = 0
    mood_recent = 0.0
    for at, score, complaint in tail:
        if at >= recent_from:
            recent += 1
            mood_recent += score
            recent_complaints += complaint
    f = Figures(person_id)
    f.inbound, f.outbound, f.conversations = inbound, outbound, conversations
    f.first_at, f.last_inbound_at, f.last_outbound_at = first_at, last_inbound_at, last_outbound_at
    f.praise, f.unprompted_praise, f.recommendations = praise, unprompted, recommendations
    f.complaints, f.negatives, f.recent_complaints = complaints, negatives, recent_complaints
    f.recent_inbound = f.said_recent = recent
    f.mood_recent, f.mood_before, f.said_before = mood_recent, mood - mood_recent, inbound - recent
    f.their_turns, f.they_answered, f.our_turns, f.we_answered = their_turns, they_answered, our_turns, we_answered
    f.unresolved = list(unresolved)
    f.resolved_complaints = [(int(c), at) for c, at in resolved_complaints]
    return f


def stored_figures(session: Session, workspace_id: int) -> tuple[dict[int, list[Any]], set[int]]:
    """The workspace's stored figures still current, by person, and every other person who may have messages
    (to be folded from them). Current: the person's change counter has not moved since the recompute (read in
    the same statement as the figures, so both are of one moment), no message was deleted in the workspace
    since, and no message of theirs has a newer id than the newest the recompute saw. Nothing is trusted
    without the triggers."""
    people = everyone(session, workspace_id)
    if not counting(session):
        return {}, people
    current: dict[int, list[Any]] = {}
    for batch in current_batches(session, workspace_id, list):
        current.update(batch)
    for person_id in written_since(session, {p: stored[-2] for p, stored in current.items()}):
        del current[person_id]
    people.update(current)
    return current, people - current.keys()


def everyone(session: Session, workspace_id: int) -> set[int]:
    """Every person of the workspace who may have messages (and the ids of people merged away)."""
    return {int(p) for (p,) in sql.rows(session, _PEOPLE, {"ws": workspace_id})}


def current_batches(
    session: Session, workspace_id: int, keep: Callable[[list[tuple[int, list[Any]]]], T]
) -> Iterator[T]:
    """`keep` of each batch of (person, stored figures) whose person's counter has not moved and that saw
    every deletion (`written_since` then drops the people with a newer message). The caller has checked
    `counting`.

    Each batch's JSON is decoded in one call, and the decoded lists live only while `keep` runs, with the
    garbage collector paused: they are about ten lists per person and hold no reference cycles, and without
    the pause their allocations set off full collections of the whole process (0.5 s of the audit's
    advocacy for 50,000 people, against 0.05 s for the decoding itself)."""
    _, deletions = watermark(session, workspace_id)
    loads = orjson.loads  # exact for floats, as the store's own JSON columns
    for rows in sql.batches(session, _STORED, {"ws": workspace_id}):
        wanted = [(p, figures) for p, figures, seen, changes in rows if figures is not None and seen == changes]
        if not wanted:
            continue
        with collector_paused():
            if all(isinstance(figures, str) for _, figures in wanted):
                decoded = loads("[" + ",".join(figures for _, figures in wanted) + "]")
            else:  # a driver that gives the JSON decoded
                decoded = [loads(f) if isinstance(f, str | bytes) else f for _, f in wanted]
            pairs = [
                (p, stored)
                for (p, _), stored in zip(wanted, decoded, strict=True)
                if len(stored) == LENGTH and stored[-1] == deletions
            ]
            del decoded
            kept = keep(pairs)
            del pairs
        yield kept


def written_since(session: Session, newest_seen: dict[int, int]) -> set[int]:
    """The people (of `newest_seen`: person -> the newest message id their recompute saw) with a message
    stored since: an id above the one they saw (SQLite's new messages have no trigger)."""
    newer: set[int] = set()
    if not newest_seen:
        return newer
    for batch in sql.batches(session, _SINCE, {"id": min(newest_seen.values())}):
        for message_id, author, partner in batch:
            for p in (author, partner):
                if p is not None and p in newest_seen and message_id > newest_seen[p]:
                    newer.add(p)
    return newer
