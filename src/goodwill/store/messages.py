"""Read stored messages back as NormalisedMessage: the inverse of what ingest writes, field for field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import (
    Actor,
    Attachment,
    Entity,
    NativeRef,
    NormalisedMessage,
    ReplyCapability,
    ThreadRefs,
)
from goodwill.store.tables import Message


def _ref(data: dict[str, Any] | None) -> NativeRef | None:
    return NativeRef(**data) if data else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def to_domain(row: Message) -> NormalisedMessage:
    """The NormalisedMessage that `row` was stored from (with received_at and ids of our own left aside)."""
    detail = row.detail
    thread = detail.get("thread", {})
    reply = detail.get("reply", {})
    native = _ref(detail["native"])
    assert native is not None
    return NormalisedMessage(
        network=Network(row.network),
        native=native,
        kind=Kind(row.kind),
        direction=Direction(row.direction),
        author=Actor(**detail["author"]),
        text=row.text,
        created_at=row.created_at,
        visibility=Visibility(row.visibility),
        thread=ThreadRefs(
            root=_ref(thread.get("root")),
            parent=_ref(thread.get("parent")),
            parent_author_id=thread.get("parent_author_id"),
            quoted=_ref(thread.get("quoted")),
            conversation_id=thread.get("conversation_id"),
            depth_limit=thread.get("depth_limit"),
        ),
        recipients=[Actor(**r) for r in detail.get("recipients", [])],
        text_raw=row.text_raw,
        text_format=detail.get("text_format", "plain"),
        language=row.language,
        content_warning=detail.get("content_warning"),
        sensitive=detail.get("sensitive"),
        labels=detail.get("labels", []),
        entities=[Entity(**e) for e in detail.get("entities", [])],
        attachments=[Attachment(**a) for a in detail.get("attachments", [])],
        indexed_at=_time(detail.get("indexed_at")),
        edited_at=row.edited_at,
        is_deleted=row.is_deleted,
        is_hidden=row.is_hidden,
        metrics=row.metrics,
        reply=ReplyCapability(
            can_reply=reply.get("can_reply", True),
            reply_via=reply.get("reply_via", "public_reply"),
            window_expires_at=_time(reply.get("window_expires_at")),
            restrictions=reply.get("restrictions"),
        ),
        source=detail.get("source", {}),
        raw=row.raw,
        raw_envelope=row.raw_envelope,
    )


def load_message(session: Session, message_id: int) -> NormalisedMessage:
    row = session.get(Message, message_id)
    if row is None:
        raise LookupError(f"no message {message_id}")
    return to_domain(row)
