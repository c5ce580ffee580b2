"""Who wrote it: the authors' reach and relationship, looked up in bulk, folded into the stored priority.

Ingest labels a batch, then calls `add_author_priority` once for the batch: two queries per 500 authors
(followers of the identities with their person's VIP flag and relationship; the person's named VIP lists),
never one per message. Each label's priority becomes `prioritise(...)` of its text priority with the author's
reach and relationship, and ``evidence["priority"]`` keeps the points of each part.

Waiting time is not added here: the inbox ranks waiting conversations by how long they have waited and the
SLA job raises the priority of a conversation that breaches its target, so adding it to the stored figure
would count it twice (and freeze it at the moment of ingest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, select

from goodwill.domain.triage import TriageResult
from goodwill.store.bulk import driver_rows
from goodwill.store.tables import Identity, Person, Relationship, VipEntry, table_of
from goodwill.triage.classifier import prioritise

_I = table_of(Identity)
_P = table_of(Person)
_R = table_of(Relationship)
_V = table_of(VipEntry)
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Author:
    followers: int | None = None
    vip: bool = False
    at_risk: bool = False
    advocate: bool = False


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def authors_of(conn: Connection, workspace_id: int, identity_ids: Iterable[int]) -> dict[int, Author]:
    """Identity id -> the author's followers and relationship, in bulk (the caller holds the transaction)."""
    wanted = sorted(set(identity_ids))
    rows: list[tuple[Any, ...]] = []
    for chunk in _chunks(wanted):
        rows.extend(
            driver_rows(
                conn,
                select(_I.c.id, _I.c.person_id, _I.c.followers, _P.c.is_vip, _R.c.at_risk, _R.c.is_advocate)
                .outerjoin(_P, _P.c.id == _I.c.person_id)
                .outerjoin(_R, and_(_R.c.person_id == _I.c.person_id, _R.c.workspace_id == workspace_id))
                .where(_I.c.id.in_(chunk)),
            )
        )
    people = sorted({r[1] for r in rows if r[1] is not None})
    listed: set[int] = set()
    for chunk in _chunks(people):
        query = select(_V.c.person_id).where(_V.c.workspace_id == workspace_id, _V.c.person_id.in_(chunk))
        listed.update(person_id for (person_id,) in driver_rows(conn, query))
    return {
        identity_id: Author(
            followers=followers, vip=bool(is_vip) or person_id in listed, at_risk=bool(at_risk), advocate=bool(advocate)
        )
        for identity_id, person_id, followers, is_vip, at_risk, advocate in rows
    }


def with_author(label: TriageResult, author: Author | None) -> tuple[int, dict[str, Any]]:
    """The label's priority with its author's reach and relationship (no waiting time), and its evidence."""
    a = author or Author()
    priority, evidence = prioritise(label, followers=a.followers, vip=a.vip, at_risk=a.at_risk, advocate=a.advocate)
    evidence.pop("waited", None)
    if a.followers and "reach" in evidence:
        evidence["followers"] = a.followers
    return priority, evidence


def add_author_priority(
    conn: Connection, workspace_id: int, labels: Mapping[Any, TriageResult], identity_of: Mapping[Any, int]
) -> None:
    """Raise each label's priority (in place) with its author's reach and relationship; ``identity_of`` maps
    each key of ``labels`` to the author's identity id. ``evidence["priority"]`` keeps each part's points."""
    if not labels:
        return
    authors = authors_of(conn, workspace_id, (identity_of[k] for k in labels))
    for key, label in labels.items():
        label.priority, label.evidence["priority"] = with_author(label, authors.get(identity_of[key]))
