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
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from goodwill.domain.enums import Intent
from goodwill.domain.triage import TriageResult
from goodwill.store.bulk import select_in
from goodwill.store.tables import Identity, Person, Relationship, VipEntry, table_of
from goodwill.triage.classifier import author_points, prioritise

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


def authors_of(
    conn: Connection,
    workspace_id: int,
    identity_ids: Iterable[int],
    *,
    known: Mapping[int, tuple[int | None, int | None]] | None = None,
    new_people: AbstractSet[int] = frozenset(),
) -> dict[int, Author]:
    """Identity id -> the author's followers and relationship, in bulk (the caller holds the transaction).

    Ingest has just read or written every identity of its batch, so it passes what it knows (`known`: identity
    id -> (person id, followers), as stored) and the people it created (`new_people`: no VIP flag, VIP list
    entry or relationship can name them yet); only what is left is looked up."""
    wanted = sorted(set(identity_ids))
    if known is None:
        identities = select_in(
            conn, _I, ("id", "person_id", "followers"), where={"workspace_id": workspace_id}, column="id", values=wanted
        )
    else:
        identities = [(identity_id, *known[identity_id]) for identity_id in wanted]
    people = sorted(
        {person_id for _, person_id, _ in identities if person_id is not None and person_id not in new_people}
    )
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
    conn: Connection,
    workspace_id: int,
    labels: Mapping[Any, TriageResult],
    identity_of: Mapping[Any, int],
    *,
    known: Mapping[int, tuple[int | None, int | None]] | None = None,
    new_people: AbstractSet[int] = frozenset(),
) -> None:
    """Raise each label's priority (in place) with its author's reach and relationship; ``identity_of`` maps
    each key of ``labels`` to the author's identity id (`known`, `new_people`: see `authors_of`).
    ``evidence["priority"]`` keeps each part's points."""
    if not labels:
        return
    authors = authors_of(conn, workspace_id, (identity_of[k] for k in labels), known=known, new_people=new_people)
    with_authors(labels, {key: authors.get(identity_of[key]) for key in labels})


def with_authors(labels: Mapping[Any, TriageResult], author_of: Mapping[Any, Author | None]) -> None:
    """`with_author` for a batch, in place: each label's priority and ``evidence["priority"]`` become what
    `with_author` gives (tested equal), an author's part worked out once per author and reply need. Running it
    again on the same labels changes nothing (a retried batch is not raised twice)."""
    parts: dict[tuple[Author | None, bool], tuple[float, dict[str, Any]]] = {}
    for key, label in labels.items():
        author = author_of[key]
        raised = label.evidence.get("priority")
        if raised is not None:  # raised before: a batch retried after a write conflict (jobs.leases) comes back
            label.priority = raised["text"]  # with the same labels, so start again from the text's priority
        if label.intent is Intent.SPAM:
            label.priority, label.evidence["priority"] = with_author(label, author)
            continue
        part = parts.get((author, label.needs_reply))
        if part is None:
            a = author or Author()
            points, shown, flags = author_points(label.needs_reply, a.followers, a.vip, a.at_risk, a.advocate)
            extra: dict[str, Any] = {"followers": a.followers} if a.followers else {}
            part = parts[(author, label.needs_reply)] = (points, {**shown, **flags, **extra})
        points, shown = part
        label.evidence["priority"] = {"text": label.priority, **shown}
        label.priority = max(0, min(100, round(label.priority + points)))
