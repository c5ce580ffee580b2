"""Where each relationship stands, explained: stage, health, advocate, at risk, going cold.

`classify(figures, now)` is a pure function of one person's figures (goodwill.relationships.figures); every
flag comes with the reasons that set it. `recompute(session, workspace_id, now=...)` recomputes every person
of the workspace (or only `person_ids`: the update after new messages) and writes the Relationship row
(stage, health, is_advocate, at_risk) and the RelationshipDetail row beside it. The ingest counters on the
Relationship row (counts, first and last contact) are ingest's and are left alone.

Stages: stranger (no message yet: a target or a connection), aware (one side only has spoken), conversing
(both sides), relationship (two-way over three conversations or more and two weeks or more), advocate (a
relationship, or a conversation, in which they praise and recommend us unprompted and seldom complain).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.domain.enums import Stage
from goodwill.relationships import sql, stored
from goodwill.relationships.figures import DAY, RECENT_DAYS, Figures, Row, by_person, figures_of, load_rows
from goodwill.store.bulk import insert_many, update_many
from goodwill.store.tables import Person, Relationship, table_of
from goodwill.store.tables_relationships import PersonMerge, RelationshipDetail

_R = table_of(Relationship)
_D = table_of(RelationshipDetail)
COLD_MIN_DAYS = 21  # silent at least this long, and three of their usual gaps, to be going cold
ADVOCACY_MIN = 2  # praise messages, at least one of them a recommendation or a share
CHUNK = 500
ACTIVE_SPAN_DAYS = 14
KNOWN_BEFORE = 2  # messages before the recent window: a relationship, not a stranger's first complaint


@dataclass(slots=True)
class State:
    person_id: int
    stage: str
    health: float  # 0..100
    is_advocate: bool
    at_risk: bool
    is_cold: bool
    reasons: dict[str, Any] = field(default_factory=dict)  # why: one entry per flag set, and health's parts


def _days(now: float, at: float | None) -> float | None:
    return None if at is None else max(0.0, (now - at) / DAY)


def _advocacy(f: Figures) -> list[str]:
    """Why this person is an advocate (empty: they are not): praise more than once, and they recommend us or
    share our posts, and they complain seldom."""
    if f.recommendations < 1 or f.praise < ADVOCACY_MIN or f.praise < 2 * f.complaints:
        return []
    why = [f"{f.praise} messages of praise of {f.inbound}, {f.unprompted_praise} unprompted"]
    why.append(f"{f.recommendations} recommending us or sharing our posts")
    if f.complaints:
        why.append(f"only {f.complaints} complaint(s)")
    return why


def _risk(f: Figures, now: float) -> list[str]:
    """Why this relationship is at risk (empty: it is not): a person we knew before the last 30 days, whose
    recent complaints are unanswered or repeated, and whose mood has turned. One complaint from a stranger is
    the inbox's business, not a relationship at risk."""
    recent, before = f.sentiment_recent, f.sentiment_before
    if not f.recent_complaints or recent is None or before is None or recent >= before:
        return []
    if f.said_before < KNOWN_BEFORE:
        return []
    recent_from = now - RECENT_DAYS * DAY
    open_recent = [at for at in f.unresolved if at >= recent_from]
    why = []
    if open_recent:
        why.append(f"{len(open_recent)} complaint(s) in the last {RECENT_DAYS} days still unanswered")
    if f.recent_complaints >= 2:
        why.append(f"{f.recent_complaints} complaints in the last {RECENT_DAYS} days")
    if recent <= before - 0.5:
        why.append(f"sentiment falling: {recent:+.2f} in the last {RECENT_DAYS} days, {before:+.2f} before")
    if why:
        why.append(f"known for longer: {f.said_before} messages before the last {RECENT_DAYS} days")
    return why


def _cold(f: Figures, now: float) -> list[str]:
    """Why this person is going cold (empty: they are not): a two-way history of three conversations or more
    over two weeks or more, then a silence of three of their usual gaps and at least three weeks."""
    if f.conversations < 3 or not f.we_answered or f.last_inbound_at is None or f.first_at is None:
        return []
    span = (f.last_inbound_at - f.first_at) / DAY
    if span < ACTIVE_SPAN_DAYS:
        return []
    gap = span / (f.conversations - 1)
    silent = (now - f.last_inbound_at) / DAY
    if silent < max(COLD_MIN_DAYS, 3 * gap):
        return []
    return [
        f"{f.inbound} messages in {f.conversations} conversations over {span:.0f} days, about one every "
        f"{gap:.0f} days; silent for {silent:.0f} days"
    ]


def _stage(f: Figures, advocate: bool) -> str:
    if f.inbound == 0 and f.outbound == 0:
        return Stage.STRANGER.value
    if advocate:
        return Stage.ADVOCATE.value
    if f.inbound == 0 or f.outbound == 0:
        return Stage.AWARE.value
    span = ((f.last_inbound_at or 0) - (f.first_at or 0)) / DAY
    if f.conversations >= 3 and f.we_answered >= 2 and span >= 14:
        return Stage.RELATIONSHIP.value
    return Stage.CONVERSING.value


WEIGHTS = {
    "recency": 25,
    "frequency": 15,
    "we_answer": 15,
    "they_answer": 10,
    "sentiment": 20,
    "no_open_complaints": 15,
}


def _health(f: Figures, now: float, unresolved: int, explain: bool = True) -> tuple[float, dict[str, float]]:
    """0..100 from recency, frequency, reciprocity both ways, sentiment and open complaints (and, to explain
    it, each part rounded)."""
    last = max((t for t in (f.last_inbound_at, f.last_outbound_at) if t is not None), default=None)
    since = _days(now, last)
    parts = {
        "recency": 0.0 if since is None else math.exp(-since / 30.0),
        "frequency": min(1.0, f.recent_inbound / 4.0),
        "we_answer": f.we_answered / f.their_turns if f.their_turns else 0.5,
        "they_answer": f.they_answered / f.our_turns if f.our_turns else 0.5,
        "sentiment": ((f.sentiment or 0.0) + 1.0) / 2.0,
        "no_open_complaints": 0.0 if unresolved else 1.0,
    }
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(score, 1), {k: round(v, 3) for k, v in parts.items()} if explain else {}


def classify(f: Figures, now: float, *, explain: bool = True) -> State:
    """The state as of `now`; `explain=False` leaves the reasons out (the same flags, stage and health)."""
    advocate, risk, cold = _advocacy(f), _risk(f, now), _cold(f, now)
    health, parts = _health(f, now, len(f.unresolved), explain)
    if not explain:
        return State(f.person_id, _stage(f, bool(advocate)), health, bool(advocate), bool(risk), bool(cold))
    reasons: dict[str, Any] = {"health": parts}
    for name, why in (("advocate", advocate), ("at_risk", risk), ("cold", cold)):
        if why:
            reasons[name] = why
    return State(f.person_id, _stage(f, bool(advocate)), health, bool(advocate), bool(risk), bool(cold), reasons)


def _detail(f: Figures, s: State, workspace_id: int, at: datetime) -> dict[str, Any]:
    return {
        "person_id": f.person_id,
        "workspace_id": workspace_id,
        "conversations": f.conversations,
        "praise": f.praise,
        "recommendations": f.recommendations,
        "complaints": f.complaints,
        "unresolved_complaints": len(f.unresolved),
        "we_answered": round(f.we_answered / f.their_turns, 4) if f.their_turns else None,
        "they_answered": round(f.they_answered / f.our_turns, 4) if f.our_turns else None,
        "sentiment_recent": f.sentiment_recent,
        "sentiment_before": f.sentiment_before,
        "is_cold": s.is_cold,
        "reasons": s.reasons,
        "computed_at": at,
    }


# plain SQL on the update-after-each-message path (see figures._rows_sql)
_HAVE_R = "SELECT person_id, id FROM relationship WHERE workspace_id = :ws AND person_id IN :ids"
_HAVE_D = "SELECT person_id FROM relationship_detail WHERE workspace_id = :ws AND person_id IN :ids"


def _write(
    session: Session,
    workspace_id: int,
    results: list[tuple[Figures, State, list[Any]]],
    at: datetime,
    seen: dict[int, int],
) -> None:
    ids = [f.person_id for f, _, _ in results]
    have_r: dict[int, int] = {}
    have_d: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        params = {"ws": workspace_id, "ids": chunk}
        have_r.update((int(p), int(i)) for p, i in sql.rows(session, _HAVE_R, params))
        have_d.update(int(p) for (p,) in sql.rows(session, _HAVE_D, params))
    r_up: list[dict[str, Any]] = []
    r_new: list[dict[str, Any]] = []
    d_up: list[dict[str, Any]] = []
    d_new: list[dict[str, Any]] = []
    for f, s, figures in results:
        values = {"stage": s.stage, "health": s.health, "is_advocate": s.is_advocate, "at_risk": s.at_risk}
        if f.person_id in have_r:
            r_up.append({"id": have_r[f.person_id], **values, "updated_at": at})
        else:
            r_new.append(_new_relationship(f, workspace_id, values, at))
        detail = _detail(f, s, workspace_id, at)
        detail["figures"], detail["inputs_seen"] = figures, seen.get(f.person_id, 0)
        (d_up if f.person_id in have_d else d_new).append(detail)
    conn = session.connection()
    insert_many(conn, _R, r_new)
    update_many(conn, _R, r_up)
    insert_many(conn, _D, d_new)
    update_many(conn, _D, d_up, key="person_id")


def _new_relationship(f: Figures, workspace_id: int, values: dict[str, Any], at: datetime) -> dict[str, Any]:
    def when(t: float | None) -> datetime | None:
        return None if t is None else datetime.fromtimestamp(t, UTC)

    return {
        "workspace_id": workspace_id,
        "person_id": f.person_id,
        **values,
        "inbound_count": f.inbound,
        "outbound_count": f.outbound,
        "first_contact_at": when(f.first_at),
        "last_inbound_at": when(f.last_inbound_at),
        "last_outbound_at": when(f.last_outbound_at),
        "updated_at": at,
    }


def compute(
    session: Session, workspace_id: int, *, person_ids: Sequence[int] | None = None, now: datetime
) -> list[tuple[Figures, State]]:
    """Figures and state as of `now` for the people (all of the workspace's with a Relationship or a
    message), from the messages up to `now`. No write."""
    return compute_at(session, workspace_id, person_ids=person_ids, moments=[now])[0]


def compute_at(
    session: Session, workspace_id: int, *, person_ids: Sequence[int] | None = None, moments: Sequence[datetime]
) -> list[list[tuple[Figures, State]]]:
    """`compute` for several moments at once (one read of the messages): one result list per moment."""
    epochs = [m.timestamp() for m in moments]
    out: list[list[tuple[Figures, State]]] = [[] for _ in moments]
    for person_id, rows in _people_rows(session, workspace_id, person_ids, until=max(moments)):
        for index, epoch in enumerate(epochs):
            f = figures_of(person_id, rows, epoch)
            out[index].append((f, classify(f, epoch)))
    return out


def _people_rows(
    session: Session, workspace_id: int, person_ids: Sequence[int] | None, *, until: datetime | None
) -> Iterator[tuple[int, list[Row]]]:
    """Each person's rows (up to `until`), then the people asked for (all of the workspace's with a
    Relationship row when None) who have none: a target, a connection, or one whose messages moved away."""
    seen: set[int] = set()
    for person_id, rows in by_person(load_rows(session, workspace_id, person_ids, until=until)):
        yield person_id, rows
        seen.add(person_id)
    quiet: Iterable[int] = (
        session.scalars(select(_R.c.person_id).where(_R.c.workspace_id == workspace_id))
        if person_ids is None
        else person_ids
    )
    for person_id in quiet:
        if person_id not in seen:
            yield person_id, []
            seen.add(person_id)


def recompute(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Sequence[int] | None = None,
    now: datetime | None = None,
    current: bool = False,
) -> list[State]:
    """Compute and store the state of the people (see module doc); returns the states. In the caller's
    transaction. A person merged into another has no Relationship row and no messages left, so the full
    recompute never sees them; asked for by id (after a merge), they are skipped. `current=True` says the
    ids were just read from Identities or Conversations (so they exist and are not merged away), which
    spares the check on the update after each message."""
    now = now or datetime.now(UTC)
    if person_ids is not None and not current:
        wanted = sorted(set(person_ids))
        live: set[int] = set()
        away: set[int] = set()
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            live.update(session.scalars(select(Person.id).where(Person.id.in_(chunk))))
            away.update(
                session.scalars(
                    select(PersonMerge.merged_person_id).where(
                        PersonMerge.merged_person_id.in_(chunk), PersonMerge.undone_at.is_(None)
                    )
                )
            )
        person_ids = [p for p in wanted if p in live and p not in away]
    # the change counters first, then the messages: a change committed after this read moves the counter past
    # what is stored as seen, so the stored figures are never taken for current when they are not
    seen = stored.counters(session, workspace_id, person_ids)
    newest = stored.watermark(session, workspace_id)
    epoch = now.timestamp()
    results = []
    for person_id, rows in _people_rows(session, workspace_id, person_ids, until=None):  # later rows: next_at
        f = figures_of(person_id, rows, epoch)
        results.append((f, classify(f, epoch), stored.dump(f, rows, epoch, newest)))
    _write(session, workspace_id, results, now, seen)
    return [s for _, s, _ in results]
