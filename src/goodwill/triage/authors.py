"""Who wrote it: the authors' reach and relationship, looked up in bulk, folded into the stored priority.

Ingest labels a batch, then calls `add_author_priority` once for the batch: a few index probes per 500
authors (followers of the identities; their people's VIP flag, named VIP lists and relationship flags),
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

from sqlalchemy import Connection

from goodwill.domain.triage import TriageResult
from goodwill.store.bulk import select_in
from goodwill.store.tables import Identity, Person, Relationship, VipEntry, table_of
from goodwill.triage.classifier import prioritise

_I = table_of(Identity)
_P = table_of(Person)
_R = table_of(Relationship)
_V = table_of(VipEntry)


@dataclass(frozen=True, slots=True)
class Author:
    followers: int | None = None
    vip: bool = False
    at_risk: bool = False
    advocate: bool = False


def authors_of(conn: Connection, workspace_id: int, identity_ids: Iterable[int]) -> dict[int, Author]:
    """Identity id -> the author's followers and relationship, in bulk (the caller holds the transaction)."""
    wanted = sorted(set(identity_ids))
    identities = select_in(
        conn, _I, ("id", "person_id", "followers"), where={"workspace_id": workspace_id}, column="id", values=wanted
    )
    people = sorted({person_id for _, person_id, _ in identities if person_id is not None})
    mine = {"workspace_id": workspace_id}
    vip = {
        person_id
        for person_id, is_vip in select_in(conn, _P, ("id", "is_vip"), where=mine, column="id", values=people)
        if is_vip
    }
    vip.update(
        person_id for (person_id,) in select_in(conn, _V, ("person_id",), where=mine, column="person_id", values=people)
    )
    flags = {
        person_id: (bool(at_risk), bool(advocate))
        for person_id, at_risk, advocate in select_in(
            conn, _R, ("person_id", "at_risk", "is_advocate"), where=mine, column="person_id", values=people
        )
    }
    return {
        identity_id: Author(followers, person_id in vip, *flags.get(person_id, (False, False)))
        for identity_id, person_id, followers in identities
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
