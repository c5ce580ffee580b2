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
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
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
    process_batch(session, [conversation], now=now)


def process_batch(session: Session, conversations: Sequence[Conversation], *, now: datetime) -> None:
    """`process` for many conversations in one transaction, with the same results as one by one in this
    order: what the conversations' messages say (new inbound facts, newest intent, waiting since), their
    workspaces' rules and SLA policies and their channels' networks are read for the whole batch in a few
    statements first (nothing the conversations' processing writes changes them), then each conversation is
    processed in turn (its rule actions and automatic assignment see the ones before it, as they did)."""
    if not conversations:
        return
    ids = [c.id for c in conversations]
    workspaces = {c.workspace_id: session.get_one(Workspace, c.workspace_id) for c in conversations}
    rules: dict[int, list[Rule]] = {ws: [] for ws in workspaces}
    for rule in session.scalars(
        select(Rule)
        .where(Rule.workspace_id.in_(list(workspaces)), Rule.enabled.is_(True))
        .order_by(Rule.workspace_id, Rule.position, Rule.id)
    ):
        rules[rule.workspace_id].append(rule)
    channels = sorted({c.channel_id for c in conversations})
    networks = {i: n for i, n in session.execute(select(Channel.id, Channel.network).where(Channel.id.in_(channels)))}
    inbound = _new_inbound(session, ids, networks)
    history = _history(session, ids)
    policies = sla.policies_of(session, workspaces)
    for conversation in conversations:
        workspace = workspaces[conversation.workspace_id]
        newest = conversation.rules_through_id
        for message_id, facts in inbound.get(conversation.id, ()):
            newest = max(newest, message_id)
            for rule in rules[workspace.id]:
                if matches(rule.conditions, facts):
                    _apply(session, workspace, conversation, rule, message_id, now)
        conversation.rules_through_id = newest
        _set_columns(conversation, *history.get(conversation.id, (None, None)))
        sla.refresh(session, conversation, now=now, policies=policies)
        if (
            inbox_settings(workspace)["auto_assign"]
            and conversation.assignee_id is None
            and conversation.needs_reply
            and conversation.status == ConversationStatus.OPEN.value
            and not conversation.is_hidden
        ):
            do_auto_assign(session, workspace, conversation, now=now)
        conversation.inbox_pending = False


def _new_inbound(session: Session, ids: list[int], networks: dict[int, str]) -> dict[int, list[tuple[int, Facts]]]:
    """Each conversation's inbound messages past its rules watermark, oldest first, as rule facts."""
    rows = session.execute(
        select(
            Message.conversation_id,
            Conversation.channel_id,
            Message.id,
            Message.text,
            Triage.intent,
            Triage.sentiment,
            Identity.followers,
            Identity.person_id,
        )
        .select_from(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .join(Identity, Identity.id == Message.identity_id)
        .outerjoin(Triage, Triage.message_id == Message.id)
        .where(
            Conversation.id.in_(ids),
            Message.direction == Direction.INBOUND.value,
            Message.id > Conversation.rules_through_id,
        )
        .order_by(Message.conversation_id, Message.id)
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
    found: dict[int, list[tuple[int, Facts]]] = {}
    for r in rows:
        facts = Facts(
            r.text,
            r.intent,
            r.sentiment,
            networks[r.channel_id],
            r.followers,
            frozenset(vip.get(r.person_id, ())),
        )
        found.setdefault(r.conversation_id, []).append((r.id, facts))
    return found


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
    _set_columns(conversation, *_history(session, [conversation.id]).get(conversation.id, (None, None)))


def _set_columns(conversation: Conversation, intent: str | None, waiting_since: datetime | None) -> None:
    conversation.intent = intent
    conversation.waiting_since = waiting_since if conversation.needs_reply else None


def _history(session: Session, ids: list[int]) -> dict[int, tuple[str | None, datetime | None]]:
    """Per conversation, in one statement (a lookup on the conversation's index each): the intent of the
    newest triaged inbound message, and the oldest inbound message since the brand's last reply."""
    inbound = (Message.conversation_id == Conversation.id, Message.direction == Direction.INBOUND.value)
    intent = (
        select(Triage.intent)
        .join(Message, Message.id == Triage.message_id)
        .where(*inbound)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    waiting = (
        select(Message.created_at)
        .where(
            *inbound,
            or_(Conversation.last_outbound_at.is_(None), Message.created_at > Conversation.last_outbound_at),
        )
        .order_by(Message.created_at)
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    rows = session.execute(select(Conversation.id, intent, waiting).where(Conversation.id.in_(ids))).tuples()
    return {conversation_id: (i, w) for conversation_id, i, w in rows}
