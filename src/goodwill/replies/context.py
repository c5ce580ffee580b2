"""What a reply answers, read from the store: the message, its triage, the person and their history, the
channel's limit and the brand's recent replies. Suggestions, the tone guard and drafting all start here.

Read only; a handful of queries per conversation (no query per message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import utcnow
from goodwill.domain.enums import ConversationKind, Direction
from goodwill.inbox.model import OutboxStatus
from goodwill.replies.length import limit_for
from goodwill.replies.library import ReplyStyle
from goodwill.replies.tone import DraftContext, Finding, check_draft
from goodwill.store.tables import Channel, Conversation, Identity, Message, Person, Teammate, Triage, Workspace
from goodwill.store.tables_replies import Outbox

RECENT_LIMIT = 500
FIRST_NAME = r"^[^\W\d_][^\W\d_'\-]{1,30}$"


@dataclass(slots=True)
class Situation:
    workspace: Workspace
    conversation: Conversation
    network: str
    public: bool
    limit: int | None
    style: ReplyStyle
    message: Message | None = None  # the newest inbound message: what a reply answers
    triage: Triage | None = None
    first_name: str | None = None
    handle: str | None = None
    earlier_conversations: int = 0
    open_issues: list[str] = field(default_factory=list)  # previews of the person's other open complaints
    first_reply: bool = True
    agent: str | None = None
    recent: list[str] = field(default_factory=list)
    history: list[tuple[str, str]] = field(default_factory=list)  # (in|out, text), oldest first, for drafting

    @property
    def intent(self) -> str | None:
        return self.triage.intent if self.triage else self.conversation.intent

    def draft_context(self) -> DraftContext:
        return DraftContext(
            network=self.network,
            limit=self.limit,
            public=self.public,
            intent=self.intent,
            severity=self.triage.severity if self.triage else 0,
            first_reply=self.first_reply,
            first_name=self.first_name,
            want_name=self.style.use_name,
            recent=tuple(self.recent),
            canned_after=self.style.canned_after,
            disabled=frozenset(self.style.disabled_checks),
        )


def first_name_of(display_name: str | None) -> str | None:
    """The first word of a display name when it looks like a given name ("Maya Lindqvist" -> "Maya")."""
    import re

    if not display_name:
        return None
    word = display_name.strip().split()[0] if display_name.strip() else ""
    word = word.strip(",.!")
    return word if re.match(FIRST_NAME, word) and word[0].isupper() else None


def situation(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    *,
    teammate_id: int | None = None,
    now: datetime | None = None,
) -> Situation:
    now = now or utcnow()
    channel = session.get_one(Channel, conversation.channel_id)
    public = conversation.kind != ConversationKind.DIRECT.value
    style = ReplyStyle.of(workspace)
    sit = Situation(
        workspace=workspace,
        conversation=conversation,
        network=channel.network,
        public=public,
        limit=limit_for(channel.network, direct=not public, config=channel.config),
        style=style,
    )
    messages = list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(20)
        )
    )
    sit.history = [(m.direction, m.text) for m in reversed(messages)]
    inbound = [m for m in messages if m.direction == Direction.INBOUND.value]
    if inbound:
        sit.message = inbound[0]
        sit.triage = session.get(Triage, inbound[0].id)
        identity = session.get(Identity, inbound[0].identity_id)
        if identity is not None:
            sit.handle = identity.handle
            person = session.get(Person, identity.person_id) if identity.person_id else None
            sit.first_name = first_name_of(person.display_name if person else identity.display_name)
        sit.first_reply = not any(
            m.direction == Direction.OUTBOUND.value and m.created_at >= inbound[-1].created_at for m in messages
        )
    if conversation.person_id is not None:
        _history(session, sit, conversation)
    if teammate_id is not None:
        mate = session.get(Teammate, teammate_id)
        sit.agent = first_name_of(mate.name) if mate else None
    sit.recent = recent_replies(session, workspace.id, conversation.id, now - timedelta(days=style.canned_days))
    return sit


def _history(session: Session, sit: Situation, conversation: Conversation) -> None:
    others = list(
        session.execute(
            select(Conversation.id, Conversation.status, Conversation.intent).where(
                Conversation.person_id == conversation.person_id, Conversation.id != conversation.id
            )
        )
    )
    sit.earlier_conversations = len(others)
    open_complaints = [cid for cid, status, intent in others if status != "resolved" and intent == "complaint"]
    for cid in open_complaints[:3]:
        text = session.scalar(
            select(Message.text)
            .where(Message.conversation_id == cid, Message.direction == Direction.INBOUND.value)
            .order_by(Message.created_at.desc())
            .limit(1)
        )
        if text:
            sit.open_issues.append(text)


def recent_replies(session: Session, workspace_id: int, conversation_id: int | None, since: datetime) -> list[str]:
    """The brand's replies since `since` in other conversations: sent ones and ones still in the outbox."""
    sent = session.scalars(
        select(Message.text)
        .where(
            Message.workspace_id == workspace_id,
            Message.direction == Direction.OUTBOUND.value,
            Message.created_at >= since,
            or_(Message.parent_native_id.is_not(None), Message.private_conversation_id.is_not(None)),
            Message.conversation_id != (conversation_id or 0),
        )
        .order_by(Message.created_at.desc())
        .limit(RECENT_LIMIT)
    )
    queued = session.scalars(
        select(Outbox.text).where(
            Outbox.workspace_id == workspace_id,
            Outbox.conversation_id != (conversation_id or 0),
            Outbox.created_at >= since,
            Outbox.status != OutboxStatus.SENT.value,
        )
    )
    return [*sent, *queued]


def check_reply(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    text: str,
    *,
    teammate_id: int | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """The tone guard's findings for `text` as the reply to `conversation` (the API's and CLI's check)."""
    sit = situation(session, workspace, conversation, teammate_id=teammate_id, now=now)
    return check_draft(text, sit.draft_context())
