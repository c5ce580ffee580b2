"""Scheduling and publishing on the real local Bluesky network (../shared/tools/bsky-devnet): a scheduled post
appears once in the brand's feed at its time, is stored as the brand's own message, and the next sync of the
channel finds it already there. A worker dying after Bluesky took a post does not post it twice: the retry
finds the post by the key its record carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from atproto import Client
from sqlalchemy import func, select

from goodwill.actions import access_workspace
from goodwill.actions.posts import access_channel_by_ref, access_post_by_id, do_create_post, do_schedule_post
from goodwill.connectors import channels
from goodwill.connectors.bluesky import BlueskyConnector
from goodwill.jobs.publish import LEASE, publish_due
from goodwill.store import Store
from goodwill.store.tables import Message, Post
from tests.conftest import TESTER
from tests.connectors import bsky_devnet

pytestmark = pytest.mark.slow


def test_a_scheduled_post_is_published_once_on_bluesky(
    store: Store,
    workspace: str,
    devnet: dict[str, Any],
    bsky_people: dict[str, dict[str, Any]],
) -> None:
    brand = bsky_people["brand"]
    view, _ = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
        backfill=False,
    )
    now = datetime.now(UTC)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel = access_channel_by_ref(session, ws, view.id)
        [post] = do_create_post(
            session, ws, channels=[channel], text="Brew tip: bloom your coffee for 40 s before you pour.", acting=TESTER
        )
        do_schedule_post(session, ws, post, at=now + timedelta(minutes=30), acting=TESTER, now=now)
        post_id = post.id
    assert publish_due(store, now=now).published == 0  # not its time yet
    assert publish_due(store, now=now + timedelta(minutes=30)).published == 1
    assert publish_due(store, now=now + timedelta(hours=1)).published == 0

    with store.reader() as session:
        published = access_post_by_id(session, access_workspace(session, workspace), post_id)
        message = session.get_one(Message, published.message_id)
    assert published.status == "published" and message.native_id.startswith(f"at://{brand['did']}/app.bsky.feed.post/")
    bsky_devnet.post(devnet["control"], "/process-all")
    client = Client(base_url=devnet["pds"])
    client.login(brand["handle"], brand["password"])
    feed = client.get_author_feed(brand["did"]).feed
    assert [item.post.uri for item in feed] == [message.native_id]
    assert feed[0].post.record.text == "Brew tip: bloom your coffee for 40 s before you pour."

    # The channel's next sync reads the brand's own feed: the post is already stored, not stored twice.
    assert channels.sync_channel(store, view.id, connector=BlueskyConnector()).error is None
    with store.reader() as session:
        count = session.scalar(select(func.count()).select_from(Message).where(Message.native_id == message.native_id))
        posts = session.scalar(select(func.count()).select_from(Post).where(Post.channel_id == view.id))
    assert (count, posts) == (1, 1)


class Crash(BaseException):
    """The worker dying (not an Exception: nothing may catch it)."""


def test_a_crash_after_bluesky_took_the_post_never_posts_twice(
    store: Store, workspace: str, devnet: dict[str, Any], bsky_people: dict[str, dict[str, Any]]
) -> None:
    brand = bsky_people["brand"]
    view, _ = channels.connect_channel(
        store,
        workspace=workspace,
        network="bluesky",
        acting=TESTER,
        connector=BlueskyConnector(),
        credentials={"handle": brand["handle"], "app_password": brand["password"]},
        config={"service": devnet["pds"]},
        backfill=False,
    )
    now = datetime.now(UTC)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        [post] = do_create_post(
            session, ws, channels=[access_channel_by_ref(session, ws, view.id)], text="Roastery open day", acting=TESTER
        )
        do_schedule_post(session, ws, post, at=now, acting=TESTER, now=now)
        post_id = post.id

    def crash(*_args: object) -> None:
        raise Crash

    with pytest.raises(Crash):
        publish_due(store, now=now, after_send=crash)
    assert publish_due(store, now=now + LEASE + timedelta(seconds=1)).published == 1  # found, not resent
    bsky_devnet.post(devnet["control"], "/process-all")
    client = Client(base_url=devnet["pds"])
    client.login(brand["handle"], brand["password"])
    feed = client.get_author_feed(brand["did"]).feed
    with store.reader() as session:
        published = session.get_one(Post, post_id)
        native = session.get_one(Message, published.message_id).native_id
    assert [item.post.uri for item in feed] == [native] and published.status == "published"
