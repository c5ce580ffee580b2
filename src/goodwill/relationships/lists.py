"""The people lists: advocates, at risk, going cold, targets, VIPs (and everyone), from the stored states.

Read only, from the Relationship and RelationshipDetail rows that goodwill.relationships.state wrote; call
`recompute` first (the CLI does) for states as of now. Each row carries the reasons behind its flags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from goodwill.store.tables import Identity, Person, Relationship, VipEntry, Workspace
from goodwill.store.tables_relationships import RelationshipDetail

TARGETS = "targets"
LISTS = ("advocates", "at-risk", "cold", "targets", "vips", "all")


@dataclass(slots=True)
class PersonRow:
    id: int
    name: str
    networks: list[str]
    stage: str
    health: float | None
    is_advocate: bool
    at_risk: bool
    is_cold: bool
    lists: list[str]
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    reasons: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("last_inbound_at", "last_outbound_at"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def _condition(which: str, workspace_id: int) -> ColumnElement[bool]:
    r, d = Relationship, RelationshipDetail
    on_list = select(VipEntry.person_id).where(VipEntry.workspace_id == workspace_id)
    if which == "advocates":
        return r.is_advocate.is_(True)
    if which == "at-risk":
        return r.at_risk.is_(True)
    if which == "cold":
        return d.is_cold.is_(True)
    if which == "targets":
        return r.person_id.in_(on_list.where(VipEntry.list_name == TARGETS))
    if which == "vips":
        return or_(Person.is_vip.is_(True), r.person_id.in_(on_list.where(VipEntry.list_name != TARGETS)))
    return r.id.is_not(None)


def people_list(session: Session, workspace: Workspace, which: str, *, limit: int = 50) -> tuple[list[PersonRow], int]:
    """(rows, total) for one list, the most telling first: advocates by health, at risk and cold by the
    longest silence, targets and VIPs by health."""
    if which not in LISTS:
        raise ValueError(f"list {which!r}: one of {', '.join(LISTS)}")
    r, d = Relationship, RelationshipDetail
    where = (r.workspace_id == workspace.id, _condition(which, workspace.id))
    base = select(r, d, Person).join(Person, Person.id == r.person_id).outerjoin(d, d.person_id == r.person_id)
    if which in ("at-risk", "cold"):
        order: tuple[Any, ...] = (r.health.asc(), r.person_id)
    else:
        order = (r.health.desc(), r.person_id)
    total = session.scalar(
        select(func.count())
        .select_from(r)
        .join(Person, Person.id == r.person_id)
        .outerjoin(d, d.person_id == r.person_id)
        .where(*where)
    )
    rows = list(session.execute(base.where(*where).order_by(*order).limit(limit)).tuples())
    ids = [rel.person_id for rel, _, _ in rows]
    networks: dict[int, set[str]] = {}
    for pid, network in session.execute(
        select(Identity.person_id, Identity.network).where(Identity.person_id.in_(ids))
    ):
        networks.setdefault(pid, set()).add(network)
    lists: dict[int, set[str]] = {}
    for pid, name in session.execute(select(VipEntry.person_id, VipEntry.list_name).where(VipEntry.person_id.in_(ids))):
        lists.setdefault(pid, set()).add(name)
    out = [
        PersonRow(
            rel.person_id,
            person.display_name,
            sorted(networks.get(rel.person_id, ())),
            rel.stage,
            rel.health,
            rel.is_advocate,
            rel.at_risk,
            bool(detail and detail.is_cold),
            sorted(lists.get(rel.person_id, set()) | ({"vip"} if person.is_vip else set())),
            rel.last_inbound_at,
            rel.last_outbound_at,
            dict(detail.reasons) if detail else {},
        )
        for rel, detail, person in rows
    ]
    return out, int(total or 0)
