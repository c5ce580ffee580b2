"""Replies: queue one (the outbox sends it, or holds it for an approver), suggestions, the tone check, and the
outbox rows themselves (list, retry a failed one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from goodwill.actions.replies import do_reply, do_retry_reply
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_conversation_by_id, access_reply_by_id
from goodwill.api.rest.deps import IdPath, Limit, Offset, Reader, Replier, StoreDep
from goodwill.api.rest.errors import ApiError, field_errors, referenced
from goodwill.api.rest.schemas.common import MAX_ID, Page, ShortText
from goodwill.api.rest.schemas.replies import ReplyCreate, ReplyPublic, SuggestionPublic, ToneCheck, ToneCheckResult
from goodwill.replies.context import check_reply
from goodwill.replies.suggest import suggest_replies
from goodwill.replies.tone import blocking
from goodwill.store.tables_replies import Outbox

router = APIRouter(prefix="/workspaces/{slug}", tags=["replies"])


@router.post(
    "/conversations/{conversation_id}/replies",
    response_model=ReplyPublic,
    status_code=201,
    summary="Queue a reply (idempotent on idempotency_key)",
)
def create_reply(conversation_id: IdPath, body: ReplyCreate, principal: Replier, store: StoreDep) -> ReplyPublic:
    with store.session() as session:
        ws = principal.workspace(session)
        conv = access_conversation_by_id(session, ws, conversation_id)
        with field_errors("text"), referenced("in_reply_to_id"):
            row = do_reply(
                session,
                ws,
                conv,
                body.text,
                acting=principal.acting,
                in_reply_to_id=body.in_reply_to_id,
                idempotency_key=body.idempotency_key,
            )
        if row.conversation_id != conv.id:
            with field_errors("idempotency_key"):
                raise ValueError("this idempotency key was used for a reply in another conversation")
        return convert.reply(row)


@router.get(
    "/conversations/{conversation_id}/suggestions",
    response_model=Page[SuggestionPublic],
    summary="Suggested replies to the newest message, ranked, each with its tone findings",
)
def suggestions(
    conversation_id: IdPath,
    principal: Reader,
    store: StoreDep,
    count: Annotated[int, Query(ge=1, le=10)] = 3,
) -> Page[SuggestionPublic]:
    with store.reader() as session:
        ws = principal.workspace(session)
        conv = access_conversation_by_id(session, ws, conversation_id)
        found = suggest_replies(session, ws, conv, teammate_id=principal.teammate_id, limit=count)
    return Page(data=[convert.suggestion(s) for s in found], count=len(found))


@router.post(
    "/conversations/{conversation_id}/check",
    response_model=ToneCheckResult,
    summary="The tone guard on a draft reply: blocking is true when it should not be sent as it is",
)
def check(conversation_id: IdPath, body: ToneCheck, principal: Reader, store: StoreDep) -> ToneCheckResult:
    with store.reader() as session:
        ws = principal.workspace(session)
        conv = access_conversation_by_id(session, ws, conversation_id)
        findings = check_reply(session, ws, conv, body.text, teammate_id=principal.teammate_id)
    data = [convert.finding(f) for f in findings]
    return ToneCheckResult(data=data, count=len(data), blocking=blocking(findings))


@router.get("/replies", response_model=Page[ReplyPublic], summary="Replies in the outbox, newest first")
def list_replies(
    principal: Reader,
    store: StoreDep,
    status: ShortText | None = None,
    conversation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReplyPublic]:
    query = select(Outbox).where(Outbox.workspace_id == principal.workspace_id)
    if status is not None:
        query = query.where(Outbox.status == status)
    if conversation_id is not None:
        query = query.where(Outbox.conversation_id == conversation_id)
    with store.reader() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(Outbox.id.desc()).limit(limit).offset(offset))
        return Page(data=[convert.reply(o) for o in rows], count=total)


@router.get("/replies/{reply_id}", response_model=ReplyPublic, summary="One reply in the outbox")
def get_reply(reply_id: IdPath, principal: Reader, store: StoreDep) -> ReplyPublic:
    with store.reader() as session:
        return convert.reply(access_reply_by_id(session, principal.workspace(session), reply_id))


@router.post("/replies/{reply_id}/retry", response_model=ReplyPublic, summary="Send a failed reply again")
def retry_reply(reply_id: IdPath, principal: Replier, store: StoreDep) -> ReplyPublic:
    with store.session() as session:
        ws = principal.workspace(session)
        row = access_reply_by_id(session, ws, reply_id)
        if row.status != "failed":
            raise ApiError(409, f"reply {row.id} is {row.status}: only a failed reply is retried")
        do_retry_reply(session, ws, row, acting=principal.acting)
        return convert.reply(row)
