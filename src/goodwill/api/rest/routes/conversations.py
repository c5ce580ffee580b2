"""Conversations: the inbox list with filters, one conversation with its timeline, changes, notes, messages."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions import conversations as act
from goodwill.actions.replies import do_take_lock
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_conversation_by_id, access_teammate_by_id
from goodwill.api.rest.deps import IdPath, Limit, Offset, Principal, Reader, StoreDep, Writer
from goodwill.api.rest.errors import ApiError, field_errors, referenced
from goodwill.api.rest.schemas.common import MAX_ID, Page, ShortText
from goodwill.api.rest.schemas.conversations import (
    ConversationDetail,
    ConversationPublic,
    ConversationUpdate,
    MessagePublic,
    NoteCreate,
    NotePublic,
)
from goodwill.domain.enums import ConversationStatus
from goodwill.inbox.queries import InboxFilter, list_inbox, show_conversation
from goodwill.store.tables import Conversation, Identity, Message, Triage, Workspace

router = APIRouter(prefix="/workspaces/{slug}/conversations", tags=["conversations"])
Intent = Literal["complaint", "question", "praise", "feedback", "lead", "spam", "chatter"]


@router.get("", response_model=Page[ConversationPublic], summary="The inbox: most urgent first, filtered")
def list_conversations(
    principal: Reader,
    store: StoreDep,
    status: Annotated[Literal["open", "waiting", "snoozed", "resolved", "all"], Query()] = "open",
    needs_reply: Annotated[bool, Query(description="Only conversations waiting on us")] = False,
    assignee: Annotated[ShortText | None, Query(description="A teammate's id or e-mail, or 'none'")] = None,
    intent: Intent | None = None,
    network: ShortText | None = None,
    channel_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    tag: ShortText | None = None,
    breached: Annotated[bool, Query(description="Only those past their SLA target")] = False,
    include_hidden: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ConversationPublic]:
    if assignee is not None and assignee.isdigit() and not (assignee.isascii() and 0 < int(assignee) <= MAX_ID):
        raise ApiError(422, f"no teammate {assignee!r}: give an id, an e-mail or 'none'", field="assignee")
    filters = InboxFilter(
        status=None if status == "all" else status,
        needs_reply_only=needs_reply,
        assignee=assignee,
        intent=intent,
        network=network,
        channel_id=channel_id,
        tag=tag,
        breached_only=breached,
        include_hidden=include_hidden,
    )
    with store.reader() as session, referenced("assignee"):
        items, total = list_inbox(session, workspace=principal.slug, filters=filters, limit=limit, offset=offset)
    return Page(data=[convert.conversation(s) for s in items], count=total)


def _detail(session: Session, principal: Principal, conversation_id: int) -> ConversationDetail:
    view = show_conversation(session, workspace=principal.slug, conversation_id=conversation_id)
    return ConversationDetail(
        conversation=convert.conversation(view.summary), timeline=[convert.timeline_item(i) for i in view.timeline]
    )


@router.get("/{conversation_id}", response_model=ConversationDetail, summary="A conversation, top to bottom")
def get_conversation(conversation_id: IdPath, principal: Reader, store: StoreDep) -> ConversationDetail:
    with store.reader() as session:
        access_conversation_by_id(session, principal.workspace(session), conversation_id)
        return _detail(session, principal, conversation_id)


def _apply(session: Session, ws: Workspace, conv: Conversation, change: ConversationUpdate, p: Principal) -> None:
    """Every change the body asks for, in the caller's transaction (one fails: none is kept)."""
    acting = p.acting
    given = change.model_fields_set
    if "snooze_until" in given and change.status != "snoozed":
        with field_errors("snooze_until"):
            raise ValueError("snooze_until goes with status: snoozed")
    if change.status is not None:
        with field_errors("status"):
            act.do_set_status(
                session, conv, ConversationStatus(change.status), acting=acting, snooze_until=change.snooze_until
            )
    if "assignee_id" in given:
        with referenced("assignee_id"):
            assignee = access_teammate_by_id(session, ws, change.assignee_id) if change.assignee_id else None
        with field_errors("assignee_id"):
            act.do_assign(session, conv, assignee, acting=acting)
    if change.priority is not None:
        act.do_set_priority(session, conv, change.priority, acting=acting)
    if change.hidden is not None:
        act.do_hide(session, conv, hidden=change.hidden, acting=acting)
    with field_errors("add_tags"):
        act.do_tag(session, conv, change.add_tags, acting=acting)
    with field_errors("remove_tags"):
        act.do_untag(session, conv, change.remove_tags, acting=acting)


@router.patch("/{conversation_id}", response_model=ConversationDetail, summary="Assign, change status, tag, ...")
def update_conversation(
    conversation_id: IdPath, change: ConversationUpdate, principal: Writer, store: StoreDep
) -> ConversationDetail:
    with store.session() as session:
        ws = principal.workspace(session)
        conv = access_conversation_by_id(session, ws, conversation_id)
        _apply(session, ws, conv, change, principal)
        return _detail(session, principal, conversation_id)


@router.post("/{conversation_id}/notes", response_model=NotePublic, status_code=201, summary="An internal note")
def add_note(conversation_id: IdPath, body: NoteCreate, principal: Writer, store: StoreDep) -> NotePublic:
    with store.session() as session:
        conv = access_conversation_by_id(session, principal.workspace(session), conversation_id)
        with field_errors("text"):
            row = act.do_add_note(session, conv, body.text, acting=principal.acting)
        return convert.note(row)


@router.post("/{conversation_id}/lock", summary="Take the composing lock (others' replies are refused meanwhile)")
def take_lock(conversation_id: IdPath, principal: Writer, store: StoreDep) -> dict[str, str | None]:
    with store.session() as session:
        conv = access_conversation_by_id(session, principal.workspace(session), conversation_id)
        until = do_take_lock(session, conv, acting=principal.acting)
        return {"locked_until": until.isoformat() if until else None}


@router.get("/{conversation_id}/messages", response_model=Page[MessagePublic], summary="Messages, oldest first")
def list_messages(
    conversation_id: IdPath, principal: Reader, store: StoreDep, limit: Limit = 50, offset: Offset = 0
) -> Page[MessagePublic]:
    with store.reader() as session:
        conv = access_conversation_by_id(session, principal.workspace(session), conversation_id)
        total = session.scalar(select(func.count()).where(Message.conversation_id == conv.id)) or 0
        rows = session.execute(
            select(Message, Identity, Triage)
            .join(Identity, Identity.id == Message.identity_id)
            .outerjoin(Triage, Triage.message_id == Message.id)
            .where(Message.conversation_id == conv.id)
            .order_by(Message.created_at, Message.id)
            .limit(limit)
            .offset(offset)
        ).tuples()
        return Page(data=[convert.message_with(m, who, t) for m, who, t in rows], count=total)
