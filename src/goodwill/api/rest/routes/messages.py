"""Messages: one message with its triage labels, and corrections that teach the workspace's model."""

from __future__ import annotations

from fastapi import APIRouter

from goodwill.actions.triage import do_correct_triage
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_message_by_id
from goodwill.api.rest.deps import IdPath, Reader, StoreDep, Writer
from goodwill.api.rest.schemas.conversations import MessagePublic, TriageCorrection

router = APIRouter(prefix="/workspaces/{slug}/messages", tags=["messages"])


@router.get("/{message_id}", response_model=MessagePublic, summary="A message and its triage labels")
def get_message(message_id: IdPath, principal: Reader, store: StoreDep) -> MessagePublic:
    with store.reader() as session:
        return convert.message(session, access_message_by_id(session, principal.workspace(session), message_id))


@router.post("/{message_id}/triage", response_model=MessagePublic, summary="Correct a message's labels")
def correct_triage(message_id: IdPath, body: TriageCorrection, principal: Writer, store: StoreDep) -> MessagePublic:
    with store.session() as session:
        ws = principal.workspace(session)
        message = access_message_by_id(session, ws, message_id)
        do_correct_triage(session, ws, message, **body.model_dump(), acting=principal.acting)
        return convert.message(session, message)
