"""The content mix, cadence (goals, streaks, the warning before a gap), best times, the calendar and CSV import."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from goodwill.actions.goals import do_set_goal
from goodwill.actions.posts import access_post_by_id, do_create_post, do_schedule_post, do_set_publishing_policy
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.publishing.cadence import best_times, cadence
from goodwill.publishing.classify import Category, MixKind, classify_post
from goodwill.publishing.importing import CsvRowError, import_posts
from goodwill.publishing.mix import mix
from goodwill.publishing.schedule import calendar
from goodwill.store.tables import Channel, Post
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import classify
from tests.publishing.conftest import NOW, World, ws


def own(native_id: str, text: str, at, *, parent: str | None = None):
    m = msg(native_id, text=text, out=True, parent=parent)
    m.created_at = at
    return m


def inbound(native_id: str, text: str, at, parent: str):
    m = msg(native_id, text=text, parent=parent, root=parent)
    m.created_at = at
    return m


def store_messages(world: World, *messages) -> None:
    with world.store.reader() as session:
        ref = ChannelRef.of(session.get_one(Channel, world.x))
    ingest(world.store, ref, list(messages), classify=classify)


@pytest.mark.parametrize(
    ("text", "reply", "category"),
    [
        ("FLASH SALE: 20% off all beans with code SPRING20. Shop now", False, Category.PROMOTIONAL),
        ("Brew tip: grind a notch coarser if your cup tastes bitter.", False, Category.EXPERTISE),
        ("Why does washed coffee taste cleaner? New on the blog.", False, Category.AUTHORITY),
        ("We pay our farmers well above the Fairtrade minimum.", False, Category.REPUTATION),
        ("Behind the scenes: our team roasting at 6am.", False, Category.VISIBILITY),
        ("What are you brewing this weekend?", False, Category.ENGAGEMENT),
        ("Monday again. Coffee first.", False, Category.CHAT),
        ("Sorry about that, we will send a new bag today.", True, Category.ENGAGEMENT),
    ],
)
def test_each_kind_of_post_is_classified(text: str, reply: bool, category: Category) -> None:
    found = classify_post(text, reply=reply)
    assert found.category is category and found.evidence
    assert found.kind is (MixKind.BROADCAST if category not in (Category.CHAT, Category.ENGAGEMENT) else category.kind)


def test_the_mix_reports_an_ad_heavy_feed_and_replies_per_broadcast_by_week(world: World) -> None:
    promo = "20% off everything with code SAVE20, shop now"
    store_messages(
        world,
        *(own(f"p{i}", promo, NOW - timedelta(days=10 - i)) for i in range(6)),
        own("u1", "Brew tip: bloom for 40 s before you pour.", NOW - timedelta(days=3)),
        inbound("c1", "love this", NOW - timedelta(days=3), parent="u1"),
        own("r1", "Thank you!", NOW - timedelta(days=2), parent="c1"),
    )
    with world.store.reader() as session:
        report = mix(session, ws(session, world), since=NOW - timedelta(days=14), until=NOW)
    o = report["overall"]
    assert (o["posts"], o["replies"], o["categories"]["promotional"], o["categories"]["expertise"]) == (7, 1, 6, 1)
    assert o["promotional_share"] == round(6 / 7, 4) and report["ad_heavy"] is True
    assert o["replies_per_broadcast"] == round(1 / 7, 2) and o["kinds"]["engagement"] == 1
    assert [w["posts"] for w in report["weeks"]] == [3, 4] and report["weeks"][1]["replies"] == 1
    with world.store.session() as session:
        do_set_publishing_policy(session, ws(session, world), max_promotional_share=0.9, acting=TESTER)
    with world.store.reader() as session:
        assert mix(session, ws(session, world), since=NOW - timedelta(days=14), until=NOW)["ad_heavy"] is False


def test_a_gap_is_warned_about_before_it_happens_and_a_scheduled_post_clears_the_warning(world: World) -> None:
    store_messages(world, own("p1", "Brew tip: weigh your coffee.", NOW - timedelta(days=5)))
    with world.store.reader() as session:
        [early] = cadence(session, ws(session, world), now=NOW - timedelta(days=4), channel_ids=[world.x])
        [late] = cadence(session, ws(session, world), now=NOW, channel_ids=[world.x])
    assert early.warning is None  # 1 day after the post: nothing to say yet
    assert late.abandoned_at == NOW + timedelta(days=2)  # the post + 7 days
    assert late.warning is not None and "will look abandoned on" in late.warning and "in 2.0 days" in late.warning
    with world.store.session() as session:
        w = ws(session, world)
        [post] = do_create_post(
            session,
            w,
            channels=[session.get_one(Channel, world.x)],
            text="Tip: store beans dark.",
            acting=TESTER,
            now=NOW,
        )
        do_schedule_post(session, w, post, at=NOW + timedelta(days=1), acting=TESTER, now=NOW)
    with world.store.reader() as session:
        [planned] = cadence(session, ws(session, world), now=NOW, channel_ids=[world.x])
    assert planned.warning is None and planned.next_post_at == NOW + timedelta(days=1)
    with world.store.reader() as session:
        [silent] = cadence(session, ws(session, world), now=NOW + timedelta(days=12), channel_ids=[world.x])
    assert silent.warning is not None and "looks abandoned now" in silent.warning


def test_weekly_goal_and_streak(world: World) -> None:
    # NOW is Monday 2026-03-02 08:00 UTC: three full weeks before it with 2, 2 and 1 posts (oldest first)
    days = [-20, -18, -13, -11, -4]
    store_messages(world, *(own(f"p{d}", f"Tip {d}: weigh it.", NOW + timedelta(days=d)) for d in days))
    with world.store.session() as session:
        w = ws(session, world)
        do_set_goal(
            session, w, metric="posts_per_week", target=2, channel=session.get_one(Channel, world.x), acting=TESTER
        )
    with world.store.reader() as session:
        [row] = cadence(session, ws(session, world), now=NOW, channel_ids=[world.x])
    assert row.goal == 2 and row.last_weeks[:3] == [1, 2, 2] and row.streak == 0  # last week missed it
    with world.store.reader() as session:
        [before] = cadence(session, ws(session, world), now=NOW - timedelta(days=7), channel_ids=[world.x])
    assert before.streak == 2


def test_best_times_favour_the_hours_whose_posts_drew_responses(world: World) -> None:
    messages = []
    for week in range(4):
        at9 = NOW - timedelta(days=7 * (week + 1)) + timedelta(hours=1)  # Mondays 09:00 UTC
        at17 = at9 + timedelta(hours=8)
        messages += [own(f"m{week}", "Morning tip", at9), own(f"e{week}", "Evening tip", at17)]
        messages += [
            inbound(f"c{week}{k}", "great tip", at17 + timedelta(minutes=5 + k), parent=f"e{week}") for k in range(3)
        ]
    store_messages(world, *messages)
    with world.store.reader() as session:
        w = ws(session, world)
        found = best_times(session, w, channel=session.get_one(Channel, world.x), now=NOW)
    assert [f["slot"] for f in found] == ["mon 17:00", "mon 09:00"]
    assert found[0]["engagement"] > found[0]["overall"] > found[1]["engagement"]


CSV = """when,channels,text,text_bluesky,link
2026-03-03 09:00,x;bluesky,Brew tip: bloom 40 s.,Bluesky tip: bloom 40 s.,https://acme.test/bloom
2026-03-04 09:00,acme,Why washed coffee tastes clean,,
"""


def test_a_month_of_posts_imports_from_csv_all_or_nothing(world: World) -> None:
    with world.store.session() as session:
        posts = import_posts(session, ws(session, world), CSV, acting=TESTER, now=NOW)
        assert [p.status for p in posts] == ["scheduled"] * 3
        bsky = next(p for p in posts if p.channel_id == world.bsky)
        assert bsky.text.startswith("Bluesky tip") and bsky.text.endswith("https://acme.test/bloom")
    broken = CSV + "2026-03-05 09:00,nowhere,Hello,,\n"
    with pytest.raises(CsvRowError, match="line 4: no single channel 'nowhere'"), world.store.session() as session:
        import_posts(session, ws(session, world), broken, acting=TESTER, now=NOW)
    too_long = CSV.replace("Why washed coffee tastes clean", "x" * 300)
    with pytest.raises(CsvRowError, match=r"line 3: .* it takes 280"), world.store.session() as session:
        import_posts(session, ws(session, world), too_long, acting=TESTER, now=NOW)
    with world.store.reader() as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 3  # only the first, good import


def test_the_calendar_shows_posts_by_local_day_with_category_and_status(world: World) -> None:
    with world.store.session() as session:
        import_posts(session, ws(session, world), CSV, acting=TESTER, now=NOW)
    with world.store.reader() as session:
        days = calendar(session, ws(session, world), start=date(2026, 3, 2), days=4)
    assert list(days) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    assert [(e.network, e.status, e.category) for e in days["2026-03-03"]] == [
        ("x", "scheduled", "expertise"),
        ("bluesky", "scheduled", "expertise"),
    ]
    assert [e.category for e in days["2026-03-04"]] == ["authority"] and days["2026-03-02"] == []
    with world.store.session() as session:
        w = ws(session, world)
        post = access_post_by_id(session, w, days["2026-03-04"][0].post_id)
        assert post.scheduled_at is not None
