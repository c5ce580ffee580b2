"""Approvals: replies held for an approver; approve (perhaps edited), edit, reject. The library decides who
may (the workspace's approvers, never the reply's author)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from goodwill.actions.approvals import do_approve_reply, do_edit_held_reply, do_reject_reply, list_approvals
from goodwill.api.rest import convert
from goodwill.api.rest.access import access_approval_by_id
from goodwill.api.rest.deps import IdPath, Limit, Offset, Reader, Replier, StoreDep
from goodwill.api.rest.errors import ApiError, field_errors
from goodwill.api.rest.schemas.common import Page
from goodwill.api.rest.schemas.replies import ApprovalApprove, ApprovalEdit, ApprovalPublic, ApprovalReject
from goodwill.store.tables_replies import ReplyApproval

router = APIRouter(prefix="/workspaces/{slug}/approvals", tags=["approvals"])


def _undecided(approval: ReplyApproval) -> ReplyApproval:
    if approval.status != "pending":
        raise ApiError(409, f"reply approval {approval.id} is already {approval.status}")
    return approval


@router.get("", response_model=Page[ApprovalPublic], summary="Replies held for approval (default: pending)")
def list_(
    principal: Reader,
    store: StoreDep,
    status: Literal["pending", "approved", "rejected", "all"] = "pending",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ApprovalPublic]:
    with store.reader() as session:
        rows = list_approvals(session, principal.workspace(session), status=None if status == "all" else status)
        return Page(data=[convert.approval(session, a) for a in rows[offset : offset + limit]], count=len(rows))


@router.get("/{approval_id}", response_model=ApprovalPublic, summary="One approval")
def get_(approval_id: IdPath, principal: Reader, store: StoreDep) -> ApprovalPublic:
    with store.reader() as session:
        return convert.approval(session, access_approval_by_id(session, principal.workspace(session), approval_id))


@router.post("/{approval_id}/approve", response_model=ApprovalPublic, summary="Approve (with text: edited first)")
def approve(approval_id: IdPath, body: ApprovalApprove, principal: Replier, store: StoreDep) -> ApprovalPublic:
    with store.session() as session:
        ws = principal.workspace(session)
        approval = _undecided(access_approval_by_id(session, ws, approval_id))
        with field_errors("text"):
            do_approve_reply(session, ws, approval, acting=principal.acting, text=body.text, note=body.note)
        return convert.approval(session, approval)


@router.post("/{approval_id}/edit", response_model=ApprovalPublic, summary="Edit a held reply; it still waits")
def edit(approval_id: IdPath, body: ApprovalEdit, principal: Replier, store: StoreDep) -> ApprovalPublic:
    with store.session() as session:
        ws = principal.workspace(session)
        approval = _undecided(access_approval_by_id(session, ws, approval_id))
        with field_errors("text"):
            do_edit_held_reply(session, ws, approval, body.text, acting=principal.acting)
        return convert.approval(session, approval)


@router.post("/{approval_id}/reject", response_model=ApprovalPublic, summary="Reject: the reply is never sent")
def reject(approval_id: IdPath, body: ApprovalReject, principal: Replier, store: StoreDep) -> ApprovalPublic:
    with store.session() as session:
        ws = principal.workspace(session)
        approval = _undecided(access_approval_by_id(session, ws, approval_id))
        do_reject_reply(session, ws, approval, acting=principal.acting, note=body.note)
        return convert.approval(session, approval)
