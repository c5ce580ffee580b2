"""Approval of replies: a workspace can require an approver for replies by some teammates, by a role, to some
intents and severities, or with a blocking tone finding. Such a reply is queued as usual but its outbox row
is `held` (the outbox worker only claims `pending` rows) until an approver approves it (perhaps after
editing it) or rejects it. Every step is audited and shows in the conversation's timeline.

The policy lives in Workspace.settings["approval"]:
    {"rules": [{"teammate": 7}, {"role": "agent", "intent": "complaint", "min_severity": 4},
               {"findings": "block"}],
     "approvers": [1, 2]}          # teammate ids; empty or absent: the workspace's owners and admins
A rule matches when every key it has matches; a reply is held when any rule matches.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import MANAGERS, check_can_manage, notify, send_after_commit, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound, do_write_settings
from goodwill.domain.enums import Intent, Role
from goodwill.events import ReplyQueued
from goodwill.inbox.model import OutboxStatus
from goodwill.store.tables import Activity, Conversation, Teammate, Triage, Workspace
from goodwill.store.tables_replies import Outbox, ReplyApproval

HELD = "held"  # an outbox status beside OutboxStatus: waiting for an approver
REJECTED = "rejected"  # ... and the end of a reply an approver turned down
PENDING, APPROVED = "pending", "approved"  # ReplyApproval.status, with "rejected"
RULE_KEYS = {"teammate", "role", "intent", "min_severity", "findings"}


def approval_policy(workspace: Workspace) -> dict[str, Any]:
    policy: dict[str, Any] = (workspace.settings or {}).get("approval") or {}
    return {"rules": list(policy.get("rules") or []), "approvers": list(policy.get("approvers") or [])}


def _valid_rule(rule: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rule) - RULE_KEYS
    if not rule or unknown:
        raise ValueError(f"an approval rule uses {', '.join(sorted(RULE_KEYS))} ({', '.join(sorted(unknown))}?)")
    if "role" in rule:
        Role(rule["role"])
    if "intent" in rule:
        Intent(rule["intent"])
    if "min_severity" in rule and not 0 <= int(rule["min_severity"]) <= 4:
        raise ValueError("min_severity is 0 to 4 (the triage scale)")
    if "findings" in rule and rule["findings"] not in ("block", "warn"):
        raise ValueError("findings is 'block' (any blocking tone finding) or 'warn' (any finding)")
    return rule


def do_set_approval_policy(
    session: Session,
    workspace: Workspace,
    *,
    rules: list[dict[str, Any]],
    approvers: list[int] | None = None,
    acting: Acting,
) -> dict[str, Any]:
    """Replace the workspace's approval policy (owners and admins). No rules: no reply needs approval."""
    check_can_manage(session, workspace, acting)
    for teammate_id in [*(approvers or []), *(r["teammate"] for r in rules if "teammate" in r)]:
        mate = session.get(Teammate, teammate_id)
        if mate is None or mate.workspace_id != workspace.id:
            raise NotFound(f"no teammate {teammate_id} in workspace {workspace.slug!r}")
    policy = {"rules": [_valid_rule(dict(r)) for r in rules], "approvers": list(approvers or [])}
    do_write_settings(session, workspace, {"approval": policy}, action="approval.policy", acting=acting)
    return policy


def _matches(rule: dict[str, Any], author: Teammate | None, triage: Triage | None, findings: list[Any]) -> bool:
    for key, value in rule.items():
        if key == "teammate" and (author is None or author.id != value):
            return False
        if key == "role" and (author is None or author.role != value):
            return False
        if key == "intent" and (triage is None or triage.intent != value):
            return False
        if key == "min_severity" and (triage is None or triage.severity < int(value)):
            return False
        if key == "findings" and not any(f.level.value == "block" or value == "warn" for f in findings):
            return False
    return True


def hold_for_approval(
    session: Session, workspace: Workspace, conversation: Conversation, row: Outbox, *, acting: Acting, now: datetime
) -> bool:
    """Called by `do_reply` after it writes the outbox row: hold it when the policy says so. True when held."""
    rules = approval_policy(workspace)["rules"]
    if not rules:
        return False
    author = session.get(Teammate, acting.teammate_id) if acting.teammate_id else None
    triage = session.get(Triage, row.in_reply_to_id) if row.in_reply_to_id else None
    findings: list[Any] = []
    if any("findings" in rule for rule in rules):
        from goodwill.replies.context import check_reply  # the tone guard reads the store: only when asked

        findings = check_reply(session, workspace, conversation, row.text, teammate_id=acting.teammate_id, now=now)
    reasons = [rule for rule in rules if _matches(rule, author, triage, findings)]
    if not reasons:
        return False
    row.status = HELD
    approval = ReplyApproval(
        workspace_id=workspace.id,
        outbox_id=row.id,
        conversation_id=conversation.id,
        status=PENDING,
        reasons=reasons,
        findings=[f.as_dict() for f in findings],
        original_text=row.text,
        requested_by_id=acting.teammate_id,
        created_at=now,
    )
    session.add(approval)
    session.flush()
    activity = _timeline(session, conversation, "reply_held", acting, {"outbox_id": row.id, "approval_id": approval.id})
    notify(session, conversation, _approver_ids(session, workspace), "approval", activity)
    _audit(session, workspace, acting, "reply.held", approval, {"reasons": reasons})
    return True


def _approver_ids(session: Session, workspace: Workspace) -> list[int]:
    listed = approval_policy(workspace)["approvers"]
    if listed:
        return [int(i) for i in listed]
    query = select(Teammate.id).where(Teammate.workspace_id == workspace.id, Teammate.role.in_(MANAGERS))
    return list(session.scalars(query))


def check_can_approve(session: Session, workspace: Workspace, acting: Acting, approval: ReplyApproval) -> None:
    """Approvers decide (the CLI's owner and the system too); nobody approves their own reply."""
    if acting.teammate_id is None:
        return
    if acting.teammate_id == approval.requested_by_id:
        raise PermissionError(f"{acting.label} wrote this reply: another teammate approves it")
    if acting.teammate_id not in _approver_ids(session, workspace):
        raise PermissionError(f"{acting.label} is not an approver in workspace {workspace.slug!r}")


def access_approval_by_id(session: Session, workspace: Workspace, approval_id: int) -> ReplyApproval:
    approval = session.get(ReplyApproval, approval_id)
    if approval is None or approval.workspace_id != workspace.id:
        raise NotFound(f"no reply approval {approval_id} in workspace {workspace.slug!r}")
    return approval


def list_approvals(session: Session, workspace: Workspace, *, status: str | None = PENDING) -> list[ReplyApproval]:
    query = select(ReplyApproval).where(ReplyApproval.workspace_id == workspace.id)
    if status is not None:
        query = query.where(ReplyApproval.status == status)
    return list(session.scalars(query.order_by(ReplyApproval.created_at, ReplyApproval.id)))


def _pending(session: Session, approval: ReplyApproval) -> tuple[Outbox, Conversation]:
    if approval.status != PENDING:
        raise ValueError(f"reply approval {approval.id} is already {approval.status}")
    row = session.get_one(Outbox, approval.outbox_id, with_for_update=True)
    return row, session.get_one(Conversation, approval.conversation_id)


def do_edit_held_reply(
    session: Session, workspace: Workspace, approval: ReplyApproval, text: str, *, acting: Acting
) -> Outbox:
    """Change a held reply's text (the original stays on the approval); it still waits for a decision."""
    check_can_approve(session, workspace, acting, approval)
    row, _conversation = _pending(session, approval)
    text = text.strip()
    if not text:
        raise ValueError("a reply needs text")
    before, row.text = row.text, text
    _audit(session, workspace, acting, "reply.edited", approval, {"before": before, "after": text})
    return row


def do_approve_reply(
    session: Session,
    workspace: Workspace,
    approval: ReplyApproval,
    *,
    acting: Acting,
    text: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Outbox:
    """Approve a held reply (with `text`: edited first): it becomes pending and the outbox sends it."""
    now = now or utcnow()
    if text is not None:
        do_edit_held_reply(session, workspace, approval, text, acting=acting)
    check_can_approve(session, workspace, acting, approval)
    row, conversation = _pending(session, approval)
    row.status = OutboxStatus.PENDING.value
    row.next_attempt_at = now
    _decide(approval, APPROVED, acting, note, now)
    data = {"outbox_id": row.id, "approval_id": approval.id, "edited": row.text != approval.original_text}
    _timeline(session, conversation, "reply_approved", acting, data, now)
    _audit(session, workspace, acting, "reply.approved", approval, {"note": note, "edited": data["edited"]})
    send_after_commit(session, ReplyQueued(workspace.id, conversation.id, row.id))
    return row


def do_reject_reply(
    session: Session,
    workspace: Workspace,
    approval: ReplyApproval,
    *,
    acting: Acting,
    note: str | None = None,
    now: datetime | None = None,
) -> Outbox:
    """Reject a held reply: it is never sent; the note says why (the author sees it in the timeline)."""
    now = now or utcnow()
    check_can_approve(session, workspace, acting, approval)
    row, conversation = _pending(session, approval)
    row.status = REJECTED
    _decide(approval, REJECTED, acting, note, now)
    data = {"outbox_id": row.id, "approval_id": approval.id, "note": note}
    activity = _timeline(session, conversation, "reply_rejected", acting, data, now)
    if approval.requested_by_id is not None:
        notify(session, conversation, [approval.requested_by_id], "approval", activity)
    _audit(session, workspace, acting, "reply.rejected", approval, {"note": note})
    return row


def _decide(approval: ReplyApproval, status: str, acting: Acting, note: str | None, now: datetime) -> None:
    approval.status = status
    approval.decided_by_id = acting.teammate_id
    approval.decided_at = now
    approval.note = note


def _timeline(
    session: Session,
    conversation: Conversation,
    kind: str,
    acting: Acting,
    data: dict[str, Any],
    at: datetime | None = None,
) -> Activity:
    """An activity row (kinds reply_held, reply_approved, reply_rejected: beside ActivityKind's)."""
    row = Activity(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        kind=kind,
        actor_id=acting.teammate_id,
        actor_label=acting.label,
        text=None,
        data=data,
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _audit(
    session: Session, workspace: Workspace, acting: Acting, action: str, approval: ReplyApproval, data: dict[str, Any]
) -> None:
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=action,
        object_type="reply_approval",
        object_id=approval.id,
        data={"outbox_id": approval.outbox_id, **data},
    )
