"""People: merge and un-merge, notes, custom fields and labels, targets, and the relationship recompute.

Every `do_*` runs in the caller's session (one transaction), writes an audit row (object "person") and
queues its event to be sent after commit. A merge is never silent and never final: it records, in its
PersonMerge row, every row it moved and every value it changed, and `do_unmerge` puts exactly those back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, send_after_commit, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound
from goodwill.events import PeopleMerged, PeopleUnmerged, RelationshipsRecomputed
from goodwill.relationships import state
from goodwill.relationships.merge import Match, access_person_by_id, active_merge_of, find_matches
from goodwill.store.tables import (
    Conversation,
    Identity,
    Message,
    Person,
    Relationship,
    VipEntry,
    Workspace,
    table_of,
)
from goodwill.store.tables_relationships import MergeSuggestion, Nudge, PersonMerge, PersonNote, RelationshipDetail

TARGETS = "targets"  # the VIP list of people the brand wants a relationship with
_REL_COLUMNS = (
    "stage",
    "health",
    "inbound_count",
    "outbound_count",
    "first_contact_at",
    "last_inbound_at",
    "last_outbound_at",
    "is_advocate",
    "at_risk",
    "updated_at",
)
_MOVED = tuple(
    (table_of(model), key)
    for model, key in (
        (Identity, "identities"),
        (Conversation, "conversations"),
        (PersonNote, "notes"),
        (Nudge, "nudges"),
        (VipEntry, "vip_moved"),
    )
)
_DETAIL_COLUMNS = tuple(c.name for c in RelationshipDetail.__table__.columns if c.name != "person_id")


def _audit(session: Session, workspace_id: int, acting: Acting, action: str, person_id: int, **data: object) -> None:
    audit(
        session,
        workspace_id=workspace_id,
        acting=acting,
        action=f"person.{action}",
        object_type="person",
        object_id=person_id,
        data=dict(data),
    )


def _json_value(value: Any) -> Any:
    return {"$dt": value.isoformat()} if isinstance(value, datetime) else value


def _from_json(value: Any) -> Any:
    return datetime.fromisoformat(value["$dt"]) if isinstance(value, dict) and "$dt" in value else value


def _row_values(row: Any, columns: Sequence[str]) -> dict[str, Any] | None:
    return None if row is None else {c: _json_value(getattr(row, c)) for c in columns}


def _ids(session: Session, column: Any, where: Any) -> list[int]:
    return sorted(int(i) for i in session.scalars(select(column).where(where)))


def _max_message_id(session: Session, person_id: int) -> int:
    by_identity = session.scalar(
        select(func.max(Message.id))
        .join(Identity, Identity.id == Message.identity_id)
        .where(Identity.person_id == person_id)
    )
    by_conversation = session.scalar(
        select(func.max(Message.id))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.person_id == person_id)
    )
    return max(int(by_identity or 0), int(by_conversation or 0))


def _snapshot(session: Session, kept: Person, merged: Person) -> dict[str, Any]:
    vip_kept = set(session.scalars(select(VipEntry.list_name).where(VipEntry.person_id == kept.id)))
    vips = list(session.scalars(select(VipEntry).where(VipEntry.person_id == merged.id)))
    return {
        "identities": _ids(session, Identity.id, Identity.person_id == merged.id),
        "conversations": _ids(session, Conversation.id, Conversation.person_id == merged.id),
        "notes": _ids(session, PersonNote.id, PersonNote.person_id == merged.id),
        "nudges": _ids(session, Nudge.id, Nudge.person_id == merged.id),
        "vip_moved": sorted(v.id for v in vips if v.list_name not in vip_kept),
        "vip_dropped": [
            {"list_name": v.list_name, "created_at": _json_value(v.created_at)} for v in vips if v.list_name in vip_kept
        ],
        "kept": {
            "display_name": kept.display_name,
            "fields": kept.fields,
            "labels": kept.labels,
            "is_vip": kept.is_vip,
        },
        "relationships": {
            str(p.id): _row_values(
                session.scalar(select(Relationship).where(Relationship.person_id == p.id)), _REL_COLUMNS
            )
            for p in (kept, merged)
        },
        "details": {
            str(p.id): _row_values(session.get(RelationshipDetail, p.id), _DETAIL_COLUMNS) for p in (kept, merged)
        },
        "last_message_id": max(_max_message_id(session, kept.id), _max_message_id(session, merged.id)),
    }


def do_merge_people(
    session: Session,
    workspace: Workspace,
    kept: Person,
    merged: Person,
    *,
    evidence: list[dict[str, Any]] | None = None,
    automatic: bool = False,
    acting: Acting,
    now: datetime | None = None,
) -> PersonMerge:
    """Fold `merged` into `kept`: its identities, conversations, notes, nudges and VIP lists move to `kept`,
    fields and labels are combined (kept's values win), and the relationship is recomputed. Reversible."""
    check_can_write(session, workspace, acting)
    now = now or utcnow()
    for p in (kept, merged):
        if p.workspace_id != workspace.id:
            raise NotFound(f"no person {p.id} in workspace {workspace.slug!r}")
        if active_merge_of(session, p.id) is not None:
            raise ValueError(f"person {p.id} is already merged into another: un-merge it or use that person")
    if kept.id == merged.id:
        raise ValueError("a person cannot be merged into themselves")
    snap = _snapshot(session, kept, merged)
    session.execute(update(Identity).where(Identity.id.in_(snap["identities"])).values(person_id=kept.id))
    session.execute(update(Conversation).where(Conversation.id.in_(snap["conversations"])).values(person_id=kept.id))
    session.execute(update(PersonNote).where(PersonNote.id.in_(snap["notes"])).values(person_id=kept.id))
    session.execute(update(Nudge).where(Nudge.id.in_(snap["nudges"])).values(person_id=kept.id))
    session.execute(update(VipEntry).where(VipEntry.id.in_(snap["vip_moved"])).values(person_id=kept.id))
    for vip in session.scalars(select(VipEntry).where(VipEntry.person_id == merged.id)):
        session.delete(vip)
    kept.fields = {**(merged.fields or {}), **(kept.fields or {})}
    kept.labels = list(dict.fromkeys([*(kept.labels or []), *(merged.labels or [])]))
    kept.is_vip = kept.is_vip or merged.is_vip
    _combine_counters(session, kept.id, merged.id)
    record = PersonMerge(
        workspace_id=workspace.id,
        kept_person_id=kept.id,
        merged_person_id=merged.id,
        automatic=automatic,
        evidence=evidence or [],
        snapshot=snap,
        created_by_id=acting.teammate_id,
        created_at=now,
        undone_at=None,
    )
    session.add(record)
    _set_suggestion(session, workspace.id, kept.id, merged.id, "merged", acting, now)
    session.flush()
    state.recompute(session, workspace.id, person_ids=[kept.id], now=now)
    _audit(
        session,
        workspace.id,
        acting,
        "merge",
        kept.id,
        merged=merged.id,
        merge_id=record.id,
        automatic=automatic,
        evidence=[e.get("kind") for e in evidence or []],
        identities=snap["identities"],
    )
    send_after_commit(session, PeopleMerged(workspace.id, kept.id, merged.id, record.id))
    return record


def _combine_counters(session: Session, kept_id: int, merged_id: int) -> None:
    """Ingest's contact counters of both People add up on the kept one; the merged one's rows go (the
    snapshot holds them)."""
    rows = {
        r.person_id: r
        for r in session.scalars(select(Relationship).where(Relationship.person_id.in_([kept_id, merged_id])))
    }
    gone, kept = rows.get(merged_id), rows.get(kept_id)
    if gone is not None and kept is not None:
        kept.inbound_count += gone.inbound_count
        kept.outbound_count += gone.outbound_count
        kept.first_contact_at = min((t for t in (kept.first_contact_at, gone.first_contact_at) if t), default=None)
        kept.last_inbound_at = max((t for t in (kept.last_inbound_at, gone.last_inbound_at) if t), default=None)
        kept.last_outbound_at = max((t for t in (kept.last_outbound_at, gone.last_outbound_at) if t), default=None)
    elif gone is not None:
        gone.person_id = kept_id
        gone = None
    if gone is not None:
        session.delete(gone)
    detail = session.get(RelationshipDetail, merged_id)
    if detail is not None:
        session.delete(detail)
    session.flush()


def _set_suggestion(
    session: Session, workspace_id: int, a: int, b: int, status: str, acting: Acting, now: datetime
) -> None:
    low, high = min(a, b), max(a, b)
    suggestion = session.scalar(
        select(MergeSuggestion).where(
            MergeSuggestion.workspace_id == workspace_id,
            MergeSuggestion.person_a_id == low,
            MergeSuggestion.person_b_id == high,
        )
    )
    if suggestion is not None:
        suggestion.status, suggestion.decided_at, suggestion.decided_by_id = status, now, acting.teammate_id


def do_unmerge(
    session: Session, workspace: Workspace, merge: PersonMerge, *, acting: Acting, now: datetime | None = None
) -> Person:
    """Undo `merge` exactly: the rows it moved go back, the kept person's name, fields, labels and VIP flag
    are restored, and so are both relationship rows (recomputed instead when messages arrived since).
    The pair's suggestion becomes `rejected`, so the pair is not merged again automatically."""
    check_can_write(session, workspace, acting)
    if merge.workspace_id != workspace.id:
        raise NotFound(f"no merge {merge.id} in workspace {workspace.slug!r}")
    if merge.undone_at is not None:
        raise ValueError(f"merge {merge.id} was already undone")
    later = session.scalar(
        select(PersonMerge.id).where(
            PersonMerge.kept_person_id == merge.kept_person_id,
            PersonMerge.undone_at.is_(None),
            PersonMerge.id > merge.id,
        )
    )
    if later is not None:
        raise ValueError(f"undo the later merge {later} into person {merge.kept_person_id} first")
    now = now or utcnow()
    snap, kept_id, merged_id = merge.snapshot, merge.kept_person_id, merge.merged_person_id
    quiet = _max_message_id(session, kept_id) <= snap["last_message_id"]
    for table, key in _MOVED:
        session.execute(
            update(table).where(table.c.id.in_(snap[key]), table.c.person_id == kept_id).values(person_id=merged_id)
        )
    for vip in snap["vip_dropped"]:
        session.add(
            VipEntry(
                workspace_id=workspace.id,
                list_name=vip["list_name"],
                person_id=merged_id,
                created_at=_from_json(vip["created_at"]),
            )
        )
    kept = session.get_one(Person, kept_id)
    for name, value in snap["kept"].items():
        setattr(kept, name, value)
    merge.undone_at, merge.undone_by_id = now, acting.teammate_id
    session.flush()
    _restore_rows(session, workspace.id, snap, quiet=quiet, now=now)
    _set_suggestion(session, workspace.id, kept_id, merged_id, "rejected", acting, now)
    _audit(session, workspace.id, acting, "unmerge", kept_id, merged=merged_id, merge_id=merge.id, exact=quiet)
    send_after_commit(session, PeopleUnmerged(workspace.id, kept_id, merged_id, merge.id))
    return session.get_one(Person, merged_id)


def _restore_rows(session: Session, workspace_id: int, snap: dict[str, Any], *, quiet: bool, now: datetime) -> None:
    """Put back both Relationship and RelationshipDetail rows as they were before the merge; when messages
    arrived since, the states are recomputed from the messages instead."""
    for key, values in snap["relationships"].items():
        person_id = int(key)
        row = session.scalar(select(Relationship).where(Relationship.person_id == person_id))
        if values is None:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = Relationship(workspace_id=workspace_id, person_id=person_id)
            session.add(row)
        for name, value in values.items():
            setattr(row, name, _from_json(value))
    for key, values in snap["details"].items():
        person_id = int(key)
        detail = session.get(RelationshipDetail, person_id)
        if values is None:
            if detail is not None:
                session.delete(detail)
            continue
        if detail is None:
            detail = RelationshipDetail(person_id=person_id)
            session.add(detail)
        for name, value in values.items():
            setattr(detail, name, _from_json(value))
    session.flush()
    if not quiet:
        state.recompute(session, workspace_id, person_ids=[int(k) for k in snap["relationships"]], now=now)


def do_refresh_merges(
    session: Session, workspace: Workspace, *, acting: Acting, auto_merge: bool = True, now: datetime | None = None
) -> tuple[list[Match], list[PersonMerge]]:
    """Find matching People (goodwill.relationships.merge), store each as a suggestion with its evidence
    (a rejected or merged pair keeps its decision), and merge the `strong` ones when `auto_merge`.
    Returns (matches found, merges made)."""
    check_can_write(session, workspace, acting)
    now = now or utcnow()
    matches = find_matches(session, workspace.id)
    known = {
        (s.person_a_id, s.person_b_id): s
        for s in session.scalars(select(MergeSuggestion).where(MergeSuggestion.workspace_id == workspace.id))
    }
    made: list[PersonMerge] = []
    for match in matches:
        row = known.get((match.person_a_id, match.person_b_id))
        if row is None:
            row = MergeSuggestion(
                workspace_id=workspace.id,
                person_a_id=match.person_a_id,
                person_b_id=match.person_b_id,
                status="open",
                created_at=now,
                score=match.score,
                strength=match.strength,
                evidence=match.evidence,
            )
            session.add(row)
        elif row.status == "open":
            row.score, row.strength, row.evidence = match.score, match.strength, match.evidence
        if auto_merge and match.strength == "strong" and row.status == "open":
            session.flush()
            kept, merged = keeper_of(session, match.person_a_id, match.person_b_id)
            if active_merge_of(session, kept.id) or active_merge_of(session, merged.id):
                continue
            merge = do_merge_people(
                session, workspace, kept, merged, evidence=match.evidence, automatic=True, acting=acting, now=now
            )
            made.append(merge)
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="person.match",
        object_type="workspace",
        object_id=workspace.id,
        data={"matches": len(matches), "merged": [m.id for m in made]},
    )
    return matches, made


def keeper_of(session: Session, a: int, b: int) -> tuple[Person, Person]:
    """The older person is kept (the one the team has known longer)."""
    pa, pb = session.get_one(Person, a), session.get_one(Person, b)
    return (pa, pb) if (pa.created_at, pa.id) <= (pb.created_at, pb.id) else (pb, pa)


def do_reject_suggestion(
    session: Session, workspace: Workspace, suggestion: MergeSuggestion, *, acting: Acting
) -> None:
    """Not one human: the pair is not suggested again."""
    check_can_write(session, workspace, acting)
    if suggestion.workspace_id != workspace.id:
        raise NotFound(f"no suggestion {suggestion.id} in workspace {workspace.slug!r}")
    _set_suggestion(session, workspace.id, suggestion.person_a_id, suggestion.person_b_id, "rejected", acting, utcnow())
    _audit(session, workspace.id, acting, "reject_match", suggestion.person_a_id, other=suggestion.person_b_id)


def do_recompute_relationships(
    session: Session,
    workspace: Workspace,
    *,
    person_ids: Sequence[int] | None = None,
    acting: Acting,
    now: datetime | None = None,
) -> list[state.State]:
    """Recompute relationship states (all, or `person_ids`) as of `now`: stages, health, flags, reasons."""
    now = now or utcnow()
    states = state.recompute(session, workspace.id, person_ids=person_ids, now=now)
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="relationships.recompute",
        object_type="workspace",
        object_id=workspace.id,
        data={"people": len(states), "as_of": now.isoformat()},
    )
    send_after_commit(session, RelationshipsRecomputed(workspace.id, len(states)))
    return states


def people_with_open_suggestions(session: Session, workspace_id: int) -> list[MergeSuggestion]:
    away = select(PersonMerge.merged_person_id).where(PersonMerge.undone_at.is_(None))
    return list(
        session.scalars(
            select(MergeSuggestion)
            .where(
                MergeSuggestion.workspace_id == workspace_id,
                MergeSuggestion.status == "open",
                MergeSuggestion.person_a_id.not_in(away),
                MergeSuggestion.person_b_id.not_in(away),
            )
            .order_by(MergeSuggestion.score.desc(), MergeSuggestion.id)
        )
    )


__all__ = [
    "TARGETS",
    "access_person_by_id",
    "active_merge_of",
    "do_merge_people",
    "do_recompute_relationships",
    "do_refresh_merges",
    "do_reject_suggestion",
    "do_unmerge",
    "people_with_open_suggestions",
]
