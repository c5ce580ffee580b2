"""Tables for publishing: declared on the shared Base (imported at the end of store/tables.py).

A Post (store/tables.py) is one piece of the brand's own content for one channel. A draft for several
channels is one Post per channel, grouped by `Post.detail["group"]`. These tables add how a scheduled Post
reaches its network (PostDelivery, modelled on the reply Outbox) and the workspace's queue time slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.store.tables import Base, Id


class PostDelivery(Base):
    """A scheduled Post on its way to the network, written when the post is scheduled (after any approval).

    The publish job claims it at `next_attempt_at`; `idempotency_key` follows it to the platform and stays
    the same across retries and reschedules, so a platform that took it once keeps one post. Status values
    are OutboxStatus's (pending, sending, sent, failed).
    """

    __tablename__ = "post_delivery"
    __table_args__ = (Index("ix_post_delivery_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # OutboxStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]  # a worker's lease while sending; after it, the outcome is unknown
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    native_id: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PostSlot(Base):
    """A queue time slot: a weekday and a local time (the workspace's time zone) at which a channel posts."""

    __tablename__ = "post_slot"
    __table_args__ = (UniqueConstraint("channel_id", "weekday", "minute"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday .. 6 Sunday
    minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight, 0 .. 1439
    created_at: Mapped[datetime]


class PostMix(Base):
    """The content mix classifier's answer for one of the brand's own posts (a broadcast message), stored once
    by the `post-mix` job (goodwill.publishing.stored_mix) so the audit need not run the classifier over every
    post each time. A row counts only while its `classifier` is the current one and its `text_hash` matches
    the message's text; otherwise the audit classifies the text itself."""

    __tablename__ = "post_mix"
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    classifier: Mapped[str] = mapped_column(String(32))  # goodwill.publishing.classify.MIX_VERSION
    text_hash: Mapped[int] = mapped_column(BigInteger)  # goodwill.publishing.classify.text_hash of the text
    promotional: Mapped[bool] = mapped_column(Boolean)
    selling: Mapped[int] = mapped_column(Integer)  # how many selling cue families the text shows
