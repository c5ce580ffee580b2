"""Bluesky end to end against the real local network (../shared/tools/bsky-devnet): a mention arrives, a reply
lands in the right thread with the right root and parent, and a crash or restart loses and duplicates nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from atproto import Client, client_utils, models
from sqlalchemy import func, select

from goodwill.connectors import channels
from goodwill.connectors.base import Outgoing
from goodwill.connectors.bluesky import BlueskyConnector
from goodwill.connectors.health import Health
from goodwill.domain.enums import Direction, Kind
from goodwill.store import Store
from goodwill.store.messages import to_domain
from goodwill.store.tables import Channel, Conversation, Message
from tests.conftest import TESTER
from tests.connectors import bsky_devnet

pytestmark = pytest.mark.slow


def _client(devnet: dict[str, Any], person: dict[str, Any]) -> Client:
    client = Client(base_url=devnet["pds"])
    client.login(person["handle"], person["password"])
    return client


def _settle(devnet: dict[str, Any]) -> None:
    """Wait until the AppView has indexed every write (notifications and threads are read from it).

    Also called between a post and a reply to it: the AppView indexes repos concurrently, and a reply indexed
    before its parent notifies nobody (the parent's author is not known yet). People do not reply within
    milliseconds; scripts do.
    """
    bsky_devnet.post(devnet["control"], "/process-all")


def _mention(client: Client, brand: dict[str, Any], text: str) -> Any:
    return client.send_post(client_utils.TextBuilder().mention("@" + brand["handle"], brand["did"]).text(" " + text))


def _reply(client: Client, text: str, root: Any, parent: Any) -> Any:
    ref = models.AppBskyFeedPost.ReplyRef(root=models.create_strong_ref(root), parent=models.create_strong_ref(parent))
    return client.send_post(text, reply_to=ref)


def _stored(store: Store, channel_id: int) -> dict[str, Message]:
    with store.reader() as session:
        rows = session.scalars(select(Message).where(Message.channel_id == channel_id)).all()
        assert len(rows) == len({r.native_id for r in rows})
        return {r.native_id: r for r in rows}


def _message(store: Store, channel_id: int, native_id: str) -> Any:
    with store.reader() as session:
        row = session.scalar(select(Message).where(Message.channel_id == channel_id, Message.native_id == native_id))
        assert row is not None, f"{native_id} was not stored"
        return to_domain(row), row.conversation_id


def test_mention_arrives_reply_lands_in_thread_restart_loses_nothing(
    store: Store, workspace: str, devnet: dict[str, Any], bsky_people: dict[str, dict[str, Any]]
) -> None:
    brand, carol, dave = bsky_people["brand"], bsky_people["carol"], bsky_people["dave"]
    brand_c, carol_c, dave_c = _client(devnet, brand), _client(devnet, carol), _client(devnet, dave)

    # History from before the channel is connected: the backfill brings it in.
    launch = brand_c.send_post("Our spring roast is out today")
    _settle(devnet)
    early = _reply(carol_c, "Ordered two bags!", launch, launch)
    _settle(devnet)

    view, backfill = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
    )
    assert view.account_id == brand["did"] and view.status.health is Health.OK
    assert backfill is not None and backfill.error is None
    stored = _stored(store, view.id)
    assert {launch.uri, early.uri} <= set(stored)
    assert stored[launch.uri].direction == Direction.OUTBOUND.value  # the brand's own post, found in the thread
    # each comment on a brand post is a conversation of its own (ingest/threads.py), not the post's
    assert stored[early.uri].conversation_id != stored[launch.uri].conversation_id
    with store.reader() as session:
        sealed = session.get(Channel, view.id).credentials
    assert sealed and brand["password"].encode() not in sealed  # encrypted at rest

    # A mention arrives.
    mention = _mention(carol_c, brand, "my order has not arrived, can you help?")
    _settle(devnet)
    result = channels.sync_channel(store, view.id, connector=BlueskyConnector())
    assert result.error is None and result.ingest.stored == 1
    inbound, mention_conversation = _message(store, view.id, mention.uri)
    assert inbound.kind is Kind.MENTION and inbound.author.native_id == carol["did"]
    assert inbound.native.cid == mention.cid

    # The brand answers: the reply is a child of the mention, in the mention's thread.
    sent = channels.send(
        store,
        view.id,
        Outgoing(text="So sorry! Sending a DM now.", idempotency_key="k1", in_reply_to=inbound),
        connector=BlueskyConnector(),
    )
    _settle(devnet)
    record = brand_c.app.bsky.feed.post.get(brand["did"], sent.native.id.rsplit("/", 1)[-1]).value
    assert (record.reply.root.uri, record.reply.root.cid) == (mention.uri, mention.cid)
    assert (record.reply.parent.uri, record.reply.parent.cid) == (mention.uri, mention.cid)
    thread = carol_c.get_post_thread(mention.uri).thread
    assert [r.post.uri for r in thread.replies] == [sent.native.id]

    # A reply to a reply deep in the brand's thread: the answer keeps the thread's root, parent = that reply.
    _settle(devnet)
    deep = _reply(dave_c, "Mine neither, ordered Monday", launch, early)
    hello = _mention(dave_c, brand, "also: do you ship to Canada?")  # notifies the brand; `deep` does not
    _settle(devnet)
    assert channels.sync_channel(store, view.id, connector=BlueskyConnector()).error is None
    deep_message, deep_conversation = _message(store, view.id, deep.uri)  # found through the thread
    assert deep_conversation == _stored(store, view.id)[early.uri].conversation_id  # under the comment it answers
    sent_deep = channels.send(
        store,
        view.id,
        Outgoing(text="Checking your order now", idempotency_key="k2", in_reply_to=deep_message),
        connector=BlueskyConnector(),
    )
    record = brand_c.app.bsky.feed.post.get(brand["did"], sent_deep.native.id.rsplit("/", 1)[-1]).value
    assert (record.reply.root.uri, record.reply.parent.uri) == (launch.uri, deep.uri)
    assert record.reply.parent.cid == deep.cid

    # Our own replies come back through the thread as outbound messages of the same conversations.
    _settle(devnet)
    assert channels.sync_channel(store, view.id, connector=BlueskyConnector()).error is None
    stored = _stored(store, view.id)
    assert stored[sent.native.id].direction == Direction.OUTBOUND.value
    assert stored[sent.native.id].conversation_id == mention_conversation
    assert stored[sent_deep.native.id].conversation_id == deep_conversation
    assert hello.uri in stored

    # A crash after a batch is stored but before its cursor is saved, then a restart with a new store handle
    # and a new connector: nothing lost, nothing stored twice.
    before = set(_stored(store, view.id))
    first = _mention(carol_c, brand, "one more question")
    _settle(devnet)
    real_save = channels._save

    def crash_on_cursor(*args: Any, **kwargs: Any) -> None:
        if kwargs.get("cursor") is not None:
            raise KeyboardInterrupt("power cut")
        real_save(*args, **kwargs)

    channels._save = crash_on_cursor  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            channels.sync_channel(store, view.id, connector=BlueskyConnector())
    finally:
        channels._save = real_save  # type: ignore[assignment]
    assert first.uri in _stored(store, view.id)  # stored, but the cursor still points before it
    second = _mention(dave_c, brand, "and another")
    _settle(devnet)
    restarted = Store(store.url)
    try:
        again = channels.sync_channel(restarted, view.id, connector=BlueskyConnector())
        assert again.error is None and again.ingest.duplicates >= 1 and again.ingest.stored >= 1
        after = _stored(restarted, view.id)
        assert {first.uri, second.uri} <= set(after) and before <= set(after)
        quiet = channels.sync_channel(restarted, view.id, connector=BlueskyConnector())
        assert quiet.ingest.stored == 0
        with restarted.reader() as session:
            counts = session.execute(
                select(Message.native_id, func.count()).where(Message.channel_id == view.id).group_by(Message.native_id)
            ).all()
            assert all(n == 1 for _, n in counts)
            assert (
                session.scalar(select(func.count()).select_from(Conversation).where(Conversation.channel_id == view.id))
                >= 4
            )
    finally:
        restarted.dispose()


def test_revoked_password_needs_reauthorisation_and_network_errors_only_degrade(
    store: Store, workspace: str, devnet: dict[str, Any], bsky_people: dict[str, dict[str, Any]]
) -> None:
    brand = bsky_people["brand"]
    view, _ = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        backfill=False,
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
    )
    from goodwill.connectors.secrets import seal

    # A server that does not answer (no stored session, so the connector must reach it to log in): a passing
    # failure, retried later with back-off, never "needs re-authorisation".
    with store.session() as session:
        channel = session.get(Channel, view.id)
        channel.config = {**channel.config, "service": "http://127.0.0.1:9"}
        channel.credentials = seal({"handle": brand["handle"], "app_password": brand["password"]})
    result = channels.sync_channel(store, view.id, connector=BlueskyConnector())
    assert result.status is not None and result.status.health is Health.DEGRADED and result.status.retry_at
    skipped = channels.sync_channel(store, view.id, connector=BlueskyConnector())
    assert skipped.skipped and "waiting until" in skipped.skipped

    # Credentials the network refuses: needs re-authorisation, and the sync says so instead of stopping silently.
    with store.session() as session:
        channel = session.get(Channel, view.id)
        channel.config = {**channel.config, "service": devnet["pds"]}
        channel.credentials = seal({"handle": brand["handle"], "app_password": "wrong"})
    result = channels.sync_channel(store, view.id, connector=BlueskyConnector(), force=True)
    assert result.status is not None and result.status.health is Health.NEEDS_REAUTH, result
    listed = channels.list_channels(store, workspace=workspace)
    assert listed[0].status.health is Health.NEEDS_REAUTH and listed[0].status.reason
    skipped = channels.sync_channel(store, view.id, connector=BlueskyConnector())
    assert skipped.skipped and "re-authorisation" in skipped.skipped

    # Connecting again clears it.
    view, _ = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        backfill=False,
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
    )
    assert view.status.health is Health.OK
    assert channels.sync_channel(store, view.id, connector=BlueskyConnector()).status.health is Health.OK


def test_devnet_has_no_chat_service_and_the_channel_says_so(
    store: Store, workspace: str, devnet: dict[str, Any], bsky_people: dict[str, dict[str, Any]]
) -> None:
    brand = bsky_people["brand"]
    _view, result = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
    )
    assert result is not None and result.status is not None
    assert result.status.health is Health.OK
    assert any("direct messages not read" in note for note in result.status.notes)
    assert httpx.get(devnet["control"] + "/health").text == "ok"
