"""Replies go out exactly once: outbox row first, a worker sends, crashes and retries never post twice."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id, acting_teammate
from goodwill.actions.replies import do_reply, do_retry_reply
from goodwill.connectors.local import read_posts
from goodwill.inbox import show_conversation
from goodwill.jobs import send_due
from goodwill.jobs.outbox import LEASE
from goodwill.store.tables import Channel, Message
from goodwill.store.tables_replies import Outbox
from tests.factories import msg
from tests.inbox.conftest import NOW, World


class Crash(BaseException):
    """The worker process dying (not an Exception: nothing may catch it)."""


def reply(world: World, native_id: str, text: str = "So sorry! DMing you now.", key: str | None = None) -> int:
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, world.conversation_of(native_id).id)
        row = do_reply(
            session,
            ws,
            conv,
            text,
            acting=acting_teammate(session, ws, world.team["Ada"]),
            idempotency_key=key,
            now=NOW,
        )
        return row.id


def posted(world: World) -> list[dict]:
    return [r for r in read_posts(world.posts_file) if not r.get("failed")]


def outbound_count(world: World) -> int:
    with world.store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message).where(Message.direction == "out")) or 0)


def test_reply_is_queued_before_sending_then_sent_once_and_stored(world: World) -> None:
    world.ingest(msg("1", text="my refund is late"))
    outbox_id = reply(world, "1", key="k-1")
    assert reply(world, "1", key="k-1") == outbox_id  # same key: the same row
    assert posted(world) == []  # nothing sent inside do_reply
    report = send_due(world.store, now=NOW)
    assert (report.sent, len(posted(world)), outbound_count(world)) == (1, 1, 1)
    assert send_due(world.store, now=NOW + timedelta(hours=1)).sent == 0
    conv = world.conversation_of("1")
    assert conv.needs_reply is False and conv.first_response_at is not None
    assert posted(world)[0]["in_reply_to"] == "1"


@pytest.mark.parametrize("crash_in", ["after_send", "before_record"])
def test_a_crash_after_the_platform_accepted_never_posts_twice(world: World, crash_in: str, monkeypatch) -> None:
    world.ingest(msg("1", text="broken grinder"))
    reply(world, "1")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise Crash

    if crash_in == "after_send":
        with pytest.raises(Crash):
            send_due(world.store, now=NOW, after_send=crash)
    else:  # the reply is stored as a message, then the worker dies before marking the row sent
        monkeypatch.setattr("goodwill.jobs.outbox._record_sent", crash)
        with pytest.raises(Crash):
            send_due(world.store, now=NOW)
        monkeypatch.undo()
    assert len(posted(world)) == 1
    assert send_due(world.store, now=NOW + timedelta(minutes=1)).sent == 0  # the dead worker's lease holds
    assert send_due(world.store, now=NOW + LEASE + timedelta(seconds=1)).sent == 1
    assert (len(posted(world)), outbound_count(world)) == (1, 1)
    with world.store.reader() as session:
        assert session.scalar(select(Outbox.status)) == "sent"


def test_a_killed_worker_process_and_a_restart_post_once(world: World) -> None:
    world.ingest(msg("1", text="where is my order?"))
    reply(world, "1")
    script = (
        "import os, sys\n"
        "from datetime import datetime\n"
        "from goodwill.store import Store\n"
        "from goodwill.jobs import send_due\n"
        "send_due(Store(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]),"
        " after_send=lambda row, sent: os._exit(137))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, world.store.url, NOW.isoformat()],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 137, done.stderr
    assert len(posted(world)) == 1 and outbound_count(world) == 0
    assert send_due(world.store, now=NOW + LEASE + timedelta(seconds=1)).sent == 1
    assert (len(posted(world)), outbound_count(world)) == (1, 1)


def set_fail(world: World, mode: str) -> None:
    with world.store.session() as session:
        channel = session.get_one(Channel, world.channel.id)
        channel.config = {**channel.config, "local_fail": mode}


def test_transient_failures_retry_with_the_same_key(world: World) -> None:
    world.ingest(msg("1", text="refund?"))
    set_fail(world, "transient:2")
    reply(world, "1")
    assert send_due(world.store, now=NOW).retrying == 1
    assert send_due(world.store, now=NOW).sent == 0  # not due yet: backing off
    assert send_due(world.store, now=NOW + timedelta(minutes=5)).retrying == 1
    assert send_due(world.store, now=NOW + timedelta(minutes=30)).sent == 1
    assert len(posted(world)) == 1


def test_a_refusal_is_visible_on_the_conversation_and_can_be_retried(world: World) -> None:
    world.ingest(msg("1", text="refund?"))
    set_fail(world, "refused")
    outbox_id = reply(world, "1")
    assert send_due(world.store, now=NOW).failed == 1
    with world.store.reader() as session:
        view = show_conversation(session, workspace=world.workspace, conversation_id=world.conversation_of("1").id)
    failed = [i for i in view.timeline if i.type == "reply"]
    assert failed[0].kind == "failed" and failed[0].data["platform_error"] == {"status": 403, "error": "blocked"}
    assert any(i.kind == "reply_failed" and "refused" in i.data["error"] for i in view.timeline)
    set_fail(world, "")
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_retry_reply(
            session, ws, session.get_one(Outbox, outbox_id), acting=acting_teammate(session, ws, "ada@acme.test")
        )
    assert send_due(world.store).sent == 1 and len(posted(world)) == 1


def test_an_expired_token_fails_the_reply_and_marks_the_channel_for_reauthorisation(world: World) -> None:
    world.ingest(msg("1", text="refund?"))
    set_fail(world, "auth")
    reply(world, "1")
    assert send_due(world.store, now=NOW).failed == 1
    with world.store.reader() as session:
        channel = session.get_one(Channel, world.channel.id)
    assert channel.health == "needs_reauth" and posted(world) == []
