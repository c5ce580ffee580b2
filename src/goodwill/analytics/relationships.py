"""Relationships in the audit: new connections welcomed, follow-ups after complaints, advocates and risk.

Issue 8 (relationships) will keep stages, advocacy and risk on the Relationship rows; until those rows
exist, this module uses stand-in definitions read straight from messages (docs/audit.md):
advocate = a person who praised us at least twice in the period; at risk = a person with two complaints
in the period, or a complaint we never answered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from goodwill.analytics.responsiveness import Table, opener_intent
from goodwill.analytics.scope import Scope
from goodwill.domain.enums import Direction
from goodwill.store.tables import Conversation, Identity, Message, Relationship, Triage

WELCOME_HOURS = 48
FOLLOW_UP_DAYS = (1, 14)  # a brand message to the person this long after the first reply to a complaint


def new_connections(session: Session, scope: Scope) -> dict[str, Any]:
    """People whose first message ever (on the audited channels) came in the period, and how many of them
    heard from the brand within 48 hours of it."""
    first = (
        select(Identity.person_id.label("person_id"), func.min(Message.created_at).label("at"))
        .join(Identity, Identity.id == Message.identity_id)
        .where(
            Message.channel_id.in_(scope.channel_ids),
            Message.direction == Direction.INBOUND.value,
            Identity.person_id.is_not(None),
        )
        .group_by(Identity.person_id)
        .subquery()
    )
    o = aliased(Message)
    oc = aliased(Conversation)
    welcomed = (
        select(o.id)
        .join(oc, oc.id == o.conversation_id)
        .where(
            oc.person_id == first.c.person_id,
            o.direction == Direction.OUTBOUND.value,
            o.created_at >= first.c.at,
            scope.epoch(o.created_at) <= scope.epoch(first.c.at) + WELCOME_HOURS * 3600,
        )
        .exists()
    )
    inside = scope.within(first.c.at)
    total, done = session.execute(
        select(func.count(), func.count().filter(welcomed)).select_from(first).where(inside)
    ).one()
    total, done = int(total), int(done)
    return {
        "new_people": total,
        "welcomed_within_48h": done,
        "welcome_rate": round(done / total, 4) if total else None,
    }


def follow_ups(session: Session, scope: Scope, table: Table) -> dict[str, Any]:
    """Answered complaints after which the brand wrote to the person again, one to fourteen days later."""
    c = Conversation
    o = aliased(Message)
    oc = aliased(Conversation)
    low, high = (days * 86400 for days in FOLLOW_UP_DAYS)
    answered = scope.epoch(c.first_response_at)
    later = (
        select(o.id)
        .join(oc, oc.id == o.conversation_id)
        .where(
            oc.person_id == c.person_id,
            o.direction == Direction.OUTBOUND.value,
            o.created_at > c.first_response_at,
            scope.epoch(o.created_at) >= answered + low,
            scope.epoch(o.created_at) <= answered + high,
        )
        .exists()
    )
    complaints = table.ids[(table.intent == "complaint") & ~np.isnan(table.reply)]
    wanted = set(complaints.tolist())
    # only answered complaints (the opener's intent, as in the table) pay for the look for a later message
    rows = session.execute(
        select(c.id).where(
            c.channel_id.in_(scope.channel_ids),
            scope.within(c.first_inbound_at),
            c.first_response_at.is_not(None),
            c.person_id.is_not(None),
            opener_intent(c) == "complaint",
            later,
        )
    )
    followed = sum(1 for (cid,) in rows if cid in wanted)
    return {
        "answered_complaints": len(wanted),
        "followed_up": followed,
        "follow_up_rate": round(followed / len(wanted), 4) if wanted else None,
    }


def _people_by_intent(session: Session, scope: Scope, intent: str) -> dict[int, int]:
    query = (
        select(Identity.person_id, func.count())
        .select_from(Message)
        .join(Triage, Triage.message_id == Message.id)
        .join(Identity, Identity.id == Message.identity_id)
        .where(
            Message.channel_id.in_(scope.channel_ids),
            Message.direction == Direction.INBOUND.value,
            Triage.intent == intent,
            Identity.person_id.is_not(None),
            scope.within(Message.created_at),
        )
        .group_by(Identity.person_id)
    )
    return {int(pid): int(n) for pid, n in session.execute(query)}


def advocacy(session: Session, scope: Scope, table: Table) -> dict[str, Any]:
    kept = session.scalar(
        select(func.count()).where(
            Relationship.workspace_id == scope.workspace.id, Relationship.is_advocate | Relationship.at_risk
        )
    )
    if kept:  # issue 8 keeps these flags: report them as they are
        advocates = session.scalar(
            select(func.count()).where(Relationship.workspace_id == scope.workspace.id, Relationship.is_advocate)
        )
        at_risk = session.scalar(
            select(func.count()).where(Relationship.workspace_id == scope.workspace.id, Relationship.at_risk)
        )
        return {"source": "relationships", "advocates": int(advocates or 0), "at_risk": int(at_risk or 0)}
    praising = {p for p, n in _people_by_intent(session, scope, "praise").items() if n >= 2}
    before = {p for p, n in _people_by_intent(session, scope.previous(), "praise").items() if n >= 2}
    active = set(
        session.scalars(
            select(Identity.person_id)
            .join(Message, Message.identity_id == Identity.id)
            .where(
                Message.channel_id.in_(scope.channel_ids),
                Message.direction == Direction.INBOUND.value,
                scope.within(Message.created_at),
            )
            .distinct()
        )
    )
    complaints = _people_by_intent(session, scope, "complaint")
    unanswered = (table.intent == "complaint") & np.isnan(table.reply)
    ignored: set[int] = set()
    if unanswered.any():
        ids = table.ids[unanswered].tolist()
        for start in range(0, len(ids), 500):
            ignored.update(
                p
                for p in session.scalars(
                    select(Conversation.person_id).where(
                        and_(Conversation.id.in_(ids[start : start + 500]), Conversation.person_id.is_not(None))
                    )
                )
                if p is not None
            )
    risky = {p for p, n in complaints.items() if n >= 2} | ignored
    return {
        "source": "stand-in (issue 8 replaces it)",
        "advocates": len(praising),
        "advocates_gained": len(praising - before),
        "advocates_lost": len(before - active),
        "at_risk": len(risky),
    }


def relationships(session: Session, scope: Scope, table: Table, *, full: bool = True) -> dict[str, Any]:
    """With `full=False` (the period before the audited one) only the new connections, which goals use."""
    if not full:
        return {"new_connections": new_connections(session, scope)}
    return {
        "new_connections": new_connections(session, scope),
        "follow_ups": follow_ups(session, scope, table),
        **advocacy(session, scope, table),
    }
