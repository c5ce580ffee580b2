"""Headline counts for a workspace: plain SQL that runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions.workspaces import access_workspace
from goodwill.domain.enums import ConversationStatus, Direction
from goodwill.store.tables import Channel, Conversation, Message, Person, Triage


@dataclass(frozen=True, slots=True)
class WorkspaceStats:
    channels: int
    people: int
    messages: int
    inbound: int
    outbound: int
    conversations: int
    open_conversations: int
    waiting_for_reply: int
    intents: dict[str, int] = field(default_factory=dict)
    by_network: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def workspace_stats(session: Session, *, workspace: str) -> WorkspaceStats:
    ws = access_workspace(session, workspace)

    def count(model: Any, *where: Any) -> int:
        return session.scalar(select(func.count()).select_from(model).where(model.workspace_id == ws.id, *where)) or 0

    intents: dict[str, int] = dict(
        session.execute(
            select(Triage.intent, func.count())
            .join(Message, Message.id == Triage.message_id)
            .where(Message.workspace_id == ws.id)
            .group_by(Triage.intent)
        )
        .tuples()
        .all()
    )
    by_network: dict[str, int] = dict(
        session.execute(
            select(Message.network, func.count()).where(Message.workspace_id == ws.id).group_by(Message.network)
        )
        .tuples()
        .all()
    )
    return WorkspaceStats(
        channels=count(Channel),
        people=count(Person),
        messages=count(Message),
        inbound=count(Message, Message.direction == Direction.INBOUND.value),
        outbound=count(Message, Message.direction == Direction.OUTBOUND.value),
        conversations=count(Conversation),
        open_conversations=count(Conversation, Conversation.status == ConversationStatus.OPEN.value),
        waiting_for_reply=count(
            Conversation, Conversation.status == ConversationStatus.OPEN.value, Conversation.needs_reply.is_(True)
        ),
        intents=dict(sorted(intents.items(), key=lambda kv: -kv[1])),
        by_network=dict(sorted(by_network.items())),
    )
