"""The audit's scans of the message table, each checked against a plain computation of the same figure: the
hour coverage (SQLite counts one string instead of grouping), who answered first (read with the conversation
table), the content mix's stored classifier answers, and SQLite's epoch seconds."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import func, literal_column, select, text, update

from goodwill.analytics import content as c
from goodwill.analytics import responsiveness as r
from goodwill.analytics.scope import Scope, resolve_scope
from goodwill.demo import build_world
from goodwill.domain.enums import Direction
from goodwill.inbox.model import OutboxStatus
from goodwill.publishing.classify import MIX_VERSION, post_mix
from goodwill.publishing.stored_mix import store_post_mix
from goodwill.store import Store
from goodwill.store.tables import Message, Teammate, Triage, Workspace
from goodwill.store.tables_publishing import PostMix
from goodwill.store.tables_replies import Outbox

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)  # 90 days that cross New York's and Lord Howe's clock changes


def _scope(session: Any, since: str = "90d", channel: str | None = None) -> Scope:
    return resolve_scope(session, workspace="demo", since=since, channel=channel)


def _coverage_by_hand(session: Any, scope: Scope) -> tuple[list[int], list[int]]:
    zone = ZoneInfo(scope.workspace.timezone or "UTC")
    inbound, replies = [0] * 24, [0] * 24
    rows = session.execute(
        select(Message.created_at, Message.direction, Message.parent_native_id, Message.private_conversation_id).where(
            Message.channel_id.in_(scope.channel_ids)
        )
    )
    for at, direction, parent, private in rows:
        if not scope.since <= at < scope.until:
            continue
        hour = at.replace(minute=0, second=0, microsecond=0).astimezone(zone).hour  # the UTC hour's start, local
        if direction == Direction.INBOUND.value:
            inbound[hour] += 1
        elif parent is not None or private is not None:
            replies[hour] += 1
    return inbound, replies


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"])
def test_coverage_counts_every_message_by_local_hour(store: Store, zone: str) -> None:
    build_world(store, seed=11, now=NOW)
    with store.session() as session:
        session.execute(update(Workspace).where(Workspace.slug == "demo").values(timezone=zone))
    with store.reader() as session:
        for since, channel in (("90d", None), ("30d", None), ("all", "x"), ("7d", "bluesky")):
            scope = _scope(session, since, channel)
            got = c.coverage(session, scope)
            inbound, replies = _coverage_by_hand(session, scope)
            assert (got["inbound_by_hour"], got["replies_by_hour"]) == (inbound, replies)
            assert got["timezone"] == zone
        assert sum(c.coverage(session, _scope(session))["inbound_by_hour"]) > 500


def _add_tie(store: Store) -> tuple[int, str]:
    """A second brand message at one answered conversation's first response time, written by someone else
    (recorded by the connector), with a higher id than the first: the lower id is the first responder."""
    with store.session() as session:
        first = session.execute(
            text(
                "SELECT m.id, m.conversation_id FROM message m JOIN conversation c ON c.id = m.conversation_id "
                "WHERE m.direction = 'out' AND m.created_at = c.first_response_at ORDER BY m.id LIMIT 1"
            )
        ).one()
        message = session.get_one(Message, first[0])
        session.add(
            Message(
                workspace_id=message.workspace_id,
                channel_id=message.channel_id,
                conversation_id=message.conversation_id,
                identity_id=message.identity_id,
                network=message.network,
                native_id=message.native_id + "-tie",
                parent_native_id=message.parent_native_id,
                private_conversation_id=message.private_conversation_id,
                direction=message.direction,
                kind=message.kind,
                visibility=message.visibility,
                text="Sorted, thanks!",
                created_at=message.created_at,
                received_at=message.received_at,
                detail={"source": {"teammate": "tie@example.com"}},
                raw={},
            )
        )
        return int(first[1]), "tie@example.com"


def test_first_responders_read_with_the_table_are_the_ones_the_join_finds(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    conversation_id, other = _add_tie(store)
    with store.reader() as session:
        for since, channel in (("90d", None), ("30d", "x"), ("all", None)):
            scope = _scope(session, since, channel)
            plain = r.conversation_table(session, scope)
            assert plain.first_by is None
            with_responders = r.responder_table(session, scope)
            assert with_responders.ids.tolist() == plain.ids.tolist()
            mine = r.teammates(session, scope, with_responders)
            assert mine == r.teammates(session, scope, plain)  # the second pass, as before
            assert any(t["conversations_answered_first"] for t in mine)
        table = r.responder_table(session, _scope(session, "all"))
        assert table.first_by is not None
        answered = dict(zip(table.ids.tolist(), table.first_by, strict=True))
        assert answered[conversation_id] not in (None, other)  # the lower message id of the two wins


def test_a_teammate_recorded_with_an_empty_or_numeric_name_gets_only_their_own_conversations(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    with store.session() as session:  # two first replies without an outbox row, recorded by the connector
        rows = session.execute(
            text(
                "SELECT m.id, m.conversation_id FROM message m JOIN conversation c ON c.id = m.conversation_id "
                "WHERE m.direction = 'out' AND m.created_at = c.first_response_at AND m.parent_native_id IS NOT "
                "NULL AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id) ORDER BY m.id LIMIT 2"
            )
        ).all()
        assert len(rows) == 2
        for (mid, _cid), name in zip(rows, ("", 7), strict=True):
            session.execute(update(Message).where(Message.id == mid).values(detail={"source": {"teammate": name}}))
    with store.reader() as session:
        scope = _scope(session, "all")
        table = r.responder_table(session, scope)
        unanswered = int(np.isnan(table.reply).sum())
        assert unanswered > 0  # the case that was credited to the empty name
        for read in (table, r.conversation_table(session, scope)):  # with the table, and the second pass
            found = {t["teammate"]: t for t in r.teammates(session, scope, read)}
            assert found[""]["conversations_answered_first"] == 1
            assert found[""]["replies"] == 1
            assert found["7"]["conversations_answered_first"] == 1 and found["7"]["replies"] == 1
            assert sum(t["conversations_answered_first"] for t in found.values()) == table.ids.size - unanswered


def _outbox_row(message: Message, teammate_id: int, status: str, key: str) -> Outbox:
    return Outbox(
        workspace_id=message.workspace_id,
        conversation_id=message.conversation_id,
        channel_id=message.channel_id,
        idempotency_key=key,
        text=message.text,
        status=status,
        attempts=1,
        next_attempt_at=message.created_at,
        message_id=message.id,
        created_by_id=teammate_id,
        created_at=message.created_at,
        sent_at=message.created_at if status == OutboxStatus.SENT.value else None,
    )


def test_a_reply_with_several_outbox_rows_counts_once_for_the_row_that_was_sent(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    with store.reader() as session:
        scope = _scope(session, "all")
        before = {t["teammate"]: t for t in r.teammates(session, scope, r.responder_table(session, scope))}
    with store.session() as session:  # two first replies, each given two outbox rows by different teammates
        rows = session.execute(
            text(
                "SELECT m.id, m.conversation_id FROM message m JOIN conversation c ON c.id = m.conversation_id "
                "WHERE m.direction = 'out' AND m.created_at = c.first_response_at AND m.parent_native_id IS NOT "
                "NULL ORDER BY m.id LIMIT 2"
            )
        ).all()
        team = dict(session.execute(select(Teammate.email, Teammate.id).order_by(Teammate.id)).tuples().all())
        sent, failed = OutboxStatus.SENT.value, OutboxStatus.FAILED.value
        names = sorted(team)
        first, second = (session.get_one(Message, mid) for mid, _cid in rows)
        # the earlier row was sent, a later one (queued again) failed: the earlier one's teammate
        session.add(_outbox_row(first, team[names[0]], sent, "dup-1a"))
        session.flush()
        session.add(_outbox_row(first, team[names[1]], failed, "dup-1b"))
        # an earlier row failed, the later one was sent: the later one's teammate
        session.add(_outbox_row(second, team[names[1]], failed, "dup-2a"))
        session.flush()
        session.add(_outbox_row(second, team[names[2]], sent, "dup-2b"))
        recorded = [str((m.detail or {}).get("source", {}).get("teammate", r.UNATTRIBUTED)) for m in (first, second)]
    expected = {who: t["replies"] for who, t in before.items()}
    for old, new in zip(recorded, (names[0], names[2]), strict=True):
        expected[old] -= 1
        expected[new] = expected.get(new, 0) + 1
    with store.reader() as session:
        scope = _scope(session, "all")
        table = r.responder_table(session, scope)
        assert table.first_by is not None
        answered = dict(zip(table.ids.tolist(), table.first_by, strict=True))
        assert [answered[cid] for _mid, cid in rows] == [names[0], names[2]]
        for read in (table, r.conversation_table(session, scope)):  # with the table, and the second pass
            found = r.teammates(session, scope, read)
            assert {t["teammate"]: t["replies"] for t in found if t["replies"]} == {
                who: n for who, n in expected.items() if n
            }
            assert sum(t["replies"] for t in found) == sum(t["replies"] for t in before.values())
            assert sum(t["conversations_answered_first"] for t in found) == sum(
                t["conversations_answered_first"] for t in before.values()
            )


def _content(store: Store) -> list[Any]:
    with store.reader() as session:
        scope = _scope(session)
        return [c.content_periods(session, (scope, scope.previous())), c.content(session, _scope(session, "7d", "x"))]


def test_stored_post_mix_gives_the_classifier_answers_and_only_while_current(store: Store) -> None:
    build_world(store, seed=23, now=NOW)
    classified = _content(store)
    with store.session() as session:
        posts = store_post_mix(session)
    assert posts > 100
    with store.session() as session:
        assert store_post_mix(session) == 0  # a sweep again finds nothing to do
        stored = {
            mid: (promotional, selling)
            for mid, promotional, selling in session.execute(
                select(PostMix.message_id, PostMix.promotional, PostMix.selling)
            )
        }
        texts = dict(session.execute(select(Message.id, Message.text).where(Message.id.in_(stored))).tuples().all())
    assert len(stored) == posts
    for mid, (promotional, selling) in stored.items():
        assert post_mix(texts[mid]) == (promotional, selling / 6)
    assert _content(store) == classified

    # a stored answer is read when current: flip them all and the promotional counts follow
    with store.session() as session:
        session.execute(update(PostMix).values(promotional=~PostMix.promotional))
    flipped = _content(store)[0][0]["overall"]
    assert flipped["promotional_posts"] == flipped["posts"] - classified[0][0]["overall"]["promotional_posts"]
    # ... and ignored when made by other rules or from another text
    with store.session() as session:
        session.execute(update(PostMix).values(classifier="mix-older"))
    assert _content(store) == classified
    with store.session() as session:
        session.execute(update(PostMix).values(classifier=MIX_VERSION))
        newest = session.scalar(select(func.max(PostMix.message_id)))
        session.execute(
            update(Message).where(Message.id.in_(list(stored))).values(text=Message.text + " FLASH SALE 50% off")
        )
    edited = _content(store)
    assert edited != classified and edited[0][0]["overall"]["promotional_posts"] == edited[0][0]["overall"]["posts"]
    with store.session() as session:  # the job classifies the edited posts again
        assert store_post_mix(session) == posts
        assert session.get_one(PostMix, newest).promotional is True
    assert _content(store) == edited


def test_sqlite_epoch_is_the_rounded_julianday_it_replaced(sqlite_store: Store) -> None:
    rng = random.Random(5)
    base = datetime(1950, 1, 1, tzinfo=UTC)
    moments = [base + timedelta(microseconds=rng.randrange(0, 150 * 365 * 86400 * 10**6)) for _ in range(20000)]
    texts = [m.strftime("%Y-%m-%d %H:%M:%S.%f") for m in moments]
    texts += ["1969-12-31 23:59:59.999500", "2026-03-08 07:59:59.999500", "2026-01-01 00:00:00.000500", "2026-01-01"]
    values = func.json_each(json.dumps(texts))
    value = literal_column("value")
    scope = Scope(None, (), base, base, "sqlite")  # type: ignore[arg-type]  # epoch needs only the dialect
    with sqlite_store.engine.connect() as conn:
        got = conn.execute(select(scope.epoch(value)).select_from(values)).scalars().all()
        old = func.round((func.julianday(value) - 2440587.5) * 86400.0, 3)
        expected = conn.execute(select(old).select_from(values)).scalars().all()
    assert len(got) == len(texts) and got == expected
    assert Counter(type(v) for v in got) == Counter({float: len(texts)})


def test_coverage_on_sqlite_groups_timestamps_of_another_form_as_before(sqlite_store: Store) -> None:
    build_world(sqlite_store, seed=7, now=NOW)
    with sqlite_store.session() as session:  # one timestamp written without microseconds (not by goodwill)
        mid = session.scalar(select(func.max(Message.id)).where(Message.direction == Direction.INBOUND.value))
        session.execute(text("UPDATE message SET created_at = substr(created_at, 1, 19) WHERE id = :id"), {"id": mid})
    with sqlite_store.reader() as session:
        scope = _scope(session)
        assert scope.since <= session.get_one(Message, mid).created_at < scope.until  # in the period counted
        got = c.coverage(session, scope)
        assert (got["inbound_by_hour"], got["replies_by_hour"]) == _coverage_by_hand(session, scope)
    assert c._count_hours("2026-01-01 00:00:00.000000" * 3) == Counter({"2026-01-01 00": 3})
    assert c._count_hours("2026-01-01 00:00:00.000000" + "2026-01-01 00:00:00") is None
    assert c._count_hours("") == Counter()


def test_praise_and_the_newest_neglected_by_hand(store: Store) -> None:
    build_world(store, seed=23, now=NOW)
    with store.reader() as session:
        rows = session.execute(select(Message, Triage.intent).join(Triage, Triage.message_id == Message.id)).all()
        brand = [m for m in session.scalars(select(Message).where(Message.direction == Direction.OUTBOUND.value))]
        for since, channel in (("90d", None), ("30d", None), ("all", "x")):
            scope = _scope(session, since, channel)
            praise = [
                m
                for m, intent in rows
                if intent == "praise"
                and m.direction == Direction.INBOUND.value
                and m.channel_id in scope.channel_ids
                and scope.since <= m.created_at < scope.until
            ]

            def thanked(p: Message) -> bool:
                return any(
                    o.conversation_id == p.conversation_id
                    and o.created_at >= p.created_at
                    and o.parent_native_id in (p.native_id, None)
                    for o in brand
                )

            neglected = sorted((p for p in praise if not thanked(p)), key=lambda p: (p.created_at, p.id), reverse=True)
            got = r.praise_periods(session, (scope, scope.previous()))[0]
            assert got["praise_messages"] == len(praise) > 0
            assert got["neglected"] == len(neglected) > 0
            assert [n["message_id"] for n in got["recent_neglected"]] == [p.id for p in neglected[:10]]
