"""Conversations, their messages and timeline, notes and triage corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from goodwill.api.rest.schemas.common import LongText, ObjectId, Shape, ShortText

Status = Literal["open", "waiting", "snoozed", "resolved"]


class ConversationPublic(BaseModel):
    id: int
    channel_id: int
    network: str
    channel: str  # the channel's handle
    kind: str
    status: str
    person_id: int | None
    person: str | None  # the person's display name
    assignee_id: int | None
    assignee: str | None
    needs_reply: bool
    priority: int
    intent: str | None
    message_count: int
    last_message_at: datetime
    last_inbound_at: datetime | None
    waiting_since: datetime | None
    waiting_minutes: int | None
    sla_target: str | None
    sla_due_at: datetime | None
    sla_state: str  # ok | at_risk | breached | none
    snoozed_until: datetime | None
    hidden: bool
    tags: list[str]
    preview: str  # the newest inbound message's text


class ConversationUpdate(Shape):
    """Change a conversation: every field is optional; all given changes apply in one transaction, or none.
    `assignee_id: null` unassigns; `snooze_until` goes with `status: snoozed` (absent: until the next message)."""

    status: Status | None = None
    snooze_until: AwareDatetime | None = None
    assignee_id: ObjectId | None = None
    priority: int | None = Field(default=None, ge=0, le=100)
    hidden: bool | None = None
    add_tags: list[ShortText] = Field(default_factory=list, max_length=50)
    remove_tags: list[ShortText] = Field(default_factory=list, max_length=50)


class TriagePublic(BaseModel):
    intent: str
    sentiment: str
    severity: int
    complaint: bool
    needs_reply: bool
    priority: int
    language: str
    low_confidence: bool
    corrected: bool
    evidence: dict[str, Any]


class MessagePublic(BaseModel):
    id: int
    conversation_id: int
    channel_id: int
    network: str
    native_id: str
    direction: str  # in | out
    kind: str
    visibility: str
    author: str
    text: str  # plain text as the network sent it: render it escaped
    language: str | None
    created_at: datetime
    triage: TriagePublic | None


class TimelineItemPublic(BaseModel):
    """A message, an activity (assigned, note, status, ...) or a reply not sent yet, in time order."""

    type: Literal["message", "activity", "reply"]
    at: datetime
    message_id: int | None = None
    kind: str | None = None
    actor: str | None = None
    text: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class ConversationDetail(BaseModel):
    conversation: ConversationPublic
    timeline: list[TimelineItemPublic]


class NoteCreate(Shape):
    text: LongText = Field(min_length=1)


class NotePublic(BaseModel):
    id: int
    conversation_id: int
    text: str
    actor: str
    mentions: list[int]
    created_at: datetime


class TriageCorrection(Shape):
    """Correct an inbound message's labels: give at least one."""

    intent: Literal["complaint", "question", "praise", "feedback", "lead", "spam", "chatter"] | None = None
    complaint: bool | None = None
    sentiment: Literal["negative", "neutral", "positive"] | None = None
    severity: int | None = Field(default=None, ge=0, le=4)
