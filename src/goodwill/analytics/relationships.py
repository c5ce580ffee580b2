"""Relationships in the audit: new connections welcomed, follow-ups after complaints, and where the
relationships stand (advocates gained and lost, at risk, going cold, stages) from the relationship states of
goodwill.relationships (docs/relationships.md), computed as of the period's start and end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from goodwill.analytics.responsiveness import Table
from goodwill.analytics.scope import Scope
from goodwill.domain.enums import Direction
from goodwill.relationships.columns import STAGES, states_at, stored_columns
from goodwill.relationships.figures import Figures, by_person, figures_of, load_rows
from goodwill.relationships.state import ADVOCACY_MIN, classify
from goodwill.store.tables import Conversation, Identity, Message

WELCOME_HOURS = 48
FOLLOW_UP_DAYS = (1, 14)  # a brand message to the person this long after the first reply to a complaint
CHUNK = 500  # conversation ids per query


def new_connections(session: Session, scope: Scope) -> dict[str, Any]:
    """People whose first message ever (on the audited channels) came in the period, and how many of them
    heard from the brand within 48 hours of it."""
    return new_connections_periods(session, (scope,))[0]


def new_connections_periods(session: Session, scopes: Sequence[Scope]) -> list[dict[str, Any]]:
    """`new_connections` of several periods of the same workspace and channels (the audited period and the
    one before it) from one read of everyone's first message: one GROUP BY over the channels' inbound
    messages instead of one per period."""
    scope = scopes[0]
    assert all(s.workspace is scope.workspace and s.channel_ids == scope.channel_ids for s in scopes)
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
    period = case(*((s.within(first.c.at), index) for index, s in enumerate(scopes)))
    counts = {
        int(index): (int(total), int(done))
        for index, total, done in session.execute(
            select(period, func.count(), func.count().filter(welcomed))
            .select_from(first)
            .where(or_(*(s.within(first.c.at) for s in scopes)))
            .group_by(period)
        )
        if index is not None
    }
    result = []
    for index in range(len(scopes)):
        total, done = counts.get(index, (0, 0))
        result.append(
            {
                "new_people": total,
                "welcomed_within_48h": done,
                "welcome_rate": round(done / total, 4) if total else None,
            }
        )
    return result


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
    wanted = complaints.tolist()
    # the table already knows the answered complaints (their opener's intent, in the period, on the channels):
    # only they pay for the look for a later message, asked for by id in chunks
    followed = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        followed += int(
            session.connection().scalar(
                select(func.count()).select_from(c).where(c.id.in_(chunk), c.person_id.is_not(None), later)
            )
            or 0
        )
    return {
        "answered_complaints": len(wanted),
        "followed_up": followed,
        "follow_up_rate": round(followed / len(wanted), 4) if wanted else None,
    }


def advocacy(session: Session, scope: Scope) -> dict[str, Any]:
    """Advocates, people at risk and going cold, and the stages, from the relationship states
    (goodwill.relationships.state) as of the period's end and start. States are the workspace's (a person is
    one human across every channel), not only the audited channels'.

    The same figures and classification as `compute_at(moments=[since, until])`, with savings that leave every
    number unchanged:
    - each person's state as of the end comes from their stored figures when those are current and hold for
      that moment (goodwill.relationships.stored: counter unmoved since the recompute, no message of theirs
      between the recompute and the end), classified all at once as columns (goodwill.relationships.columns:
      the same operations as `classify`, element by element); everyone else's from their messages, folded
      and classified one by one as before;
    - the state as of the start is only needed for "was an advocate", and the counts advocacy rests on
      (praise, recommendations) only grow with time, so it is computed only for the people whose figures at
      the end could make an advocate; it depends on those counts alone, so for someone with no message
      between the start and the end it is the state as of the end's; the others are folded up to the start;
    - people without a message are in no count (no stage, no health, never an advocate, at risk or cold), so
      they are skipped."""
    start, end = scope.since.timestamp(), scope.until.timestamp()
    ws = scope.workspace.id
    columns, others = stored_columns(session, ws)
    at_end = states_at(columns, end)
    use = at_end.holds & at_end.spoken
    ids = columns.person_id
    now = set(ids[use & at_end.is_advocate].tolist())
    possible = use & (columns.praise >= ADVOCACY_MIN) & (columns.recommendations >= 1)
    wrote_since_start = np.fmax(columns.last_inbound_at, columns.last_outbound_at) > start
    to_fold_at_start = ids[possible & wrote_since_start].tolist()  # a message between start and end
    before = set(ids[possible & ~wrote_since_start & at_end.is_advocate].tolist())  # the same counts at both
    stages = {
        STAGES[index]: int(count) for index, count in enumerate(np.bincount(at_end.stage[use], minlength=len(STAGES)))
    }
    at_risk = int(np.count_nonzero(at_end.at_risk & use))
    going_cold = int(np.count_nonzero(at_end.is_cold & use))
    cold_advocates = int(np.count_nonzero(at_end.is_cold & at_end.is_advocate & use))
    healths: list[float] = []  # the folded people's, rounded (the stored ones' are in at_end.score)
    fold = others | set(ids[~at_end.holds].tolist())
    for person_id, f in _folded_at_end(session, ws, scope, end, fold, len(columns) + len(others)):
        if not (f.inbound or f.outbound):
            continue  # no message up to the end: the fold never sees them
        s = classify(f, end, explain=False)  # the reasons are not read here
        if f.praise >= ADVOCACY_MIN and f.recommendations >= 1:
            last = max(t for t in (f.last_inbound_at, f.last_outbound_at) if t is not None)
            if last > start:
                to_fold_at_start.append(person_id)  # a message between start and end: fold up to the start
            elif s.is_advocate:
                before.add(person_id)  # the same messages at both moments, and advocacy reads only counts
        if s.is_advocate:
            now.add(person_id)
        at_risk += s.at_risk
        going_cold += s.is_cold
        cold_advocates += s.is_cold and s.is_advocate
        stages[s.stage] = stages.get(s.stage, 0) + 1
        healths.append(s.health)
    for chunk in _chunks(sorted(to_fold_at_start)):
        for person_id, rows in by_person(load_rows(session, ws, chunk, until=scope.since)):
            if classify(figures_of(person_id, rows, start), start).is_advocate:
                before.add(person_id)
    # the median of the rounded healths is the rounded median (rounding never reorders; a rounded health
    # rounds to itself): one round() instead of one per person
    scores = np.concatenate([at_end.score[use], np.array(healths, dtype=np.float64)])
    middle = len(scores) // 2
    return {
        "source": "relationship states (goodwill.relationships), as of the period's end",
        "advocates": len(now),
        "advocates_gained": len(now - before),
        "advocates_lost": len(before - now),
        "at_risk": at_risk,
        "going_cold": going_cold,
        "cold_advocates": cold_advocates,
        "stages": dict(sorted((stage, count) for stage, count in stages.items() if count)),
        "median_health": round(float(np.partition(scores, middle)[middle]), 1) if len(scores) else None,
    }


FOLD_ALL_SHARE = 0.2  # more people than this share to fold: one pass over everyone's messages instead


def _folded_at_end(
    session: Session, ws: int, scope: Scope, end: float, fold: set[int], people: int
) -> Iterator[tuple[int, Figures]]:
    """The figures as of the end of the people to `fold` (of `people` in all) from their messages: by person
    when they are few, else in one pass over everyone's."""
    if not fold:
        return
    if len(fold) > FOLD_ALL_SHARE * people:
        rows = by_person(load_rows(session, ws, until=scope.until))
        for person_id, person_rows in rows:
            if person_id in fold:
                yield person_id, figures_of(person_id, person_rows, end)
        return
    for chunk in _chunks(sorted(fold)):
        for person_id, person_rows in by_person(load_rows(session, ws, chunk, until=scope.until)):
            yield person_id, figures_of(person_id, person_rows, end)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for at in range(0, len(ids), CHUNK):
        yield ids[at : at + CHUNK]


def relationships(session: Session, scope: Scope, table: Table, *, full: bool = True) -> dict[str, Any]:
    """With `full=False` (the period before the audited one) only the new connections, which goals use."""
    if not full:
        return {"new_connections": new_connections(session, scope)}
    return {
        "new_connections": new_connections(session, scope),
        "follow_ups": follow_ups(session, scope, table),
        **advocacy(session, scope),
    }
