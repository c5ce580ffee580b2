"""The audit's new connections (goodwill.analytics.relationships.new_connections_periods) against a plain
computation over every message: each person's first inbound message on the audited channels (the earliest of
all their identities'), in which period it falls, and whether the brand wrote to them within 48 hours. On the
demo world with some identities moved to other people (people with more than one identity), over several
periods and single channels, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from goodwill.analytics.relationships import WELCOME_HOURS, new_connections_periods
from goodwill.analytics.scope import Scope, resolve_scope
from goodwill.demo import build_world
from goodwill.domain.enums import Direction
from goodwill.store import Store
from goodwill.store.tables import Conversation, Identity, Message

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _by_hand(session: Any, scopes: tuple[Scope, ...]) -> list[tuple[int, int]]:
    person_of_identity = dict(session.execute(select(Identity.id, Identity.person_id)).all())
    person_of_conversation = dict(session.execute(select(Conversation.id, Conversation.person_id)).all())
    first: dict[int, datetime] = {}
    sent: dict[int, list[datetime]] = {}
    channels = set(scopes[0].channel_ids)
    rows = session.execute(
        select(Message.channel_id, Message.direction, Message.created_at, Message.identity_id, Message.conversation_id)
    )
    for channel, direction, at, identity, conversation in rows:
        at = _aware(at)
        if direction == Direction.INBOUND.value:
            person = person_of_identity.get(identity)
            if channel in channels and person is not None and (person not in first or at < first[person]):
                first[person] = at
        else:
            person = person_of_conversation.get(conversation)
            if person is not None:
                sent.setdefault(person, []).append(at)
    out = []
    for s in scopes:
        new = [p for p, at in first.items() if s.since <= at < s.until]
        welcomed = [
            p
            for p in new
            if any(timedelta(0) <= at - first[p] <= timedelta(hours=WELCOME_HOURS) for at in sent.get(p, []))
        ]
        out.append((len(new), len(welcomed)))
    return out


def test_new_connections_are_everyones_first_inbound_message(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    with store.session() as session:  # people with two identities: the second one's messages are theirs too
        people = [
            p
            for (p,) in session.execute(
                text("SELECT DISTINCT person_id FROM identity WHERE person_id IS NOT NULL ORDER BY person_id")
            )
        ]
        for a, b in zip(people[5::23], people[6::23], strict=False):
            session.execute(text("UPDATE identity SET person_id = :b WHERE person_id = :a"), {"a": a, "b": b})
        # brand messages written under a person's identity (an odd import): outbound, so never a first message
        identities = [i for (i,) in session.execute(text("SELECT id FROM identity WHERE person_id IS NOT NULL"))]
        brand = [m for (m,) in session.execute(text("SELECT id FROM message WHERE direction = 'out' ORDER BY id"))]
        for m, i in zip(brand[::17], identities[::7], strict=False):
            session.execute(text("UPDATE message SET identity_id = :i WHERE id = :m"), {"i": i, "m": m})
    checked = 0
    with store.reader() as session:
        handles = [h for (h,) in session.execute(text("SELECT handle FROM channel ORDER BY id"))]
        picks: list[dict[str, Any]] = [{"since": s} for s in ("90d", "30d", "7d", "all")]
        picks += [
            {"since": (NOW - timedelta(days=d + 20)).isoformat(), "until": (NOW - timedelta(days=d)).isoformat()}
            for d in (3, 40)
        ]
        picks += [{"since": "90d", "channel": h} for h in handles]
        for pick in picks:
            scope = resolve_scope(session, workspace="demo", **pick)
            scopes = (scope, scope.previous())
            expected = _by_hand(session, scopes)
            got = [(r["new_people"], r["welcomed_within_48h"]) for r in new_connections_periods(session, scopes)]
            assert got == expected, pick
            checked += sum(n for n, _ in got)
    assert checked > 100
