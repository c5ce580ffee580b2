"""Conversation workflow: statuses, snooze, reopen, tags, notes with @mentions, the timeline in one order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id, acting_teammate, check_can_write
from goodwill.actions.conversations import do_add_note, do_resolve, do_snooze, do_tag, do_untag
from goodwill.domain.enums import ConversationStatus
from goodwill.inbox import show_conversation
from goodwill.jobs import wake_snoozed
from goodwill.store.tables import AuditEntry, Notification
from tests.factories import T0, msg
from tests.inbox.conftest import NOW, World


def act(world: World, fn, conversation_id: int, *args, who: str | None = "Ada", **kwargs):
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, conversation_id)
        acting = acting_teammate(session, ws, world.team[who]) if who else None
        return fn(session, conv, *args, acting=acting, **kwargs)


def test_resolve_then_a_new_message_reopens_with_an_activity_row(world: World) -> None:
    world.ingest(msg("1", text="my order is late"))
    conv = world.conversation_of("1")
    assert act(world, do_resolve, conv.id) is True
    assert act(world, do_resolve, conv.id) is False  # idempotent
    assert world.conversation_of("1").status == "resolved"
    world.ingest(msg("2", text="still late", parent="1", root="1", minutes=5))
    again = world.conversation_of("2")
    assert (again.id, again.status, again.resolved_at) == (conv.id, "open", None)
    with world.store.reader() as session:
        kinds = [
            i.kind
            for i in show_conversation(session, workspace=world.workspace, conversation_id=conv.id).timeline
            if i.type == "activity"
        ]
    assert kinds == ["status", "reopened"]


def test_snooze_until_next_message_and_until_a_time(world: World) -> None:
    world.ingest(msg("1", text="where is my refund"), msg("9", text="is it open?", author="u2", minutes=1))
    first, second = world.conversation_of("1"), world.conversation_of("9")
    act(world, do_snooze, first.id, until=None, now=NOW)
    act(world, do_snooze, second.id, until=NOW + timedelta(hours=1), now=NOW)
    assert wake_snoozed(world.store, now=NOW + timedelta(minutes=59)) == 0
    world.ingest(msg("2", text="hello?", parent="1", root="1", minutes=10))
    assert world.conversation_of("1").status == "open"
    assert world.conversation_of("9").status == "snoozed"
    assert wake_snoozed(world.store, now=NOW + timedelta(hours=1)) == 1
    assert world.conversation_of("9").status == "open"
    with pytest.raises(ValueError, match="future"):
        act(world, do_snooze, first.id, until=NOW - timedelta(minutes=1), now=NOW)


def test_tags_notes_and_mentions(world: World) -> None:
    world.ingest(msg("1", text="broken grinder"))
    conv = world.conversation_of("1")
    assert act(world, do_tag, conv.id, ["Warranty", "#grinder"]) == ["warranty", "grinder"]
    assert act(world, do_tag, conv.id, ["warranty"]) == []
    assert act(world, do_untag, conv.id, ["grinder"]) == ["grinder"]
    note = act(world, do_add_note, conv.id, "@ben can you check stock? cc @olive@acme.test", who="Ada")
    assert sorted(note.data["mentions"]) == sorted([world.team["Ben"], world.team["Olive"]])
    with world.store.reader() as session:
        notified = sorted(session.scalars(select(Notification.teammate_id).where(Notification.kind == "mention")))
        audited = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "conversation")))
        view = show_conversation(session, workspace=world.workspace, conversation_id=conv.id)
    assert notified == sorted([world.team["Ben"], world.team["Olive"]])
    assert audited == ["conversation.tag", "conversation.untag", "conversation.note"]
    assert view.summary.tags == ["warranty"]
    assert [i.type for i in view.timeline] == ["message", "activity", "activity", "activity"]
    assert view.timeline[-1].text.startswith("@ben")


def test_viewers_cannot_change_conversations(world: World) -> None:
    world.ingest(msg("1", text="broken"))
    conv = world.conversation_of("1")
    with pytest.raises(PermissionError, match="viewer"):
        act(world, do_add_note, conv.id, "hi", who="Vic")
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        check_can_write(session, ws, acting_teammate(session, ws, world.team["Ada"]))


def test_timeline_orders_messages_and_activity_by_time(world: World) -> None:
    world.ingest(msg("1", text="refund please"), msg("2", text="hello?", parent="1", root="1", minutes=3))
    conv = world.conversation_of("1")
    act(world, do_add_note, conv.id, "looking")
    with world.store.reader() as session:
        view = show_conversation(session, workspace=world.workspace, conversation_id=conv.id)
    times = [i.at for i in view.timeline]
    assert times == sorted(times)
    assert view.timeline[0].message is not None and view.timeline[0].at == T0
    assert view.summary.status == ConversationStatus.OPEN.value
