"""The SQLite message rows ingest builds directly (goodwill.ingest.rows) equal the bulk writer's conversion of
the same rows as dicts, column for column, for messages of every shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Table

from goodwill.domain import Actor, Direction, Kind, NativeRef, Network, NormalisedMessage, ThreadRefs, Visibility
from goodwill.ingest.pipeline import ChannelRef
from goodwill.ingest.rows import MESSAGE_COLUMNS, _message_row, _message_values
from goodwill.store.bulk import _sqlite_plan, sqlite_times
from goodwill.store.tables import Message, table_of
from tests.factories import msg

NOW = datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=UTC)
CHANNEL = ChannelRef(3, 2, "x", "brand")


def _bulk_form(table: Table, columns: tuple[str, ...], row: dict[str, object]) -> list[object]:
    """The bulk writer's conversion of a dict row (goodwill.store.bulk._Plan.run), value by value."""
    times = sqlite_times()
    plan = _sqlite_plan(table, columns)
    converted = list(plan.values(row))
    for index in plan.times:
        converted[index] = None if converted[index] is None else times(converted[index])
    for index, convert in plan.converters:
        if converted[index] is not None:
            converted[index] = convert(converted[index])
    return converted


def _varied() -> list[NormalisedMessage]:
    plain = msg("1", text="my order is late")
    reply = msg("2", parent="1", root="1", out=True, text="Sorry! DM us")
    private = msg("3", dm="dm-9", text="card number?")
    odd = NormalisedMessage(
        network=Network.MASTODON,
        native=NativeRef(id="109", host="https://example.social", uri="https://example.social/@a/109"),
        kind=Kind.REPLY,
        direction=Direction.INBOUND,
        author=Actor(native_id="a", handle="a@example.social", display_name="Ä 😀", followers=12),
        text='<p>ünïcode 😀 \u0000 and "quotes"</p>',
        text_raw="<p>raw</p>",
        text_format="html",
        language="de",
        created_at=datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),  # not UTC
        edited_at=datetime(2026, 3, 2, 1, 0, tzinfo=timezone(timedelta(hours=2))),
        visibility=Visibility.PUBLIC,
        thread=ThreadRefs(parent=NativeRef("108"), root=NativeRef("100")),
        is_deleted=True,
        is_hidden=False,
        metrics={"likes": 3, "reposts": 0},
        raw={"id": "109", "nested": {"list": [1, 2.5, None, True]}, "emoji": "😀"},
        raw_envelope={"event": "update"},
    )
    return [plain, reply, private, odd]


def test_direct_sqlite_values_equal_the_bulk_writers_conversion_of_the_dict_rows() -> None:
    table = table_of(Message)
    times = sqlite_times()
    for i, message in enumerate(_varied()):
        row = _message_row(message, CHANNEL, 40 + i, 50 + i, NOW)
        assert tuple(row) == MESSAGE_COLUMNS
        converted = _bulk_form(table, MESSAGE_COLUMNS, row)
        direct = _message_values(message, CHANNEL, 40 + i, 50 + i, times(NOW), times)
        assert list(direct) == converted, message.native.id
        assert not any(isinstance(value, bool) for value in direct)  # 0/1: see store.bulk.without_null_columns


def test_direct_sqlite_triage_values_equal_the_bulk_writers_conversion() -> None:
    from goodwill import triage
    from goodwill.ingest.rows import TRIAGE_COLUMNS, _triage_values, triage_row
    from goodwill.store.tables import Triage

    table = table_of(Triage)
    texts = ["my order never came, this is the worst", "thanks!", "", "¿envían a México?", "😀😀"]
    for i, label in enumerate(triage.classify(texts)):
        label.evidence["priority"] = {"text": label.priority, "reach": 1.5}  # as ingest adds it
        row = triage_row(70 + i, label)
        assert tuple(row) == TRIAGE_COLUMNS
        plan = _sqlite_plan(table, TRIAGE_COLUMNS)
        converted = list(plan.values(row))
        for index, convert in plan.converters:
            if converted[index] is not None:
                converted[index] = convert(converted[index])
        assert not plan.times
        assert list(_triage_values(70 + i, label)) == converted, texts[i]
        assert not any(isinstance(value, bool) for value in _triage_values(70 + i, label))


def test_direct_sqlite_conversation_values_equal_the_bulk_writers_conversion() -> None:
    from goodwill.ingest import conversations as convs
    from goodwill.store.tables import Conversation

    table = table_of(Conversation)
    times = sqlite_times()
    east = timezone(timedelta(hours=9))
    fresh = convs.new_state("thread:1", opened_at=NOW)
    folded = convs.new_state("direct:dm-9", opened_at=NOW.astimezone(east))
    convs.fold(
        folded,
        [
            convs.Arrival(NOW, Direction.INBOUND, 7, needs_reply=True, priority=40),
            convs.Arrival(NOW + timedelta(minutes=3), Direction.OUTBOUND, None),
            convs.Arrival(NOW.astimezone(east) + timedelta(hours=1), Direction.INBOUND, 7, needs_reply=True),
        ],
    )
    reopened = {**folded, "status": "resolved", "resolved_at": NOW, "snoozed_until": NOW + timedelta(days=1)}
    for state in (fresh, folded, reopened):
        row = convs.conversation_row(state, 2, 3)
        assert tuple(row) == convs.INSERTED
        converted = _bulk_form(table, convs.INSERTED, row)
        assert list(convs._conversation_values(state, 2, 3, times)) == converted, state["thread_key"]
        assert not any(isinstance(value, bool) for value in convs._conversation_values(state, 2, 3, times))
