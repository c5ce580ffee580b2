"""Workspace inbox policy: rules, VIP lists and SLA policies. Owners and admins only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Intent
from goodwill.inbox.rules import check_actions, check_conditions
from goodwill.store.tables import Conversation, Person, Rule, SlaPolicy, Teammate, VipEntry, Workspace


def _audit(
    session: Session, workspace: Workspace, acting: Acting, action: str, kind: str, oid: object, **data: Any
) -> None:
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=action,
        object_type=kind,
        object_id=oid,
        data=dict(data),
    )


def do_create_rule(
    session: Session,
    workspace: Workspace,
    *,
    name: str,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    acting: Acting,
) -> Rule:
    """A new rule, checked after the existing ones. Conditions and actions are validated first."""
    check_can_manage(session, workspace, acting)
    conditions, actions = check_conditions(conditions), check_actions(actions)
    position = session.scalar(select(func.max(Rule.position)).where(Rule.workspace_id == workspace.id))
    rule = Rule(
        workspace_id=workspace.id,
        name=name.strip() or "rule",
        position=(position or 0) + 1,
        enabled=True,
        conditions=conditions,
        actions=actions,
        created_at=utcnow(),
    )
    session.add(rule)
    session.flush()
    _audit(
        session,
        workspace,
        acting,
        "rule.create",
        "rule",
        rule.id,
        name=rule.name,
        conditions=conditions,
        actions=actions,
    )
    return rule


def access_rule_by_id(session: Session, workspace: Workspace, rule_id: int) -> Rule:
    rule = session.get(Rule, rule_id)
    if rule is None or rule.workspace_id != workspace.id:
        raise NotFound(f"no rule {rule_id} in workspace {workspace.slug!r}")
    return rule


def do_set_rule_enabled(session: Session, workspace: Workspace, rule: Rule, *, enabled: bool, acting: Acting) -> None:
    check_can_manage(session, workspace, acting)
    rule.enabled = enabled
    _audit(session, workspace, acting, "rule.enable" if enabled else "rule.disable", "rule", rule.id)


def do_delete_rule(session: Session, workspace: Workspace, rule: Rule, *, acting: Acting) -> None:
    check_can_manage(session, workspace, acting)
    _audit(session, workspace, acting, "rule.delete", "rule", rule.id, name=rule.name)
    session.delete(rule)


def do_add_vip(session: Session, workspace: Workspace, person: Person, *, list_name: str, acting: Acting) -> bool:
    """Put a person on a named VIP list. Idempotent."""
    check_can_manage(session, workspace, acting)
    if person.workspace_id != workspace.id:
        raise NotFound(f"no person {person.id} in workspace {workspace.slug!r}")
    list_name = list_name.strip().lower()
    found = session.scalar(
        select(VipEntry).where(
            VipEntry.workspace_id == workspace.id, VipEntry.list_name == list_name, VipEntry.person_id == person.id
        )
    )
    if found is not None:
        return False
    session.add(VipEntry(workspace_id=workspace.id, list_name=list_name, person_id=person.id, created_at=utcnow()))
    _audit(session, workspace, acting, "vip.add", "person", person.id, list=list_name)
    return True


def do_set_sla_policy(
    session: Session,
    workspace: Workspace,
    *,
    intent: str = "",
    ack_minutes: int | None,
    response_minutes: int | None,
    resolution_minutes: int | None,
    escalate_priority: int | None = None,
    escalate_to: Teammate | None = None,
    acting: Acting,
) -> SlaPolicy:
    """Targets for one intent ("" for the workspace default); None turns a target off. Replaces the old one."""
    check_can_manage(session, workspace, acting)
    if intent and intent not in {i.value for i in Intent}:
        raise ValueError(f"intent {intent!r} is not one of {', '.join(i.value for i in Intent)}")
    for value in (ack_minutes, response_minutes, resolution_minutes):
        if value is not None and value <= 0:
            raise ValueError("SLA targets are minutes of business time, more than 0")
    if escalate_priority is not None and not 0 <= escalate_priority <= 100:
        raise ValueError("escalation priority runs from 0 to 100")
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.workspace_id == workspace.id, SlaPolicy.intent == intent))
    if policy is None:
        policy = SlaPolicy(workspace_id=workspace.id, intent=intent, created_at=utcnow())
        session.add(policy)
    policy.ack_minutes = ack_minutes
    policy.response_minutes = response_minutes
    policy.resolution_minutes = resolution_minutes
    policy.escalate_priority = escalate_priority
    policy.escalate_to_id = escalate_to.id if escalate_to else None
    session.flush()
    reopen = update(Conversation).where(Conversation.workspace_id == workspace.id, Conversation.status != "resolved")
    if intent:
        reopen = reopen.where(Conversation.intent == intent)
    session.execute(reopen.values(inbox_pending=True))  # the inbox job recomputes their clocks
    _audit(
        session,
        workspace,
        acting,
        "sla.policy",
        "sla_policy",
        policy.id,
        intent=intent,
        ack=ack_minutes,
        response=response_minutes,
        resolution=resolution_minutes,
        escalate_priority=escalate_priority,
        escalate_to=policy.escalate_to_id,
    )
    return policy
