"""Replies (queued in the outbox), suggestions, the tone check, approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from goodwill.api.rest.schemas.common import LongText, ObjectId, Shape


class ReplyCreate(Shape):
    text: LongText = Field(min_length=1)
    in_reply_to_id: ObjectId | None = None  # the message answered; default: the newest inbound one
    idempotency_key: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ReplyPublic(BaseModel):
    """A reply in the outbox: pending, sending, sent, failed, held (waiting for an approver) or rejected."""

    id: int
    conversation_id: int
    channel_id: int
    in_reply_to_id: int | None
    status: str
    text: str
    idempotency_key: str
    attempts: int
    last_error: str | None
    native_id: str | None
    message_id: int | None
    created_by_id: int | None
    created_at: datetime
    sent_at: datetime | None


class FindingPublic(BaseModel):
    check: str
    level: str  # block | warn
    message: str
    words: list[str]
    suggestion: str


class SuggestionPublic(BaseModel):
    text: str
    source: str
    score: float
    length: int
    limit: int | None
    findings: list[FindingPublic]


class ToneCheck(Shape):
    text: LongText = Field(min_length=1)


class ToneCheckResult(BaseModel):
    data: list[FindingPublic]
    count: int
    blocking: bool  # a finding says: do not send as it is


class ApprovalPublic(BaseModel):
    id: int
    conversation_id: int
    reply_id: int
    status: str  # pending | approved | rejected
    text: str  # the reply as it stands (perhaps edited)
    original_text: str
    reasons: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    requested_by_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    note: str | None
    created_at: datetime


class ApprovalApprove(Shape):
    text: LongText | None = Field(default=None, min_length=1)  # edit before approving
    note: LongText | None = None


class ApprovalEdit(Shape):
    text: LongText = Field(min_length=1)


class ApprovalReject(Shape):
    note: LongText | None = None
