"""Periodic SLA work: flag breaches and escalate; wake snoozed conversations whose time has come."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import notify, record_activity, send_after_commit
from goodwill.actions.audit import Acting, audit
from goodwill.actions.conversations import do_assign, do_set_priority, do_set_status
from goodwill.domain.enums import ConversationStatus, Role
from goodwill.events import SlaBreached
from goodwill.inbox.assignment import do_auto_assign
from goodwill.inbox.model import ActivityKind
from goodwill.store import Store
from goodwill.store.tables import Conversation, SlaPolicy, Teammate, Workspace

SLA = Acting.system("sla")
BATCH = 200


def check_sla(store: Store, *, now: datetime | None = None) -> int:
    """Flag every conversation whose SLA target passed (once per target) and escalate it. Idempotent."""
    now = now or datetime.now(UTC)
    flagged = 0
    while True:
        with store.session() as session:
            query = (
                select(Conversation)
                .where(
                    Conversation.status != ConversationStatus.RESOLVED.value,
                    Conversation.sla_due_at <= now,
                    Conversation.sla_breached_at.is_(None),
                )
                .order_by(Conversation.sla_due_at)
                .limit(BATCH)
            )
            if store.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            batch = list(session.scalars(query))
            for conversation in batch:
                breach(session, conversation, now=now)
        flagged += len(batch)
        if len(batch) < BATCH:
            return flagged


def _policy(session: Session, conversation: Conversation) -> SlaPolicy | None:
    rows = {
        p.intent: p
        for p in session.scalars(
            select(SlaPolicy).where(
                SlaPolicy.workspace_id == conversation.workspace_id,
                SlaPolicy.intent.in_([conversation.intent or "", ""]),
            )
        )
    }
    return rows.get(conversation.intent or "") or rows.get("")


def breach(session: Session, conversation: Conversation, *, now: datetime) -> None:
    """Flag the breach in the timeline, then escalate: raise priority, reassign, notify."""
    conversation.sla_breached_at = now
    data = {
        "target": conversation.sla_target,
        "due_at": conversation.sla_due_at and conversation.sla_due_at.isoformat(),
    }
    row = record_activity(session, conversation, ActivityKind.SLA_BREACHED, acting=SLA, data=data, at=now)
    audit(
        session,
        workspace_id=conversation.workspace_id,
        acting=SLA,
        action="conversation.sla_breached",
        object_type="conversation",
        object_id=conversation.id,
        data=data,
    )
    policy = _policy(session, conversation)
    if policy is not None and policy.escalate_priority is not None and conversation.priority < policy.escalate_priority:
        do_set_priority(session, conversation, policy.escalate_priority, acting=SLA)
    _reassign(session, conversation, policy, now)
    watchers = [conversation.assignee_id] if conversation.assignee_id else _managers(session, conversation.workspace_id)
    notify(session, conversation, watchers, "escalation", row)
    record_activity(
        session,
        conversation,
        ActivityKind.ESCALATED,
        acting=SLA,
        data={"priority": conversation.priority, "assignee_id": conversation.assignee_id, "notified": watchers},
        at=now,
    )
    send_after_commit(session, SlaBreached(conversation.workspace_id, conversation.id, conversation.sla_target or ""))


def _reassign(session: Session, conversation: Conversation, policy: SlaPolicy | None, now: datetime) -> None:
    """To the policy's escalation teammate when they are in; else away from an assignee who is away."""
    target = session.get(Teammate, policy.escalate_to_id) if policy and policy.escalate_to_id else None
    if target is not None and not target.is_away:
        do_assign(session, conversation, target, acting=SLA)
        return
    current = session.get(Teammate, conversation.assignee_id) if conversation.assignee_id else None
    if current is not None and current.is_away:
        workspace = session.get_one(Workspace, conversation.workspace_id)
        do_auto_assign(session, workspace, conversation, acting=SLA, exclude=current.id, now=now)


def _managers(session: Session, workspace_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Teammate.id).where(
                Teammate.workspace_id == workspace_id, Teammate.role.in_([Role.OWNER.value, Role.ADMIN.value])
            )
        )
    )


def wake_snoozed(store: Store, *, now: datetime | None = None) -> int:
    """Reopen conversations snoozed until a time that has come. Idempotent."""
    now = now or datetime.now(UTC)
    with store.session() as session:
        due = list(
            session.scalars(
                select(Conversation).where(
                    Conversation.status == ConversationStatus.SNOOZED.value, Conversation.snoozed_until <= now
                )
            )
        )
        for conversation in due:
            do_set_status(session, conversation, ConversationStatus.OPEN, acting=Acting.system("snooze"), now=now)
    return len(due)
