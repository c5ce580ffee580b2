"""The rows ingest writes for a batch's messages and labels, in the store's columns.

On SQLite a message row is built straight into its stored form (`_message_values`: timestamps as SQLite's
text, JSON as text, booleans as 0/1), which costs about half of what a dict through the bulk writer's
per-column conversion does; elsewhere rows are dicts for SQLAlchemy. tests/test_ingest_rows.py checks the two
forms agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from goodwill.domain.enums import Direction, Intent, Kind, Network, Sentiment, Visibility
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.store.bulk import (
    insert_many,
    insert_many_returning_ids,
    insert_values,
    inserted_ids,
    select_in,
    sqlite_json,
    sqlite_times,
)
from goodwill.store.tables import Message, Triage, table_of

if TYPE_CHECKING:
    from goodwill.ingest.pipeline import ChannelRef

_M = table_of(Message)
_T = table_of(Triage)
# Enum member -> its value: a dict lookup, where `.value` is a slow descriptor call on Python 3.11.
_VALUE: dict[Enum, str] = {
    member: member.value for kind in (Network, Direction, Kind, Visibility, Intent, Sentiment) for member in kind
}


def _message_ids(conn: Connection, channel_id: int, new: list[NormalisedMessage]) -> list[int]:
    """The ids the store gave the new messages, in order (looked up by native id: see store/bulk.py)."""
    wanted = [m.native.id for m in new]
    rows = select_in(conn, _M, ("native_id", "id"), where={"channel_id": channel_id}, column="native_id", values=wanted)
    ids_by_native = dict(rows)
    return [ids_by_native[native_id] for native_id in wanted]


def insert_messages(
    conn: Connection,
    channel: ChannelRef,
    new: list[NormalisedMessage],
    conversation_ids: list[int],
    authors: list[tuple[int, int | None]],
    now: datetime,
) -> list[int]:
    """Insert the batch's message rows; their ids in order. On SQLite each row is built straight into its stored
    form (`_message_values`), which costs half what a dict through the bulk writer's conversion does."""
    if conn.dialect.name != "sqlite":
        rows = [_message_row(m, channel, conversation_ids[i], authors[i][0], now) for i, m in enumerate(new)]
        return insert_many_returning_ids(conn, _M, rows) or _message_ids(conn, channel.id, new)
    times = sqlite_times()
    received = times(now)
    values = [
        _message_values(m, channel, conversation_ids[i], authors[i][0], received, times) for i, m in enumerate(new)
    ]
    insert_values(conn, _M, MESSAGE_COLUMNS, values)
    return inserted_ids(conn, _M, len(values)) or _message_ids(conn, channel.id, new)


MESSAGE_COLUMNS = (  # `_message_row`'s keys in order: the columns `_message_values` fills
    "workspace_id",
    "channel_id",
    "conversation_id",
    "identity_id",
    "network",
    "native_id",
    "parent_native_id",
    "root_native_id",
    "private_conversation_id",
    "direction",
    "kind",
    "visibility",
    "text",
    "text_raw",
    "language",
    "created_at",
    "received_at",
    "edited_at",
    "is_deleted",
    "is_hidden",
    "metrics",
    "detail",
    "raw",
    "raw_envelope",
)


def _message_values(
    m: NormalisedMessage,
    channel: ChannelRef,
    conversation_id: int,
    identity_id: int,
    received: str,
    times: Callable[[datetime], str],
) -> tuple[Any, ...]:
    """`_message_row` as SQLite stores it, in MESSAGE_COLUMNS order (tested equal to the bulk writer's form)."""
    thread = m.thread
    parent, root = thread.parent, thread.root
    return (
        channel.workspace_id,
        channel.id,
        conversation_id,
        identity_id,
        _VALUE[m.network],
        m.native.id,
        parent.id if parent else None,
        root.id if root else None,
        thread.conversation_id,
        _VALUE[m.direction],
        _VALUE[m.kind],
        _VALUE[m.visibility],
        m.text,
        m.text_raw,
        m.language,
        times(m.created_at),
        received,
        None if m.edited_at is None else times(m.edited_at),
        1 if m.is_deleted else 0,  # booleans as 0/1: see store.bulk.without_null_columns
        None if m.is_hidden is None else 1 if m.is_hidden else 0,
        sqlite_json(m.metrics),
        sqlite_json(m.detail()),
        sqlite_json(m.raw),
        sqlite_json(m.raw_envelope),
    )


def _message_row(
    m: NormalisedMessage, channel: ChannelRef, conversation_id: int, identity_id: int, now: datetime
) -> dict[str, Any]:
    return {
        "workspace_id": channel.workspace_id,
        "channel_id": channel.id,
        "conversation_id": conversation_id,
        "identity_id": identity_id,
        "network": _VALUE[m.network],
        "native_id": m.native.id,
        "parent_native_id": m.thread.parent.id if m.thread.parent else None,
        "root_native_id": m.thread.root.id if m.thread.root else None,
        "private_conversation_id": m.thread.conversation_id,
        "direction": _VALUE[m.direction],
        "kind": _VALUE[m.kind],
        "visibility": _VALUE[m.visibility],
        "text": m.text,
        "text_raw": m.text_raw,
        "language": m.language,
        "created_at": m.created_at,
        "received_at": now,
        "edited_at": m.edited_at,
        "is_deleted": m.is_deleted,
        "is_hidden": m.is_hidden,
        "metrics": m.metrics,
        "detail": m.detail(),
        "raw": m.raw,
        "raw_envelope": m.raw_envelope,
    }


def triage_row(message_id: int, label: TriageResult) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "complaint": label.complaint,
        "complaint_probability": label.complaint_probability,
        "intent": _VALUE[label.intent],
        "intent_score": label.intent_score,
        "sentiment": _VALUE[label.sentiment],
        "sentiment_score": label.sentiment_score,
        "severity": label.severity,
        "needs_reply": label.needs_reply,
        "needs_reply_reason": label.needs_reply_reason,
        "priority": label.priority,
        "language": label.language,
        "low_confidence": label.low_confidence,
        "evidence": label.evidence,
        "model_version": label.model_version,
        "corrected_by_id": None,
    }


TRIAGE_COLUMNS = (  # `triage_row`'s keys in order: the columns `_triage_values` fills
    "message_id",
    "complaint",
    "complaint_probability",
    "intent",
    "intent_score",
    "sentiment",
    "sentiment_score",
    "severity",
    "needs_reply",
    "needs_reply_reason",
    "priority",
    "language",
    "low_confidence",
    "evidence",
    "model_version",
    "corrected_by_id",
)


def insert_triage(conn: Connection, message_ids: list[int], labels: dict[int, TriageResult]) -> None:
    """Insert the labels of the batch's inbound messages (`labels`: index in the batch -> its labels)."""
    if conn.dialect.name != "sqlite":
        insert_many(conn, _T, [triage_row(message_ids[i], label) for i, label in labels.items()])
        return
    insert_values(conn, _T, TRIAGE_COLUMNS, [_triage_values(message_ids[i], label) for i, label in labels.items()])


def _triage_values(message_id: int, label: TriageResult) -> tuple[Any, ...]:
    """`triage_row` as SQLite stores it, in TRIAGE_COLUMNS order (tested equal to the bulk writer's form)."""
    return (
        message_id,
        1 if label.complaint else 0,  # booleans as 0/1: see store.bulk.without_null_columns
        label.complaint_probability,
        _VALUE[label.intent],
        label.intent_score,
        _VALUE[label.sentiment],
        label.sentiment_score,
        label.severity,
        1 if label.needs_reply else 0,
        label.needs_reply_reason,
        label.priority,
        label.language,
        1 if label.low_confidence else 0,
        sqlite_json(label.evidence),
        label.model_version,
        None,
    )
