"""One person across networks in one view: who they are, where the relationship stands, and everything that
happened with them, oldest first.

`person_view(session, workspace, person_id)` reads: the Person (name, custom fields, labels, VIP lists), their
Identities, the Relationship row with its explanation, open merge suggestions and nudges, and a timeline
merging every message they wrote or the brand wrote in their conversations (any network), the activity in
those conversations (assigned, resolved, notes), notes on the person, and the audited actions on the person
(merged, labelled, field set, nudges done). Read only; a fixed number of queries.
A person merged into another is shown as such, with the id to look at instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from goodwill.domain.enums import Direction
from goodwill.relationships.merge import access_person_by_id, active_merge_of
from goodwill.store.tables import (
    Activity,
    AuditEntry,
    Conversation,
    Identity,
    Message,
    Relationship,
    Triage,
    VipEntry,
    Workspace,
)
from goodwill.store.tables_relationships import MergeSuggestion, Nudge, PersonMerge, PersonNote, RelationshipDetail

TIMELINE_LIMIT = 500  # newest items kept when a person has more


@dataclass(frozen=True, slots=True)
class PersonItem:
    type: str  # message | activity | note | action
    at: datetime
    network: str | None = None
    direction: str | None = None
    author: str | None = None
    text: str | None = None
    kind: str | None = None  # message kind, activity kind, or audited action
    intent: str | None = None
    sentiment: str | None = None
    conversation_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return {k: v for k, v in out.items() if v not in (None, {}, "")}


@dataclass(slots=True)
class PersonView:
    id: int
    display_name: str
    merged_into: int | None
    fields: dict[str, Any]
    labels: list[str]
    lists: list[str]  # VIP lists, "targets" among them
    identities: list[dict[str, Any]]
    relationship: dict[str, Any] | None
    merges: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    nudges: list[dict[str, Any]]
    timeline: list[PersonItem]

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "timeline"}
        data["timeline"] = [item.as_dict() for item in self.timeline]
        out: dict[str, Any] = _isoformat(data)
        return out


def _isoformat(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _isoformat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_isoformat(v) for v in value]
    return value


def relationship_of(session: Session, person_id: int) -> dict[str, Any] | None:
    row = session.scalar(select(Relationship).where(Relationship.person_id == person_id))
    if row is None:
        return None
    detail = session.get(RelationshipDetail, person_id)
    out: dict[str, Any] = {
        "stage": row.stage,
        "health": row.health,
        "is_advocate": row.is_advocate,
        "at_risk": row.at_risk,
        "inbound": row.inbound_count,
        "outbound": row.outbound_count,
        "first_contact_at": row.first_contact_at,
        "last_inbound_at": row.last_inbound_at,
        "last_outbound_at": row.last_outbound_at,
    }
    if detail is not None:
        out |= {
            "is_cold": detail.is_cold,
            "conversations": detail.conversations,
            "praise": detail.praise,
            "recommendations": detail.recommendations,
            "complaints": detail.complaints,
            "unresolved_complaints": detail.unresolved_complaints,
            "we_answered": detail.we_answered,
            "they_answered": detail.they_answered,
            "sentiment_recent": detail.sentiment_recent,
            "sentiment_before": detail.sentiment_before,
            "reasons": detail.reasons,
            "computed_at": detail.computed_at,
        }
    return out


def _messages(session: Session, person_id: int, identity_ids: list[int]) -> list[PersonItem]:
    m = Message
    author = Identity
    rows = session.execute(
        select(m, Triage.intent, Triage.sentiment, author.display_name, author.handle)
        .join(Conversation, Conversation.id == m.conversation_id)
        .join(author, author.id == m.identity_id)
        .outerjoin(Triage, Triage.message_id == m.id)
        .where(
            or_(
                m.identity_id.in_(identity_ids),
                and_(Conversation.person_id == person_id, m.direction == Direction.OUTBOUND.value),
            )
        )
        .order_by(m.created_at.desc(), m.id.desc())
        .limit(TIMELINE_LIMIT)
    ).tuples()
    return [
        PersonItem(
            "message",
            msg.created_at,
            msg.network,
            msg.direction,
            name or handle,
            msg.text,
            msg.kind,
            intent,
            sentiment,
            msg.conversation_id,
        )
        for msg, intent, sentiment, name, handle in rows
    ]


def _activity(session: Session, person_id: int) -> list[PersonItem]:
    rows = session.scalars(
        select(Activity)
        .join(Conversation, Conversation.id == Activity.conversation_id)
        .where(Conversation.person_id == person_id)
        .order_by(Activity.created_at.desc())
        .limit(TIMELINE_LIMIT)
    )
    return [
        PersonItem(
            "activity",
            a.created_at,
            author=a.actor_label,
            text=a.text,
            kind=a.kind,
            conversation_id=a.conversation_id,
            data=a.data,
        )
        for a in rows
    ]


def _notes_and_actions(session: Session, workspace_id: int, person_id: int) -> list[PersonItem]:
    items = [
        PersonItem("note", n.created_at, author=n.author_label, text=n.text, kind="note")
        for n in session.scalars(select(PersonNote).where(PersonNote.person_id == person_id))
    ]
    nudge_ids = [str(i) for i in session.scalars(select(Nudge.id).where(Nudge.person_id == person_id))]
    audited = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.workspace_id == workspace_id,
            or_(
                and_(AuditEntry.object_type == "person", AuditEntry.object_id == str(person_id)),
                and_(AuditEntry.object_type == "nudge", AuditEntry.object_id.in_(nudge_ids)),
            ),
            AuditEntry.action != "person.note",  # the note itself is shown
        )
        .order_by(AuditEntry.created_at.desc())
        .limit(TIMELINE_LIMIT)
    )
    items += [PersonItem("action", e.created_at, author=e.actor_label, kind=e.action, data=e.data) for e in audited]
    return items


def person_view(session: Session, workspace: Workspace, person_id: int) -> PersonView:
    person = access_person_by_id(session, workspace, person_id)
    merge = active_merge_of(session, person.id)
    identities = list(session.scalars(select(Identity).where(Identity.person_id == person.id).order_by(Identity.id)))
    timeline = _messages(session, person.id, [i.id for i in identities]) if identities else []
    timeline += _activity(session, person.id) + _notes_and_actions(session, workspace.id, person.id)
    timeline.sort(key=lambda item: item.at)
    merges = session.scalars(
        select(PersonMerge).where(
            or_(PersonMerge.kept_person_id == person.id, PersonMerge.merged_person_id == person.id)
        )
    )
    suggestions = session.scalars(
        select(MergeSuggestion).where(
            or_(MergeSuggestion.person_a_id == person.id, MergeSuggestion.person_b_id == person.id),
            MergeSuggestion.status == "open",
        )
    )
    nudges = session.scalars(select(Nudge).where(Nudge.person_id == person.id, Nudge.status.in_(("open", "snoozed"))))
    return PersonView(
        id=person.id,
        display_name=person.display_name,
        merged_into=merge.kept_person_id if merge else None,
        fields=dict(person.fields or {}),
        labels=list(person.labels or []),
        lists=sorted(set(session.scalars(select(VipEntry.list_name).where(VipEntry.person_id == person.id))))
        + (["vip"] if person.is_vip else []),
        identities=[
            {
                "id": i.id,
                "network": i.network,
                "handle": i.handle,
                "display_name": i.display_name,
                "profile_url": i.profile_url,
                "followers": i.followers,
            }
            for i in identities
        ],
        relationship=relationship_of(session, person.id),
        merges=[
            {
                "id": m.id,
                "kept": m.kept_person_id,
                "merged": m.merged_person_id,
                "automatic": m.automatic,
                "evidence": m.evidence,
                "at": m.created_at,
                "undone_at": m.undone_at,
            }
            for m in merges
        ],
        suggestions=[
            {
                "id": s.id,
                "other": s.person_b_id if s.person_a_id == person.id else s.person_a_id,
                "score": s.score,
                "strength": s.strength,
                "evidence": s.evidence,
            }
            for s in suggestions
        ],
        nudges=[{"id": n.id, "kind": n.kind, "status": n.status, "why": n.why, "draft": n.draft} for n in nudges],
        timeline=timeline[-TIMELINE_LIMIT:],
    )
