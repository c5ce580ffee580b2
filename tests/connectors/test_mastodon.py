"""Mastodon on the real recorded payloads (../shared/payloads/mastodon), replayed to Mastodon.py."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.connectors import channels
from goodwill.connectors.base import AuthExpired, ChannelContext, Outgoing, RateLimited
from goodwill.connectors.health import Health
from goodwill.connectors.mastodon import MastodonConnector
from goodwill.connectors.mastodon.html import html_to_text
from goodwill.connectors.mastodon.normalise import status_message
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.store import Store
from tests.conftest import TESTER
from tests.connectors.recorded import Replay, body_of, cassette, pick

LOCAL = "http://localhost:3000"
ADMIN = "117020565693913441"
TEST_USER = "117020565966271181"  # mastodonpy_test, mentioned by admin in the notification cassettes
TEST_USER_2 = "117020566092212359"


def _context(account: str, server: str = LOCAL) -> ChannelContext:
    return ChannelContext(
        channel_id=1,
        network=Network.MASTODON,
        account_id=f"{account}@localhost:3000",
        handle="brand",
        config={"server": server, "account": account},
        credentials={"access_token": "recorded"},
    )


def _replay_for_sync() -> Replay:
    """verify_credentials, a mention notification page and the direct conversations, as recorded. Thread roots
    are not resolved in these tests (no context of those statuses was recorded; see the context test)."""
    return Replay().add(
        pick("conversations", "GET", "/accounts/verify_credentials"),
        pick("notifications_mentions_only", "GET", "/notifications"),
        pick("conversations", "GET", "/conversations"),
    )


def test_authenticate_reads_the_account_behind_the_token() -> None:
    with Replay().add(pick("conversations", "GET", "/accounts/verify_credentials")).running():
        account = MastodonConnector().authenticate({"access_token": "t"}, {"server": LOCAL})
    assert account.account_id == f"{ADMIN}@localhost:3000"
    assert account.handle == "admin@localhost:3000"
    assert account.config == {"server": LOCAL, "account": ADMIN}


def test_mention_notification_and_direct_conversations_become_messages() -> None:
    with _replay_for_sync().running() as replay:
        fetched = MastodonConnector(resolve_roots=False).fetch(_context(TEST_USER), {})
    notifications = [c for c in replay.calls if c.path == "/api/v1/notifications"]
    assert notifications[0].query["types[]"] == ["mention"]
    mention = next(m for m in fetched.messages if m.source["endpoint"] == "GET /api/v1/notifications")
    recorded = body_of(pick("notifications_mentions_only", "GET", "/notifications"))[0]
    assert mention.raw == recorded["status"]  # the exact JSON, not Mastodon.py's objects
    assert mention.native.id == "117020577157693549" and mention.native.host == LOCAL
    assert mention.native.uri == recorded["status"]["uri"]
    assert mention.kind is Kind.MENTION and mention.direction is Direction.INBOUND
    assert mention.author.handle == "admin" and mention.author.id_scope == "server:localhost:3000"
    assert mention.text == "@mastodonpy_test hello!"
    assert mention.text_raw == recorded["status"]["content"] and mention.text_format == "html"
    assert mention.created_at == datetime(2026, 8, 1, 13, 51, 42, 823000, tzinfo=UTC)
    assert [e.type for e in mention.entities] == ["mention"] and mention.entities[0].target_id == TEST_USER
    directs = [m for m in fetched.messages if m.source["endpoint"] == "GET /api/v1/conversations"]
    assert {m.native.id for m in directs} == {"117020593780198542", "117020588388552703"}
    for message in directs:
        message.validate()
        assert message.kind is Kind.DIRECT and message.visibility is Visibility.DIRECT
        assert message.thread.conversation_id == message.native.id  # a DM that starts its thread
        assert message.reply.reply_via == "dm"
    assert fetched.cursor["notifications"] == "21"
    assert set(fetched.cursor["convos"]) == {"15", "12"}


def test_the_brands_own_direct_message_is_outbound() -> None:
    with _replay_for_sync().running():
        fetched = MastodonConnector(resolve_roots=False).fetch(_context(TEST_USER_2), {})
    own = [m for m in fetched.messages if m.source["endpoint"] == "GET /api/v1/conversations"]
    assert own and all(m.direction is Direction.OUTBOUND and m.kind is Kind.OWN for m in own)


def test_resuming_asks_for_what_follows_the_cursor_and_stores_nothing_twice(store: Store, workspace: str) -> None:
    with _replay_for_sync().running() as replay:
        view, first = channels.connect_channel(
            store,
            workspace=workspace,
            network="mastodon",
            acting=TESTER,
            connector=MastodonConnector(resolve_roots=False),
            credentials={"access_token": "t"},
            config={"server": LOCAL},
        )
        assert first is not None and first.error is None and first.ingest.stored == 3
        # The server answers the resumed query with the same recorded page: ingest drops it as duplicates.
        again = channels.sync_channel(store, view.id, connector=MastodonConnector(resolve_roots=False))
    assert again.error is None and again.ingest.stored == 0 and again.ingest.duplicates == 1
    resumed = [c for c in replay.calls if c.path == "/api/v1/notifications"][-1]
    assert resumed.query["min_id"] == ["21"]
    assert channels.list_channels(store, workspace=workspace)[0].cursor["notifications"] == "21"


def test_reply_goes_to_the_status_with_its_visibility_and_an_idempotency_key() -> None:
    parent_json = body_of(pick("status_reply", "POST", "/statuses"))  # mastodonpy_test_2's public status
    parent = status_message(parent_json, base_url=LOCAL, self_id=ADMIN, source={})
    recorded_reply = cassette("status_reply")[2]
    with Replay().add(pick("status_reply", "GET", "/accounts/verify_credentials"), recorded_reply).running() as replay:
        sent = MastodonConnector().send(
            _context(ADMIN), Outgoing(text="same!", idempotency_key="reply-1", in_reply_to=parent)
        )
    post = next(c for c in replay.calls if c.method == "POST")
    recorded_form = parse_qs(recorded_reply["request"]["body"])  # status (with the @mention), in_reply_to_id, ...
    assert {k: post.form.get(k) for k in recorded_form} == recorded_form
    assert post.headers["Idempotency-Key"] == "reply-1"
    assert sent.native.id == "117020583258292382" and sent.raw["in_reply_to_id"] == parent.native.id


def test_a_reply_to_a_direct_message_stays_direct() -> None:
    notification = body_of(cassette("notification_remote_account_mastodon_social")[0])[0]
    dm = status_message(notification["status"], base_url="https://mastodon.social", self_id="1", source={})
    assert dm.visibility is Visibility.DIRECT and dm.author.handle == "latencyobs@icosahedron.website"
    with (
        Replay()
        .add(
            pick("conversations", "GET", "/accounts/verify_credentials"),
            pick("status_post_direct", "POST", "/statuses"),
        )
        .running() as replay
    ):
        # The connector may not widen a private thread even when asked to.
        MastodonConnector().send(
            _context(ADMIN, server=LOCAL),
            Outgoing(text="thanks", idempotency_key="k", in_reply_to=dm, visibility=Visibility.PUBLIC),
        )
    post = next(c for c in replay.calls if c.method == "POST")
    assert post.form["visibility"] == ["direct"] and post.form["in_reply_to_id"] == [dm.native.id]


def test_a_reply_is_placed_under_its_thread_root_from_the_status_context() -> None:
    context = pick("status_context_mastodon_social", "GET", "/context")
    body = body_of(context)
    asked = context["request"]["uri"].rsplit("/", 2)[-2]  # the status whose context was recorded
    root = body["ancestors"][0]
    connector = MastodonConnector()
    with Replay().add(context).running():
        api, recorder = connector._api("https://mastodon.social", "t")
        # Only the two fields _roots reads, taken from the recording: the status asked about answers the root.
        roots = connector._roots(api, recorder, [{"id": asked, "in_reply_to_id": root["id"]}])
    assert roots == {asked: root["id"]}
    reply = body["descendants"][0]  # answers `asked`; its root is the same
    message = status_message(reply, base_url="https://mastodon.social", self_id="0", root_id=roots[asked], source={})
    assert message.thread.root is not None and message.thread.root.id == "110446983178245440"
    assert message.thread.parent is not None and message.thread.parent.id == asked == "110446983926957470"


def test_rate_limit_uses_the_servers_reset_time_and_degrades_the_channel(store: Store, workspace: str) -> None:
    with _replay_for_sync().running():
        view, _ = channels.connect_channel(
            store,
            workspace=workspace,
            network="mastodon",
            acting=TESTER,
            connector=MastodonConnector(),
            credentials={"access_token": "t"},
            config={"server": LOCAL},
            backfill=False,
        )
    recorded = pick("notifications_mentions_only", "GET", "/notifications")
    # Never recorded: a 429. The recorded response's headers with the remaining count at 0 and status 429.
    limited = Replay().add(recorded, status=429, headers={"x-ratelimit-remaining": "0"}, body=None)
    now = datetime(2026, 8, 1, 13, 50, tzinfo=UTC)  # before the recorded reset
    with limited.running():
        result = channels.sync_channel(store, view.id, connector=MastodonConnector(), now=now)
    assert result.status is not None and result.status.health is Health.DEGRADED
    assert recorded["response"]["headers"]["x-ratelimit-reset"] == "2026-08-01T13:55:00.940463Z"
    assert result.status.retry_at == datetime(2026, 8, 1, 13, 55, 0, 940463, tzinfo=UTC)
    skipped = channels.sync_channel(store, view.id, connector=MastodonConnector(), now=now)
    assert skipped.skipped and skipped.skipped.startswith("waiting until 2026-08-01T13:55:00")


def test_a_refused_token_is_told_apart_from_a_server_error(store: Store, workspace: str) -> None:
    recorded = pick("notifications_mentions_only", "GET", "/notifications")
    with Replay().add(recorded, status=401, body=None).running(), pytest.raises(AuthExpired):
        MastodonConnector().fetch(_context(TEST_USER), {"notifications": "21"})
    with Replay().add(recorded, status=503, body=None).running(), pytest.raises(Exception) as failed:
        MastodonConnector().fetch(_context(TEST_USER), {"notifications": "21"})
    assert not isinstance(failed.value, AuthExpired | RateLimited)


def test_a_channel_without_a_server_needs_connecting_and_sync_records_it(store: Store, workspace: str) -> None:
    """A Mastodon channel made without the server `authenticate` stores (by hand, or the demo's simulated one)
    is told to connect, recorded as the channel's health: no KeyError escapes into the worker."""
    from goodwill.actions import access_workspace, do_ensure_channel

    bare = ChannelContext(
        channel_id=1, network=Network.MASTODON, account_id="brand", handle="brand", config={}, credentials={}
    )
    with pytest.raises(AuthExpired, match="goodwill connect mastodon"):
        MastodonConnector().fetch(bare, {})
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel_id = do_ensure_channel(session, ws, network=Network.MASTODON, account_id="brand", acting=TESTER).id
    result = channels.sync_channel(store, channel_id, connector=MastodonConnector())
    assert result.status.health is Health.NEEDS_REAUTH and "no server configured" in (result.error or "")


def test_html_of_every_recorded_status_keeps_mentions_and_links() -> None:
    statuses = []
    for name in (
        "notifications_mentions_only",
        "notifications_all",
        "conversations",
        "status_reply",
        "status_context_mastodon_social",
        "notification_remote_account_mastodon_social",
    ):
        for interaction in cassette(name):
            body = body_of(interaction)
            for item in body if isinstance(body, list) else [body]:
                if not isinstance(item, dict):
                    continue
                for status in (
                    item,
                    item.get("status"),
                    item.get("last_status"),
                    *(item.get("ancestors") or []),
                    *(item.get("descendants") or []),
                ):
                    if isinstance(status, dict) and "content" in status:
                        statuses.append(status)
    assert len(statuses) > 10
    for status in statuses:
        text, entities = html_to_text(status["content"], status["mentions"])
        assert "<" not in text or "<" in status["content"].replace("<", "", status["content"].count("<"))
        for mention in status["mentions"]:
            assert f"@{mention['acct']}" in text
        for entity in entities:
            assert entity.start is not None and entity.end is not None
            shown = text[entity.start : entity.end]
            assert entity.value.lstrip("#") in shown or shown.startswith("@")


words = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .,!?&<>'\""), max_size=20
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            words.map(lambda w: ("text", w)),
            st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(lambda u: ("mention", u)),
            st.from_regex(r"[a-z]{1,8}", fullmatch=True).map(lambda t: ("tag", t)),
            st.from_regex(r"[a-z]{1,8}\.(org|com)/[a-z0-9]{0,10}", fullmatch=True).map(lambda u: ("link", u)),
        ),
        max_size=12,
    )
)
def test_html_to_text_never_loses_a_mention_link_or_word(parts: list[tuple[str, str]]) -> None:
    from html import escape

    html, mentions = [], []
    for kind, value in parts:
        if kind == "text":
            html.append(escape(value))
        elif kind == "mention":
            url = f"https://remote.example/@{value}"
            mentions.append({"id": value, "acct": f"{value}@remote.example", "url": url})
            html.append(f'<span class="h-card"><a href="{url}" class="u-url mention">@<span>{value}</span></a></span>')
        elif kind == "tag":
            html.append(f'<a href="https://x.example/tags/{value}" class="mention hashtag">#<span>{value}</span></a>')
        else:
            head, tail = value[:6], value[6:]
            html.append(
                f'<a href="https://{value}"><span class="invisible">https://</span>'
                f'<span class="ellipsis">{head}</span><span class="invisible">{tail}</span></a>'
            )
    text, _ = html_to_text("<p>" + " ".join(html) + "</p>", mentions)
    for kind, value in parts:
        expected = {
            "text": value.strip(),
            "mention": f"@{value}@remote.example",
            "tag": f"#{value}",
            "link": f"https://{value}",
        }[kind]
        assert expected in text
