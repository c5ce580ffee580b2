"""Drafts, variants, length checks, scheduling, queue slots, approval, and publishing exactly once through the
local connector, with failures visible and retried."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from goodwill.actions.posts import (
    PromotionalShareExceeded,
    access_channel_by_ref,
    access_post_by_id,
    do_add_slot,
    do_approve_post,
    do_cancel_post,
    do_create_post,
    do_edit_post,
    do_reject_post,
    do_retry_post,
    do_schedule_post,
    do_set_publishing_policy,
)
from goodwill.jobs import run_once
from goodwill.jobs.publish import LEASE, publish_due
from goodwill.publishing.drafts import TooLong
from goodwill.store.tables import AuditEntry, Channel, Message, Post
from goodwill.store.tables_publishing import PostDelivery
from tests.conftest import TESTER
from tests.publishing.conftest import NOW, World, ws


class Crash(BaseException):
    """The worker dying (not an Exception: nothing may catch it)."""


def create(world: World, text: str, *, channels: tuple[int, ...] | None = None, who: str = "Ada", **kw) -> list[int]:
    with world.store.session() as session:
        w = ws(session, world)
        rows = [session.get_one(Channel, c) for c in (channels or (world.x,))]
        return [
            p.id for p in do_create_post(session, w, channels=rows, text=text, acting=world.team[who], now=NOW, **kw)
        ]


def schedule(world: World, post_id: int, at=None, *, who: str = "Ada", anyway: bool = False):
    with world.store.session() as session:
        w = ws(session, world)
        return do_schedule_post(
            session, w, access_post_by_id(session, w, post_id), at=at, acting=world.team[who], anyway=anyway, now=NOW
        )


def messages(world: World) -> int:
    with world.store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message).where(Message.direction == "out")) or 0)


def test_a_scheduled_post_is_published_once_at_its_time_and_stored_as_the_brands_message(world: World) -> None:
    [post_id] = create(
        world, "Brew tip: grind a notch coarser if your cup tastes bitter.", links=["https://acme.test/brew"]
    )
    schedule(world, post_id, NOW + timedelta(hours=2))
    assert world.post(post_id).status == "scheduled"
    assert publish_due(world.store, now=NOW + timedelta(hours=1)).published == 0  # not yet
    assert world.posted(world.x) == []
    report = run_once(world.store, now=NOW + timedelta(hours=2))  # the periodic job runner publishes it
    assert report.published.published == 1
    assert publish_due(world.store, now=NOW + timedelta(hours=3)).published == 0  # and never again
    [record] = world.posted(world.x)
    assert record["text"].endswith("https://acme.test/brew") and record["in_reply_to"] is None
    post = world.post(post_id)
    assert post.status == "published" and post.message_id is not None
    with world.store.reader() as session:
        message = session.get_one(Message, post.message_id)
        assert (message.kind, message.direction, message.native_id) == ("own", "out", record["id"])
        actions = list(
            session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_type == "post", AuditEntry.object_id == str(post_id))
            )
        )
    assert actions == ["post.create", "post.schedule", "post.published"]


def test_one_draft_for_two_networks_with_a_variant_and_length_checks(world: World) -> None:
    long = "A long story about our new roastery. " * 9  # about 330 characters: too long for X and Bluesky
    with pytest.raises(TooLong, match=r"x acme\) is \d+ characters as x counts them; it takes 280"):
        create(world, long, channels=(world.x, world.bsky))
    with world.store.reader() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0  # nothing half-written
    ids = create(
        world,
        "Our new roastery opens on Saturday: come and say hi!",
        channels=(world.x, world.bsky),
        variants={"bluesky": "The new roastery opens Saturday. Come say hi, Bluesky!"},
        media=["https://acme.test/roastery.jpg"],
    )
    posts = [world.post(i) for i in ids]
    assert posts[0].text.startswith("Our new roastery") and posts[1].text.startswith("The new roastery")
    assert posts[0].detail["group"] == posts[1].detail["group"]
    for post_id in ids:
        schedule(world, post_id, NOW + timedelta(minutes=5))
    assert publish_due(world.store, now=NOW + timedelta(minutes=5)).published == 2
    assert world.posted(world.x)[0]["text"] != world.posted(world.bsky)[0]["text"]
    assert world.posted(world.bsky)[0]["media"] == ["https://acme.test/roastery.jpg"]


def test_viewers_cannot_post_and_bad_input_is_named(world: World) -> None:
    with pytest.raises(PermissionError, match="viewer"):
        create(world, "hello", who="Vic")
    with pytest.raises(ValueError, match="link 1"):
        create(world, "hello", links=["javascript:alert(1)"])
    [post_id] = create(world, "hello")
    with pytest.raises(ValueError, match="in the past"):
        schedule(world, post_id, NOW - timedelta(hours=1))
    with world.store.session() as session, pytest.raises(LookupError, match="no single channel"):
        access_channel_by_ref(session, ws(session, world), "nowhere")
    world.set_channel(world.x, connector="linkedin")  # comments only: LinkedIn does not declare POST here
    with pytest.raises(ValueError, match=r"cannot publish posts: its connector \(linkedin\) does not post"):
        create(world, "hello")


@pytest.mark.parametrize("crash_in", ["after_send", "before_record"])
def test_a_crash_after_the_platform_accepted_never_posts_twice(world: World, crash_in: str, monkeypatch) -> None:
    [post_id] = create(world, "What are you brewing this weekend?")
    schedule(world, post_id, NOW)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise Crash

    if crash_in == "after_send":
        with pytest.raises(Crash):
            publish_due(world.store, now=NOW, after_send=crash)
    else:
        monkeypatch.setattr("goodwill.jobs.publish._record_published", crash)
        with pytest.raises(Crash):
            publish_due(world.store, now=NOW)
        monkeypatch.undo()
    assert len(world.posted(world.x)) == 1 and world.post(post_id).status == "scheduled"
    with world.store.session() as session, pytest.raises(ValueError, match="being published right now"):
        w = ws(session, world)
        do_cancel_post(session, w, access_post_by_id(session, w, post_id), acting=TESTER)
    assert publish_due(world.store, now=NOW + timedelta(minutes=1)).published == 0  # the dead worker's lease
    assert publish_due(world.store, now=NOW + LEASE + timedelta(seconds=1)).published == 1
    assert (len(world.posted(world.x)), messages(world), world.post(post_id).status) == (1, 1, "published")


def test_a_killed_worker_process_and_a_restart_publish_once(world: World) -> None:
    [post_id] = create(world, "Behind the scenes: cupping at 6am.")
    schedule(world, post_id, NOW)
    script = (
        "import os, sys\n"
        "from datetime import datetime\n"
        "from goodwill.store import Store\n"
        "from goodwill.jobs.publish import publish_due\n"
        "publish_due(Store(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]),"
        " after_send=lambda row, sent: os._exit(137))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, world.store.url, NOW.isoformat()], check=False, capture_output=True, text=True
    )
    assert done.returncode == 137, done.stderr
    assert len(world.posted(world.x)) == 1 and messages(world) == 0
    assert publish_due(world.store, now=NOW + LEASE + timedelta(seconds=1)).published == 1
    assert (len(world.posted(world.x)), messages(world)) == (1, 1)


def test_a_refusal_is_visible_and_retried_with_the_same_key_transient_errors_back_off(world: World) -> None:
    [post_id] = create(world, "Store beans in an airtight tin.")
    schedule(world, post_id, NOW)
    world.set_channel(world.x, local_fail="refused")
    assert publish_due(world.store, now=NOW).failed == 1
    with world.store.reader() as session:
        delivery = session.scalar(select(PostDelivery).where(PostDelivery.post_id == post_id))
        assert delivery is not None and delivery.platform_error == {"status": 403, "error": "blocked"}
        key = delivery.idempotency_key
    assert world.post(post_id).status == "failed" and world.posted(world.x) == []
    world.set_channel(world.x, local_fail="transient:1")
    with world.store.session() as session:
        w = ws(session, world)
        do_retry_post(session, w, access_post_by_id(session, w, post_id), acting=world.team["Ada"], now=NOW)
    later = NOW + timedelta(minutes=10)
    assert publish_due(world.store, now=later).retrying == 1
    assert publish_due(world.store, now=later).published == 0  # backing off
    assert publish_due(world.store, now=later + timedelta(minutes=5)).published == 1
    assert [r["idempotency_key"] for r in world.posted(world.x)] == [key]


def test_an_expired_token_fails_the_post_and_flags_the_channel(world: World) -> None:
    [post_id] = create(world, "Hello from the roastery.")
    schedule(world, post_id, NOW)
    world.set_channel(world.x, local_fail="auth")
    assert publish_due(world.store, now=NOW).failed == 1
    with world.store.reader() as session:
        assert session.get_one(Channel, world.x).health == "needs_reauth"


def test_queue_slots_fill_in_order_and_skip_taken_ones(world: World) -> None:
    with world.store.session() as session:
        w = ws(session, world)
        channel = session.get_one(Channel, world.x)
        for slot in ("mon 09:30", "wed 12:00"):
            do_add_slot(session, w, channel, slot, acting=TESTER)
    ids = create(world, "Tip one: weigh your coffee.") + create(world, "Tip two: use fresh water.")
    ids += create(world, "Tip three: bloom 40 s.")
    for post_id in ids:
        schedule(world, post_id)  # no time: the next free slot
    times = [world.post(i).scheduled_at for i in ids]
    assert [t.isoformat() for t in times] == [  # NOW is Monday 08:00 UTC; the workspace is on UTC
        "2026-03-02T09:30:00+00:00",
        "2026-03-04T12:00:00+00:00",
        "2026-03-09T09:30:00+00:00",
    ]


def test_approval_where_the_workspace_asks_for_it(world: World) -> None:
    with world.store.session() as session:
        do_set_publishing_policy(session, ws(session, world), approval="agents", acting=TESTER)
    [post_id] = create(world, "Our team at the market this Saturday at 9am: come say hi.")
    schedule(world, post_id, NOW + timedelta(hours=1))
    assert world.post(post_id).status == "approval"
    assert publish_due(world.store, now=NOW + timedelta(hours=2)).published == 0  # held: nothing sent
    with world.store.session() as session, pytest.raises(PermissionError):
        w = ws(session, world)
        do_approve_post(session, w, access_post_by_id(session, w, post_id), acting=world.team["Ada"])
    with world.store.session() as session:
        w = ws(session, world)
        do_reject_post(session, w, access_post_by_id(session, w, post_id), acting=world.team["Theo"], note="date?")
    assert world.post(post_id).status == "draft" and world.post(post_id).detail["rejection_note"] == "date?"
    schedule(world, post_id, NOW + timedelta(hours=1))
    with world.store.session() as session:
        w = ws(session, world)
        do_approve_post(session, w, access_post_by_id(session, w, post_id), acting=world.team["Theo"], now=NOW)
    assert world.post(post_id).status == "scheduled"
    assert publish_due(world.store, now=NOW + timedelta(hours=1)).published == 1
    [owner_post] = create(world, "Thank you to every farmer we work with.", who="Olive")
    schedule(world, owner_post, NOW, who="Olive")  # owners and admins publish without approval
    assert world.post(owner_post).status == "scheduled"


def test_edit_and_cancel_before_publishing(world: World) -> None:
    [post_id] = create(world, "Draft one")
    schedule(world, post_id, NOW + timedelta(hours=1))
    with world.store.session() as session:
        w = ws(session, world)
        do_edit_post(session, w, access_post_by_id(session, w, post_id), text="Draft two", acting=world.team["Ada"])
    assert publish_due(world.store, now=NOW + timedelta(hours=1)).published == 1
    assert world.posted(world.x)[0]["text"] == "Draft two"  # the edit is what went out
    [other] = create(world, "Never mind")
    schedule(world, other, NOW + timedelta(hours=1))
    with world.store.session() as session:
        w = ws(session, world)
        do_cancel_post(session, w, access_post_by_id(session, w, other), acting=world.team["Ada"])
    assert publish_due(world.store, now=NOW + timedelta(days=1)).published == 0
    assert world.post(other).status == "cancelled" and len(world.posted(world.x)) == 1


def test_a_promotional_draft_that_would_tip_the_feed_is_flagged_before_it_is_scheduled(world: World) -> None:
    with world.store.session() as session:
        do_set_publishing_policy(session, ws(session, world), max_promotional_share=0.3, acting=TESTER)
    useful = create(world, "Brew tip: try 1:16 at 94°C.") + create(world, "Why natural process coffee tastes of fruit")
    for i, post_id in enumerate(useful):
        schedule(world, post_id, NOW + timedelta(days=i))
    [promo] = create(world, "FLASH SALE: 20% off everything with code SPRING20. Shop now: acme.test/shop")
    with pytest.raises(
        PromotionalShareExceeded, match=r"1 of the channel's 3 posts .* \(33%, above the workspace's 30%\)"
    ):
        schedule(world, promo, NOW + timedelta(days=3))
    assert world.post(promo).status == "draft"  # not scheduled
    check = schedule(world, promo, NOW + timedelta(days=3), anyway=True)
    assert check.over and world.post(promo).status == "scheduled"
    assert world.post(promo).detail["mix_check"]["over"] is True


class NoLookup:
    """The local network seen through a connector that cannot be asked what it has (like X or Mastodon today)."""

    def __init__(self) -> None:
        from goodwill.connectors.local import LocalConnector

        self.inner = LocalConnector()
        self.network, self.capabilities = self.inner.network, self.inner.capabilities

    def send(self, channel, outgoing):
        return self.inner.send(channel, outgoing)


def test_after_a_crash_a_network_without_lookup_is_not_resent_but_failed_for_a_person(world: World) -> None:
    from goodwill.connectors import registry

    registry.register("local-no-lookup", NoLookup)
    world.set_channel(world.x, connector="local-no-lookup")
    [post_id] = create(world, "Behind the scenes: cupping at 6am.")
    schedule(world, post_id, NOW)

    def crash(*_args: object) -> None:
        raise Crash

    with pytest.raises(Crash):
        publish_due(world.store, now=NOW, after_send=crash)
    assert publish_due(world.store, now=NOW + LEASE + timedelta(seconds=1)).failed == 1
    assert len(world.posted(world.x)) == 1 and world.post(post_id).status == "failed"  # not posted twice
    with world.store.reader() as session:
        error = session.scalar(select(PostDelivery.last_error).where(PostDelivery.post_id == post_id))
    assert error is not None and "check the channel's feed" in error
    with world.store.session() as session:  # a person checked: not there (here it is, and the key dedupes it)
        w = ws(session, world)
        do_retry_post(session, w, access_post_by_id(session, w, post_id), acting=world.team["Ada"], now=NOW)
    assert publish_due(world.store, now=NOW + LEASE * 2).published == 1
    assert len(world.posted(world.x)) == 1 and world.post(post_id).status == "published"
