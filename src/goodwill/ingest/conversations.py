"""Find or open the conversations of a batch, merge provisional threads, and roll up conversation state.

State kept on the conversation row is what the inbox sorts and filters on: counts, first and last times in
each direction, whether the newest inbound message still waits for a reply, and its priority.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, Table, UniqueConstraint, delete, exists, insert, select, update

from goodwill.domain.enums import ConversationKind, ConversationStatus, Direction
from goodwill.ingest.identities import chunks
from goodwill.store.bulk import (
    insert_many_returning_ids,
    insert_values,
    inserted_ids,
    select_in,
    sqlite_times,
    update_many,
)
from goodwill.store.tables import Activity, Base, Conversation, Message, table_of

_C = table_of(Conversation)
_M = table_of(Message)
_A = table_of(Activity)
_STATE = (
    "id",
    "workspace_id",
    "thread_key",
    "kind",
    "person_id",
    "status",
    "priority",
    "needs_reply",
    "message_count",
    "opened_at",
    "first_inbound_at",
    "last_message_at",
    "last_inbound_at",
    "last_outbound_at",
    "first_response_at",
    "resolved_at",
    "snoozed_until",
    "inbox_pending",  # work for the inbox job (goodwill.jobs.inbox), left in ingest's own transaction
)
_NOT_WRITTEN = ("thread_key", "kind", "workspace_id", "reopened_from")


@dataclass(slots=True)
class Arrival:
    """What the rollup needs to know of one new message."""

    created_at: datetime
    direction: Direction
    person_id: int | None
    needs_reply: bool = False
    priority: int = 0


def load_by_keys(conn: Connection, channel_id: int, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored states of the channel's conversations with these keys (key -> state; absent keys left out).

    Most keys a batch asks for are new conversations (a thread seen for the first time, or a reply checked for
    a provisional thread of its own), so the keys are first probed through the driver (`select_in`: an index
    probe each, no statement building or result processing) and only the ones found are loaded in full."""
    stored = select_in(
        conn, _C, ("thread_key",), where={"channel_id": channel_id}, column="thread_key", values=sorted(set(keys))
    )
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(key for (key,) in stored)):
        for row in conn.execute(
            select(*(_C.c[name] for name in _STATE)).where(_C.c.channel_id == channel_id, _C.c.thread_key.in_(chunk))
        ):
            found[row.thread_key] = dict(row._mapping)
    return found


def load_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = sorted(set(ids))[start : start + 500]
        for row in conn.execute(select(*(_C.c[name] for name in _STATE)).where(_C.c.id.in_(chunk))):
            found[row.id] = dict(row._mapping)
    return found


def new_state(key: str, *, opened_at: datetime) -> dict[str, Any]:
    """The state of a conversation not stored yet; `fold` fills it, `insert_conversations` stores it."""
    state: dict[str, Any] = dict.fromkeys(_STATE)
    kind = ConversationKind.DIRECT if key.startswith("direct:") else ConversationKind.THREAD
    state.update(
        thread_key=key,
        kind=kind.value,
        status=ConversationStatus.OPEN.value,
        priority=0,
        needs_reply=False,
        message_count=0,
        opened_at=opened_at,
        last_message_at=opened_at,
        inbox_pending=True,
    )
    return state


def insert_conversations(
    conn: Connection, *, workspace_id: int, channel_id: int, states: Sequence[dict[str, Any]]
) -> None:
    """Insert conversations in their final state and set each state's `id` (from the rowid range the insert
    filled where the store can tell, else looked up by key: see bulk.py)."""
    if not states:
        return
    given: list[int] | None
    if conn.dialect.name == "sqlite":
        times = sqlite_times()
        insert_values(conn, _C, INSERTED, [_conversation_values(s, workspace_id, channel_id, times) for s in states])
        given = inserted_ids(conn, _C, len(states))
    else:
        given = insert_many_returning_ids(conn, _C, [conversation_row(s, workspace_id, channel_id) for s in states])
    if given is not None:
        for state, conversation_id in zip(states, given, strict=True):
            state["id"] = conversation_id
        return
    ids: dict[str, int] = {}
    for chunk in chunks([state["thread_key"] for state in states]):
        ids.update(
            conn.execute(
                select(_C.c.thread_key, _C.c.id).where(_C.c.channel_id == channel_id, _C.c.thread_key.in_(chunk))
            )
            .tuples()
            .all()
        )
    for state in states:
        state["id"] = ids[state["thread_key"]]


INSERTED = ("workspace_id", "channel_id", *(name for name in _STATE if name not in ("id", "workspace_id")))


def conversation_row(state: dict[str, Any], workspace_id: int, channel_id: int) -> dict[str, Any]:
    """The row a new conversation is inserted as (INSERTED's columns, in order)."""
    row = {"workspace_id": workspace_id, "channel_id": channel_id}
    row.update((name, state[name]) for name in INSERTED[2:])
    return row


def _conversation_values(
    s: dict[str, Any], workspace_id: int, channel_id: int, times: Callable[[datetime], str]
) -> tuple[Any, ...]:
    """`conversation_row` as SQLite stores it, in INSERTED order (tested equal to the bulk writer's form): one
    is made per new conversation, a third of a batch's messages."""
    first_in, last_in, last_out = s["first_inbound_at"], s["last_inbound_at"], s["last_outbound_at"]
    responded, resolved, snoozed = s["first_response_at"], s["resolved_at"], s["snoozed_until"]
    return (
        workspace_id,
        channel_id,
        s["thread_key"],
        s["kind"],
        s["person_id"],
        s["status"],
        s["priority"],
        1 if s["needs_reply"] else 0,  # booleans as 0/1: see store.bulk.without_null_columns
        s["message_count"],
        times(s["opened_at"]),
        None if first_in is None else times(first_in),
        times(s["last_message_at"]),
        None if last_in is None else times(last_in),
        None if last_out is None else times(last_out),
        None if responded is None else times(responded),
        None if resolved is None else times(resolved),
        None if snoozed is None else times(snoozed),
        1 if s["inbox_pending"] else 0,
    )


def write_states(conn: Connection, states: Sequence[dict[str, Any]]) -> None:
    """Write back the state of stored conversations (one statement)."""
    update_many(conn, _C, [{k: v for k, v in state.items() if k not in _NOT_WRITTEN} for state in states])
    _record_reopened(conn, [state for state in states if state.get("reopened_from")])


def _record_reopened(conn: Connection, states: Sequence[dict[str, Any]]) -> None:
    """A "reopened" activity row in the timeline of each conversation a new inbound message reopened."""
    if not states:
        return
    now = datetime.now(UTC)
    rows = [
        {
            "workspace_id": state["workspace_id"],
            "conversation_id": state["id"],
            "kind": "reopened",
            "actor_id": None,
            "actor_label": "system:ingest",
            "text": None,
            "data": {"from": state.pop("reopened_from"), "by": "new inbound message"},
            "created_at": now,
        }
        for state in states
    ]
    conn.execute(insert(_A), rows)


@cache
def _dependents() -> tuple[tuple[Table, Column[Any], tuple[Column[Any], ...] | None], ...]:
    """Every column that references a conversation: (table, column, the other columns of the primary key or
    unique constraint the column is part of, or None when it is part of none), so that moving a row cannot
    collide with one of the target's."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column is not _C.c.id:
                continue
            column = fk.parent
            keys = [table.primary_key.columns] + [
                c.columns for c in table.constraints if isinstance(c, UniqueConstraint)
            ]
            keyed = [key for key in keys if column in list(key)]
            others = tuple(dict.fromkeys(o for key in keyed for o in key if o is not column)) if keyed else None
            found.append((table, column, others))
    return tuple(found)


def move_dependents(conn: Connection, source_id: int, target_id: int) -> None:
    """Re-point every row that references conversation `source_id` (messages, activity, tags, locks, queued
    replies, approvals, nudges, ...) to `target_id`. A row whose key would collide with one of the target's
    (the same tag twice, a second lock) is dropped: the target already has it."""
    for table, column, others in _dependents():
        if others is not None:
            twin = table.alias("twin")
            clash = exists().where(
                twin.c[column.name] == target_id, *(twin.c[o.name] == table.c[o.name] for o in others)
            )
            conn.execute(update(table).where(column == source_id, ~clash).values({column.name: target_id}))
            conn.execute(delete(table).where(column == source_id))
        else:
            conn.execute(update(table).where(column == source_id).values({column.name: target_id}))


def merge_into(conn: Connection, source: dict[str, Any], target: dict[str, Any]) -> None:
    """Move every message and other dependent row of `source` into `target` and delete `source`; `target`'s
    state absorbs it. Nothing is left for a cascade to delete (ingest writes with SQLite's foreign key checks
    off: goodwill.store.db.trust_foreign_keys)."""
    move_dependents(conn, source["id"], target["id"])
    conn.execute(delete(_C).where(_C.c.id == source["id"]))
    target["message_count"] += source["message_count"]
    target["person_id"] = target["person_id"] or source["person_id"]
    for name, pick in (
        ("opened_at", min),
        ("first_inbound_at", min),
        ("first_response_at", min),
        ("last_message_at", max),
        ("last_inbound_at", max),
        ("last_outbound_at", max),
    ):
        values = [v for v in (target[name], source[name]) if v is not None]
        target[name] = pick(values) if values else None
    if source["needs_reply"] and not _answered_after(target, source["last_inbound_at"]):
        target["needs_reply"] = True
        target["priority"] = max(target["priority"], source["priority"])


def _answered_after(state: dict[str, Any], moment: datetime | None) -> bool:
    return moment is not None and state["last_outbound_at"] is not None and state["last_outbound_at"] >= moment


def _pick(how: Any, current: datetime | None, new: datetime) -> datetime:
    return new if current is None else how(current, new)


def fold(state: dict[str, Any], new: list[Arrival]) -> bool:
    """Fold new messages into one conversation's state (in memory). True when this reopens it."""
    new.sort(key=lambda a: a.created_at)
    inbound = [a for a in new if a.direction is Direction.INBOUND]
    outbound = [a for a in new if a.direction is Direction.OUTBOUND]
    existed = state["message_count"] > 0
    prev_last_inbound = state["last_inbound_at"]
    state["message_count"] += len(new)
    state["opened_at"] = min(state["opened_at"], new[0].created_at)
    state["last_message_at"] = max(state["last_message_at"], new[-1].created_at)
    if state["person_id"] is None:
        state["person_id"] = next((a.person_id for a in inbound if a.person_id), None)
    if inbound:
        state["first_inbound_at"] = _pick(min, state["first_inbound_at"], inbound[0].created_at)
        state["last_inbound_at"] = _pick(max, state["last_inbound_at"], inbound[-1].created_at)
    if outbound:
        state["last_outbound_at"] = _pick(max, state["last_outbound_at"], outbound[-1].created_at)
    if state["first_inbound_at"] is not None:
        replies = [a.created_at for a in outbound if a.created_at >= state["first_inbound_at"]]
        if replies:
            state["first_response_at"] = _pick(min, state["first_response_at"], replies[0])
    prev_pending = state["needs_reply"] and not _answered_after(state, prev_last_inbound)
    waiting = [a.priority for a in inbound if a.needs_reply and not _answered_after(state, a.created_at)]
    if waiting or prev_pending:
        state["needs_reply"] = True
        state["priority"] = max(waiting + ([state["priority"]] if prev_pending else []))
    else:
        state["needs_reply"] = False
        state["priority"] = 0
    state["inbox_pending"] = True
    if inbound and existed and state["status"] != ConversationStatus.OPEN.value:
        state["reopened_from"] = state["status"]
        state["snoozed_until"] = None
        state["status"] = ConversationStatus.OPEN.value
        state["resolved_at"] = None
        return True
    return False
