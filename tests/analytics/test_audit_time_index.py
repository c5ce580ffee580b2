"""The brand's replies by time (ix_message_reply_time, migration 0013) and how the audit reads a period: the
newest replies are picked from that index, the reads of every reply or message of a period that is most of
the history read the table in one pass, and every figure is the same either way. Also the hour counts of
SQLite's timestamp strings (numpy) against a plain Counter."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, or_, select, text
from sqlalchemy.dialects import sqlite

from goodwill.analytics import content as c
from goodwill.analytics import responsiveness as r
from goodwill.analytics.scope import first_reply, resolve_scope
from goodwill.demo import build_world
from goodwill.store import Store
from goodwill.store.tables import REPLY_CONDITION, Message

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def test_hour_counts_of_timestamp_strings_equal_a_plain_counter() -> None:
    rng = random.Random(5)
    start = datetime(1999, 12, 31, 22, tzinfo=UTC)
    stamps = [
        (start + timedelta(seconds=rng.randrange(0, 40 * 365 * 86400), microseconds=rng.randrange(10**6))).strftime(
            "%Y-%m-%d %H:%M:%S.%f"
        )
        for _ in range(5000)
    ]
    stamps += ["2024-02-29 23:59:59.999999", "2025-12-31 23:00:00.000000", "2026-01-01 00:00:00.000000"]
    assert c._count_hours("".join(stamps)) == Counter(s[:13] for s in stamps)
    good = "2026-01-01 00:00:00.000000"
    for bad in (
        good.replace("-", "/", 1),
        good.replace(" ", "T"),
        good.replace("01", "0a", 1),
        good.replace(":", ".", 1),
        good.replace(".", ",", 1),
        good[:-1] + "/",  # a byte just below "0"
        good[:-1] + "é",
        good.replace("-01-", "-13-", 1),  # no month 13
        good.replace("-01 ", "-00 ", 1),  # no day 0
        good.replace(" 00:", " 24:", 1),  # no hour 24
    ):
        assert c._count_hours(good + bad) is None, bad


def _sql(query: Any) -> str:
    return str(query.compile(dialect=sqlite.dialect()))


def test_most_of_history_decides_how_a_period_is_read(sqlite_store: Store) -> None:
    build_world(sqlite_store, seed=7, now=NOW)
    reply = or_(Message.parent_native_id.is_not(None), Message.private_conversation_id.is_not(None))
    with sqlite_store.reader() as session:
        whole = resolve_scope(session, workspace="demo", since="all")
        week = resolve_scope(session, workspace="demo", since="7d")
        first = session.scalar(select(func.min(Message.created_at)).where(Message.direction == "out", reply))
        assert first_reply(session, whole.channel_ids) == first == whole.replies_from
        assert first_reply(session, []) is None
    assert whole.most_of_history and not week.most_of_history
    assert not week.previous().most_of_history
    assert "(+ message.created_at) >=" in _sql(select(Message.id).where(whole.within_rows(Message.created_at)))
    assert "(+ message" not in _sql(select(Message.id).where(week.within_rows(Message.created_at)))
    assert "(+ message" not in _sql(select(Message.id).where(whole.within(Message.created_at)))
    postgres = dataclasses.replace(whole, dialect="postgresql")
    assert postgres.for_rows(Message.created_at) is Message.created_at  # PostgreSQL chooses by its statistics
    without = dataclasses.replace(whole, replies_from=None)
    assert not without.most_of_history


def test_figures_are_the_same_whichever_way_the_period_is_read(store: Store) -> None:
    build_world(store, seed=11, now=NOW)
    with store.reader() as session:
        for since, channel in (("all", None), ("90d", None), ("7d", None), ("all", "x")):
            scope = resolve_scope(session, workspace="demo", since=since, channel=channel)
            table = r.responder_table(session, scope)
            figures = []
            for replies_from in (scope.since - timedelta(days=3650), scope.since):  # not most / most of history
                other = dataclasses.replace(scope, replies_from=replies_from)
                assert other.most_of_history == (replies_from == scope.since)
                figures.append(
                    (
                        r.teammates(session, other, table),
                        r.praise_periods(session, (other, other.previous())),
                        c.coverage(session, other),
                        c.voice(session, other, table),
                    )
                )
            assert figures[0] == figures[1]
            assert figures[0][0] and figures[0][1][0]["praise_messages"] > 0  # not vacuous


def test_the_newest_replies_are_picked_from_the_index_of_replies_by_time(sqlite_store: Store) -> None:
    build_world(sqlite_store, seed=7, now=NOW)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    with sqlite_store.reader() as session:
        scope = resolve_scope(session, workspace="demo", since="all")
        table = r.conversation_table(session, scope)
        event.listen(sqlite_store.engine, "before_cursor_execute", capture)
        try:
            c.voice(session, scope, table)
            c.coverage(session, scope)
        finally:
            event.remove(sqlite_store.engine, "before_cursor_execute", capture)
        plans = [
            " / ".join(row[3] for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            for sql, params in statements
        ]
    assert "INDEX ix_message_reply_time (created_at>? AND created_at<?)" in plans[0]  # voice: a bounded walk
    assert plans[1] == "SCAN message"  # coverage: one pass (not a look-up per message from another index)


def test_migration_builds_the_partial_index_of_replies(store: Store) -> None:
    with store.engine.connect() as conn:
        indexes = {ix["name"]: ix for ix in inspect(conn).get_indexes("message")}
    assert indexes["ix_message_reply_time"]["column_names"] == ["created_at", "channel_id"]
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ix_message_reply_time'"))
        assert sql.endswith(f"WHERE {REPLY_CONDITION}")
