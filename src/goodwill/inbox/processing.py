"""What the inbox does with new messages, once ingest has committed them.

Ingest marks each conversation it touches `inbox_pending` inside its own transaction. `process` then, in
one transaction per conversation: runs the rules on each inbound message not seen yet (`rules_through_id`),
refreshes the inbox columns (intent, waiting since, SLA clock), assigns automatically when that is on,
and clears the mark. Running after commit keeps ingest fast and connector-agnostic, and a failing rule can
never lose a message; the durable mark means a crash in between only delays the work (the periodic job
picks it up) and the watermark makes running twice harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import record_activity
from goodwill.actions.audit import Acting, audit
from goodwill.actions.conversations import do_assign, do_hide, do_set_priority, do_snooze, do_tag
from goodwill.actions.team import inbox_settings
from goodwill.domain.enums import ConversationStatus, Direction
from goodwill.inbox import sla
from goodwill.inbox.assignment import do_auto_assign
from goodwill.inbox.model import ActivityKind
from goodwill.inbox.rules import Facts, matches, snooze_until
from goodwill.store.tables import (
    Channel,
    Conversation,
    Identity,
    Message,
    Person,
    Rule,
    Teammate,
    Triage,
    VipEntry,
    Workspace,
)

log = logging.getLogger(__name__)


def process(session: Session, conversation: Conversation, *, now: datetime) -> None:
    """Caller holds the transaction (and, on PostgreSQL, the conversation's row lock)."""
    workspace = session.get_one(Workspace, conversation.workspace_id)
    rules = list(
        session.scalars(
            select(Rule).where(Rule.workspace_id == workspace.id, Rule.enabled.is_(True)).order_by(Rule.position)
        )
    )
    network = session.get_one(Channel, conversation.channel_id).network
    newest = conversation.rules_through_id
    for message_id, facts in _new_inbound(session, conversation, network):
        newest = max(newest, message_id)
        for rule in rules:
            if matches(rule.conditions, facts):
                _apply(session, workspace, conversation, rule, message_id, now)
    conversation.rules_through_id = newest
    refresh_columns(session, conversation)
    sla.refresh(session, conversation, now=now)
    if (
        inbox_settings(workspace)["auto_assign"]
        and conversation.assignee_id is None
        and conversation.needs_reply
        and conversation.status == ConversationStatus.OPEN.value
        and not conversation.is_hidden
    ):
        do_auto_assign(session, workspace, conversation, now=now)
    conversation.inbox_pending = False


def _new_inbound(session: Session, conversation: Conversation, network: str) -> list[tuple[int, Facts]]:
    rows = session.execute(
        select(Message.id, Message.text, Triage.intent, Triage.sentiment, Identity.followers, Identity.person_id)
        .join(Identity, Identity.id == Message.identity_id)
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND.value,
            Message.id > conversation.rules_through_id,
        )
        .order_by(Message.id)
    ).all()
    people = {r.person_id for r in rows if r.person_id is not None}
    vip: dict[int, set[str]] = {p: set() for p in people}
    if people:
        for person_id, list_name in session.execute(
            select(VipEntry.person_id, VipEntry.list_name).where(VipEntry.person_id.in_(people))
        ).tuples():
            vip[person_id].add(list_name)
        for person_id in session.scalars(select(Person.id).where(Person.id.in_(people), Person.is_vip.is_(True))):
            vip[person_id].add("*")
    return [
        (r.id, Facts(r.text, r.intent, r.sentiment, network, r.followers, frozenset(vip.get(r.person_id, ()))))
        for r in rows
    ]


def _apply(
    session: Session, workspace: Workspace, conversation: Conversation, rule: Rule, message_id: int, now: datetime
) -> None:
    acting = Acting(label=f"system:rule:{rule.id}")
    actions: dict[str, Any] = rule.actions
    record_activity(
        session,
        conversation,
        ActivityKind.RULE,
        acting=acting,
        data={"rule_id": rule.id, "rule": rule.name, "message_id": message_id, "actions": actions},
        at=now,
    )
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="rule.applied",
        object_type="conversation",
        object_id=conversation.id,
        data={"rule_id": rule.id, "message_id": message_id, "actions": actions},
    )
    if "tag" in actions:
        do_tag(session, conversation, actions["tag"], acting=acting)
    if "priority" in actions and conversation.priority < actions["priority"]:
        do_set_priority(session, conversation, actions["priority"], acting=acting)
    if actions.get("hide"):
        do_hide(session, conversation, acting=acting)
    if "assign" in actions:
        _assign(session, workspace, conversation, str(actions["assign"]), acting, now)
    if "snooze" in actions:
        do_snooze(session, conversation, until=snooze_until(actions["snooze"], now), acting=acting, now=now)


def _assign(
    session: Session, workspace: Workspace, conversation: Conversation, who: str, acting: Acting, now: datetime
) -> None:
    if who == "auto":
        if conversation.assignee_id is None:
            do_auto_assign(session, workspace, conversation, acting=acting, now=now)
        return
    teammate = session.scalar(select(Teammate).where(Teammate.workspace_id == workspace.id, Teammate.email == who))
    if teammate is None:  # the teammate left: the rule's other actions still apply
        log.warning("rule assigns to %r, who is not a teammate of workspace %s", who, workspace.slug)
        return
    do_assign(session, conversation, teammate, acting=acting)


def refresh_columns(session: Session, conversation: Conversation) -> None:
    """The intent of the newest inbound message and the oldest inbound message still waiting for a reply."""
    intent = session.execute(
        select(Triage.intent)
        .join(Message, Message.id == Triage.message_id)
        .where(Message.conversation_id == conversation.id, Message.direction == Direction.INBOUND.value)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).scalar()
    conversation.intent = intent
    if not conversation.needs_reply:
        conversation.waiting_since = None
        return
    waiting = select(Message.created_at).where(
        Message.conversation_id == conversation.id, Message.direction == Direction.INBOUND.value
    )
    if conversation.last_outbound_at is not None:
        waiting = waiting.where(Message.created_at > conversation.last_outbound_at)
    conversation.waiting_since = session.execute(waiting.order_by(Message.created_at).limit(1)).scalar()
