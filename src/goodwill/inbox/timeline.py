"""A conversation top to bottom: messages, activity rows and replies not sent yet, in one order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.inbox.model import OutboxStatus
from goodwill.store.tables import Activity, Conversation, Identity, Message, Triage
from goodwill.store.tables_replies import Outbox


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    native_id: str
    direction: str
    kind: str
    author: str
    created_at: datetime
    text: str
    intent: str | None
    sentiment: str | None
    severity: int | None
    priority: int | None
    evidence: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One line of the timeline: a message, an activity row (kind, who, data, note text) or a reply in the
    outbox that is not a message yet (pending, sending, or failed with the platform's error)."""

    type: str  # message | activity | reply
    at: datetime
    message: MessageView | None = None
    kind: str | None = None  # the activity kind, or the reply's outbox status
    actor: str | None = None
    text: str | None = None
    data: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.message is not None:
            return {"type": "message", "at": self.at.isoformat(), **self.message.as_dict()}
        return {
            "type": self.type,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "text": self.text,
            "data": self.data or {},
        }


def _messages(session: Session, conversation_id: int) -> list[TimelineItem]:
    rows = session.execute(
        select(Message, Identity.handle, Identity.display_name, Identity.native_id, Triage)
        .join(Identity, Identity.id == Message.identity_id)
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    ).tuples()
    items = []
    for m, handle, name, native_id, t in rows:
        view = MessageView(
            id=m.id,
            native_id=m.native_id,
            direction=m.direction,
            kind=m.kind,
            author=(f"@{handle}" if handle else name or native_id),
            created_at=m.created_at,
            text=m.text,
            intent=t.intent if t else None,
            sentiment=t.sentiment if t else None,
            severity=t.severity if t else None,
            priority=t.priority if t else None,
            evidence=t.evidence if t else None,
        )
        items.append(TimelineItem("message", m.created_at, message=view))
    return items


def timeline(session: Session, conversation: Conversation) -> list[TimelineItem]:
    items = _messages(session, conversation.id)
    for a in session.scalars(select(Activity).where(Activity.conversation_id == conversation.id)):
        items.append(TimelineItem("activity", a.created_at, kind=a.kind, actor=a.actor_label, text=a.text, data=a.data))
    for o in session.scalars(
        select(Outbox).where(Outbox.conversation_id == conversation.id, Outbox.status != OutboxStatus.SENT.value)
    ):
        data = {"outbox_id": o.id, "attempts": o.attempts, "error": o.last_error, "platform_error": o.platform_error}
        items.append(TimelineItem("reply", o.created_at, kind=o.status, text=o.text, data=data))
    order = {"message": 0, "reply": 1, "activity": 2}
    items.sort(key=lambda i: (i.at, order[i.type]))
    return items
