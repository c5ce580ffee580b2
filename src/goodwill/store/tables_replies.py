"""Tables for replies: the outbox of replies to send, the saved-reply library and approvals. Declared on the
shared Base (imported at the end of store/tables.py, which also names them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class Outbox(Base):
    """A reply to send, written before anything is sent; `idempotency_key` follows it to the platform."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_message_id", "message_id"),  # the audit's teammates join: who sent each message
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # OutboxStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]  # a worker's lease while sending; after it, the outcome is unknown
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    native_id: Mapped[str | None] = mapped_column(String(400))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


# replies (0003_replies) -------------------------------------------------------------------------------------


class SavedReply(Base):
    """A reply in the workspace's library: text with {variables}, for an intent, found by its keywords."""

    __tablename__ = "saved_reply"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    intent: Mapped[str | None] = mapped_column(String(16))  # Intent; None: any
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReplyApproval(Base):
    """A queued reply held until an approver approves (perhaps after editing) or rejects it."""

    __tablename__ = "reply_approval"
    __table_args__ = (Index("ix_reply_approval_workspace_status", "workspace_id", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    reasons: Mapped[list[Any]] = mapped_column(default=list)  # the policy rules that matched
    findings: Mapped[list[Any]] = mapped_column(default=list)  # the tone guard's, when the reply was queued
    original_text: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("teammate.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
