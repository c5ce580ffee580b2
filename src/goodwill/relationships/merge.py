"""One Person across networks: find pairs of People that are one human, with the evidence, and weigh it.

`find_matches(session, workspace_id)` reads every Identity's clues (goodwill.relationships.evidence) and the
texts posted word for word by two People, pairs People that share clues, and scores each pair:
score = 1 - prod(1 - weight) over the pair's evidence. A pair is `strong` when one piece of evidence is
strong on its own (the same e-mail, a verified link, a declared account): only those are merged
automatically. `likely` (score >= 0.7) and `possible` (>= 0.5) pairs are suggestions for a teammate.
A shared name only adds to other evidence: the demo world, like the real one, has strangers sharing a name.

Writing (suggestions, merges) is goodwill.actions.people's job; this module only reads.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Direction
from goodwill.relationships.evidence import Clues, clues_of, fold
from goodwill.store.tables import Identity, Message, Person, Workspace
from goodwill.store.tables_relationships import PersonMerge

WEIGHTS = {
    "email": 1.0,
    "verified_link": 1.0,
    "declared_handle": 1.0,
    "website": 0.7,
    "avatar": 0.6,
    "crosspost": 0.5,
    "handle": 0.5,
    "name": 0.25,
    "similar_name": 0.15,
}
STRONG = {"email", "verified_link", "declared_handle"}
LIKELY, POSSIBLE = 0.7, 0.5
CROWD = 6  # a clue shared by more People than this is not personal (a family website, a common picture)
CROSSPOST_MIN_CHARS = 30
CROSSPOST_WITHIN = timedelta(hours=2)


@dataclass(slots=True)
class Match:
    person_a_id: int  # the smaller id
    person_b_id: int
    evidence: list[dict[str, Any]] = field(default_factory=list)  # {"kind", "detail", "identities": [a, b]}

    @property
    def kinds(self) -> set[str]:
        return {e["kind"] for e in self.evidence}

    @property
    def score(self) -> float:
        miss = 1.0
        for kind in self.kinds:
            miss *= 1.0 - WEIGHTS[kind]
        return round(1.0 - miss, 3)

    @property
    def strength(self) -> str:
        if self.kinds & STRONG:
            return "strong"
        return "likely" if self.score >= LIKELY else "possible" if self.score >= POSSIBLE else "weak"

    def as_dict(self) -> dict[str, Any]:
        return {
            "people": [self.person_a_id, self.person_b_id],
            "score": self.score,
            "strength": self.strength,
            "evidence": self.evidence,
        }


def access_person_by_id(session: Session, workspace: Workspace, person_id: int) -> Person:
    """The person, or NotFound (also for a person of another workspace)."""
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace.id:
        raise NotFound(f"no person {person_id} in workspace {workspace.slug!r}")
    return person


def active_merge_of(session: Session, person_id: int) -> PersonMerge | None:
    """The active merge that folded this person into another, if any."""
    return session.scalar(
        select(PersonMerge).where(PersonMerge.merged_person_id == person_id, PersonMerge.undone_at.is_(None))
    )


def merged_away(session: Session, workspace_id: int) -> set[int]:
    """People merged into another (active merges): they have no identities left and are not listed."""
    return set(
        session.scalars(
            select(PersonMerge.merged_person_id).where(
                PersonMerge.workspace_id == workspace_id, PersonMerge.undone_at.is_(None)
            )
        )
    )


def load_clues(session: Session, workspace_id: int) -> list[Clues]:
    rows = session.scalars(
        select(Identity).where(
            Identity.workspace_id == workspace_id, Identity.person_id.is_not(None), Identity.is_self.is_(False)
        )
    )
    return [clues_of(identity) for identity in rows]


def _pairs(bucket: Iterable[Clues]) -> Iterable[tuple[Clues, Clues]]:
    items = list({c.identity_id: c for c in bucket}.values())
    if len({c.person_id for c in items}) > CROWD:
        return
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a.person_id != b.person_id:
                yield a, b


def _similar_names(a: str, b: str) -> bool:
    """'dana kowalski' and 'dana k', or one name inside the other ('dana' in 'dana kowalski')."""
    wa, wb = a.split(), b.split()
    if not wa or not wb or wa[0] != wb[0]:
        return False
    if len(wa) == 1 or len(wb) == 1:
        return True
    return wa[1][0] == wb[1][0] and (len(wa[1]) == 1 or len(wb[1]) == 1)


class _Collector:
    def __init__(self) -> None:
        self.matches: dict[tuple[int, int], Match] = {}

    def add(self, a: Clues, b: Clues, kind: str, detail: str) -> None:
        key = (min(a.person_id, b.person_id), max(a.person_id, b.person_id))
        match = self.matches.setdefault(key, Match(*key))
        if not any(e["kind"] == kind and e["detail"] == detail for e in match.evidence):
            match.evidence.append(
                {"kind": kind, "detail": detail, "identities": sorted((a.identity_id, b.identity_id))}
            )


def _shared(clues: list[Clues], out: _Collector) -> None:
    buckets: dict[tuple[str, str], list[Clues]] = defaultdict(list)
    for c in clues:
        for email in c.emails:
            buckets[("email", email)].append(c)
        for s in c.websites:
            buckets[("site", s)].append(c)
        for h in c.handles:
            if len(h) >= 5:
                buckets[("handle", h)].append(c)
        for own in c.own:
            buckets[("own", ":".join(own))].append(c)
        for declared in c.declared:
            buckets[("own", ":".join(declared))].append(c)
        if c.avatar:
            buckets[("avatar", c.avatar)].append(c)
    for (kind, value), bucket in buckets.items():
        for a, b in _pairs(bucket):
            if kind == "email":
                out.add(a, b, "email", "the same e-mail address")
            elif kind == "site":
                verified = a.websites[value] or b.websites[value]
                out.add(a, b, "verified_link" if verified else "website", value)
            elif kind == "handle" and a.network != b.network:
                out.add(a, b, "handle", value)
            elif kind == "own" and (a.declared & b.own or b.declared & a.own):
                out.add(a, b, "declared_handle", value)
            elif kind == "avatar":
                out.add(a, b, "avatar", value)


def _names(clues: list[Clues], out: _Collector) -> None:
    """Names only strengthen pairs that other evidence already found."""
    by_person: dict[int, list[Clues]] = defaultdict(list)
    for c in clues:
        by_person[c.person_id].append(c)
    for match in out.matches.values():
        names_a = {c.name for c in by_person[match.person_a_id] if c.name}
        names_b = {c.name for c in by_person[match.person_b_id] if c.name}
        same = names_a & names_b
        ca, cb = by_person[match.person_a_id][0], by_person[match.person_b_id][0]
        if same:
            out.add(ca, cb, "name", sorted(same)[0])
        elif any(_similar_names(x, y) for x in names_a for y in names_b):
            out.add(ca, cb, "similar_name", f"{sorted(names_a)[0]} / {sorted(names_b)[0]}")


def _words_of(text: str) -> str:
    """A post's words without mentions, links and punctuation (networks write mentions their own way)."""
    return fold(re.sub(r"https?://\S+|(?<!\w)@[\w.@-]+", " ", text))


def _crossposts(session: Session, workspace_id: int, clues: list[Clues], out: _Collector) -> None:
    """The same words posted on two networks within two hours by two People (one human posting everywhere;
    strangers repeating a common phrase mostly do it under one post, on one network, or days apart)."""
    by_identity = {c.identity_id: c for c in clues}
    m = Message
    rows = session.execute(
        select(m.text, m.identity_id, m.created_at).where(
            m.workspace_id == workspace_id,
            m.direction == Direction.INBOUND.value,
            func.length(m.text) >= CROSSPOST_MIN_CHARS,
        )
    ).tuples()
    groups: dict[str, list[tuple[Clues, Any]]] = defaultdict(list)
    for text, identity_id, at in rows:
        clue = by_identity.get(identity_id)
        words = _words_of(text)
        if clue is not None and len(words) >= CROSSPOST_MIN_CHARS:
            groups[words].append((clue, at))
    for words, posts in groups.items():
        if len({c.person_id for c, _ in posts}) > CROWD:
            continue  # a slogan or a contest entry, not one human's words
        for i, (a, at_a) in enumerate(posts):
            for b, at_b in posts[i + 1 :]:
                if a.person_id != b.person_id and a.network != b.network and abs(at_b - at_a) <= CROSSPOST_WITHIN:
                    out.add(a, b, "crosspost", words[:80])


def find_matches(session: Session, workspace_id: int) -> list[Match]:
    """Pairs of People that may be one human, strongest first; `weak` pairs are left out."""
    clues = load_clues(session, workspace_id)
    out = _Collector()
    _shared(clues, out)
    _crossposts(session, workspace_id, clues, out)
    _names(clues, out)
    found = [match for match in out.matches.values() if match.strength != "weak"]
    found.sort(key=lambda match: (match.strength != "strong", -match.score, match.person_a_id, match.person_b_id))
    return found
