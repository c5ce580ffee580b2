"""X on the real recorded payloads (../shared/payloads/x): tweepy's vcrpy cassettes, TwitterDev's Postman
examples and the documented webhook bodies, replayed to tweepy (which uses `requests`) with `responses`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses

from goodwill.connectors import channels, registry
from goodwill.connectors.base import AuthExpired, ChannelContext, Moderation, Outgoing, RateLimited, Refused
from goodwill.connectors.x import XConnector
from goodwill.connectors.x.normalise import dm_event_v1, dm_event_v2, snowflake_time, tweet_v1, tweet_v2
from goodwill.connectors.x.webhook import parse_delivery
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import InvalidMessage
from goodwill.store import Store
from tests.conftest import TESTER, shared_file

API = "https://api.twitter.com"
ME = "1072250532645998596"  # @TweepyDev, the account the tweepy cassettes were recorded with
MENTIONED = "783214"  # @Twitter, whose mentions were recorded
CREDS = {"consumer_key": "k", "consumer_secret": "s", "access_token": "t", "access_token_secret": "ts"}


def load(name: str) -> dict[str, Any]:
    return json.loads(Path(shared_file(f"payloads/x/{name}")).read_text())  # type: ignore[no-any-return]


def interactions(name: str) -> list[dict[str, Any]]:
    data = load(name)
    if "interactions" in data:
        return data["interactions"]  # type: ignore[no-any-return]
    response = data["response"]
    status = response["status"]
    return [
        {
            "request": data["request"],
            "response": {**response, "status": {"code": status} if isinstance(status, int) else status},
        }
    ]


def serve(mock: responses.RequestsMock, method: str, path: str, interaction: dict[str, Any], **override: Any) -> None:
    response = interaction["response"]
    headers = {k: v for k, v in response["headers"].items() if k.lower() not in ("content-encoding", "content-length")}
    body = override.get("body", response.get("body"))
    text = body if isinstance(body, str) else json.dumps(body)
    mock.add(
        method,
        re.compile(re.escape(API + path) + r"(\?.*)?$"),
        body=text,
        status=override.get("status", response["status"]["code"]),
        headers=headers,
    )


def ctx(account: str = MENTIONED, **config: Any) -> ChannelContext:
    return ChannelContext(
        1, Network.X, account, "@brand", config={"dms": False, "threads": False, **config}, credentials=CREDS
    )


# -- every recorded file -------------------------------------------------------------------------------------


def _check_v2(tweet: dict[str, Any], includes: dict[str, Any] | None = None) -> None:
    m = tweet_v2(tweet, includes=includes, self_id=ME, source={})
    assert m.native.id == tweet["id"] and m.text == tweet["text"] and m.raw is tweet
    assert m.author.native_id == tweet.get("author_id", "")
    replied = [r["id"] for r in tweet.get("referenced_tweets") or [] if r["type"] == "replied_to"]
    assert (m.thread.parent.id if m.thread.parent else None) == (replied[0] if replied else None)
    if tweet.get("conversation_id") and tweet["conversation_id"] != tweet["id"]:
        assert m.thread.root is not None and m.thread.root.id == tweet["conversation_id"]
    assert m.created_at == (
        datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
        if "created_at" in tweet
        else snowflake_time(tweet["id"])
    )
    if tweet.get("author_id"):
        m.validate()


def test_every_recorded_x_file_is_parsed_without_losing_ids_authors_or_thread_links() -> None:
    folder = Path(shared_file("payloads/x"))
    used: set[str] = set()
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text())
        name = path.name
        if name.startswith(("aaa_", "xaa_")):
            deliveries = parse_delivery(data["payload"])
            assert deliveries and all(d.account_id for d in deliveries), name
            for d in deliveries:
                for m in d.messages:
                    m.validate()
                    assert m.raw_envelope is not None
            used.add(name)
            continue
        bodies = [{"request": {}, "response": {"body": data}}] if "tweet" in data else interactions(name)
        for interaction in bodies:
            body = interaction["response"].get("body")
            uri = interaction["request"].get("uri") or interaction["request"].get("url") or ""
            if not isinstance(body, dict):
                continue
            if "tweet" in body:  # a v1.1 post
                m = tweet_v1(body["tweet"], self_id=ME, source={})
                assert m.native.id == body["tweet"]["id_str"] and m.author.native_id == body["tweet"]["user"]["id_str"]
                assert m.thread.parent is not None and m.thread.parent.id == body["tweet"]["in_reply_to_status_id_str"]
                m.validate()
            elif "event" in body:  # a v1.1 DM event
                m = dm_event_v1(body["event"], self_id=ME, source={})
                assert m.native.id == body["event"]["id"] and m.author.native_id == ME and m.kind is Kind.OWN
                m.validate()
            elif "dm_events" in uri:
                conversation = uri.split("/dm_conversations/")[1].split("/")[0] if "/dm_conversations/" in uri else None
                for event in body.get("data") or []:
                    m = dm_event_v2(event, self_id=ME, source={}, conversation_id=conversation)
                    assert m.native.id == event["id"] and m.is_private and m.text == event["text"]
            elif isinstance(body.get("data"), list):
                for tweet in body["data"]:
                    _check_v2(tweet, body.get("includes"))
            elif isinstance(body.get("data"), dict) and "text" in body["data"]:
                _check_v2(body["data"], body.get("includes"))
        used.add(name)
    # The one file that is not strict JSON: the docs elide the author (`"user": { ... }`).
    text = Path(folder / "aaa_tweet_create_events_longform.docs.txt").read_text()
    user = load("v1.1_tweet_object_reply.tweepy.json")["tweet"]["user"]  # a recorded v1.1 user in its place
    body = json.loads(text.split("\n", 1)[1].replace("{ ... }", json.dumps(user)))
    [delivery] = parse_delivery(body)
    [long_post] = delivery.messages
    raw = body["tweet_create_events"][0]
    assert long_post.native.id == "1924465506158878979"  # id_str, not the rounded number
    assert long_post.text == raw["extended_tweet"]["full_text"] and long_post.text_raw == raw["text"]
    assert [e.target_id for e in long_post.entities] == ["1661523610111193088", "1582853809"]
    assert long_post.created_at == datetime(2025, 5, 19, 14, 1, 46, tzinfo=UTC)
    assert used == {p.name for p in folder.glob("*.json")}


def test_a_reply_thread_with_expansions_keeps_authors_roots_and_parents() -> None:
    body = load("v2_search_recent_conversation_id_expansions.postman.json")["response"]["body"]
    messages = [tweet_v2(t, includes=body["includes"], self_id="17200003", source={}) for t in body["data"]]
    first, own = messages[0], messages[1]
    assert first.author.handle == "happycamper" and first.author.display_name.startswith("Emily")  # type: ignore[union-attr]
    assert first.kind is Kind.REPLY and first.thread.parent.id == "1275653067283759104"  # type: ignore[union-attr]
    assert first.thread.parent_author_id == "17200003"
    assert [e.type for e in first.entities] == ["mention", "link"] and first.entities[0].offset_unit == "x_v2"
    assert own.kind is Kind.OWN and own.direction is Direction.OUTBOUND


def test_webhook_dms_and_polled_dms_share_one_conversation_id() -> None:
    [delivery] = parse_delivery(load("aaa_direct_message_events.docs.json")["payload"])
    [dm] = delivery.messages
    assert dm.kind is Kind.DIRECT and dm.author.handle == "furiouscamper"
    assert dm.thread.conversation_id == "3001969357-4337869213" and dm.recipients[0].is_self
    sent = interactions("v2_dm_manage_and_lookup.tweepy.json")[0]["response"]["body"]["data"]
    assert sent["dm_conversation_id"] == "750362064426721281-1072250532645998596"  # the same spelling, smaller first
    [xaa] = parse_delivery(load("xaa_chat.received.docs.json")["payload"])
    assert xaa.messages[0].labels == ["encrypted"] and not xaa.messages[0].reply.can_reply
    [revoked] = parse_delivery(load("xaa_oauth.revoke.docs.json")["payload"])
    assert revoked.events[0]["type"] == "revoked" and not revoked.messages


# -- the connector through tweepy ----------------------------------------------------------------------------


def test_mentions_ask_for_authors_and_page_back_with_the_token_then_resume_with_since_id() -> None:
    recorded = interactions("v2_get_users_mentions.tweepy.json")[0]
    connector = XConnector()
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", recorded)
        first = connector.fetch(ctx(), {})
        asked = mock.calls[0].request.url
    assert "tweet.fields=author_id%2Cconversation_id" in asked and "expansions=author_id" in asked
    assert "since_id" not in asked
    assert len(first.messages) == 10 and first.more
    assert first.cursor["mentions_round"] == {
        "next": "7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j",
        "newest": "1578516295611748353",
    }
    last_page = {**recorded["response"]["body"], "meta": {"result_count": 0}}
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", recorded, body=last_page)
        second = connector.fetch(ctx(), first.cursor)
        assert "pagination_token=7140dibdnow9c7btw423i3sy3u5zupmkcpofxcsmxj48j" in mock.calls[0].request.url
    assert second.cursor["mentions"] == "1578516295611748353" and "mentions_round" not in second.cursor
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", recorded, body={"meta": {"result_count": 0}})
        connector.fetch(ctx(), second.cursor)
        assert "since_id=1578516295611748353" in mock.calls[0].request.url


def test_a_429_is_rate_limited_until_xs_reset() -> None:
    limited = interactions("v2_error_429_rate_limit.postman.json")[0]
    with responses.RequestsMock() as mock, pytest.raises(RateLimited) as caught:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", limited)
        XConnector().fetch(ctx(), {})
    assert caught.value.reset_at == datetime.fromtimestamp(1593185073, tz=UTC)
    assert caught.value.platform_error == "Rate limit exceeded"


def test_200_with_errors_keeps_going_and_reports_them() -> None:
    partial = interactions("v2_error_not_found_in_200.postman.json")[0]
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", partial)
        fetched = XConnector().fetch(ctx(), {"mentions": "5"})
    assert fetched.messages == [] and fetched.cursor == {"mentions": "5"}
    assert fetched.notes == ("X reported: Could not find tweet with id: [1276230436478386177].",)


def test_remaining_zero_stops_paging_instead_of_earning_a_429() -> None:
    recorded = interactions("v2_get_users_mentions.tweepy.json")[0]
    recorded = {
        **recorded,
        "response": {
            **recorded["response"],
            "headers": {**recorded["response"]["headers"], "x-rate-limit-remaining": "0"},
        },
    }
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", recorded)
        fetched = XConnector().fetch(ctx(), {})
    assert not fetched.more and "rate limit used up" in fetched.notes[0]
    assert fetched.cursor["mentions_round"]["next"]  # resumes where it stopped


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("v2_error_401_unauthorized.postman.json", AuthExpired),
        ("v2_error_403_client_not_enrolled.postman.json", Refused),
        ("v2_error_400_bad_request.postman.json", Refused),
    ],
)
def test_error_statuses_map_to_what_the_channel_should_do(name: str, error: type[Exception]) -> None:
    with responses.RequestsMock() as mock, pytest.raises(error) as caught:
        serve(mock, "GET", f"/2/users/{MENTIONED}/mentions", interactions(name)[0])
        XConnector().fetch(ctx(), {})
    assert caught.value.platform_error  # type: ignore[attr-defined]


def test_dms_are_read_newest_first_until_the_cursor() -> None:
    lookup = interactions("v2_dm_manage_and_lookup.tweepy.json")
    listed = next(
        i for i in lookup if i["request"]["uri"].endswith("/dm_conversations/with/750362064426721281/dm_events")
    )
    with responses.RequestsMock() as mock:
        serve(
            mock,
            "GET",
            f"/2/users/{ME}/mentions",
            interactions("v2_get_users_mentions.tweepy.json")[0],
            body={"meta": {"result_count": 0}},
        )
        serve(mock, "GET", "/2/dm_events", listed)
        fetched = XConnector().fetch(ctx(ME, dms=True), {"dms": "1585800613253812228"})
        assert "dm_event.fields=" in mock.calls[1].request.url
    assert [m.native.id for m in fetched.messages] == ["1585800613752881156"]  # the older one was stored before
    assert fetched.cursor["dms"] == "1585800613752881156"


def test_reply_dm_and_hide_send_what_x_expects() -> None:
    created = interactions("v2_create_and_delete_tweet.tweepy.json")[0]
    dm = interactions("v2_dm_manage_and_lookup.tweepy.json")[1]
    hidden = interactions("v2_hide_and_unhide_reply.tweepy.json")[0]
    body = load("v2_search_recent_conversation_id_expansions.postman.json")["response"]["body"]
    parent = tweet_v2(body["data"][0], includes=body["includes"], self_id="17200003", source={})
    dm_parent = parse_delivery(load("aaa_direct_message_events.docs.json")["payload"])[0].messages[0]
    connector = XConnector()
    with responses.RequestsMock() as mock:
        serve(mock, "POST", "/2/tweets", created)
        serve(mock, "POST", "/2/dm_conversations/3001969357-4337869213/messages", dm)
        serve(mock, "PUT", f"/2/tweets/{parent.native.id}/hidden", hidden)
        sent = connector.send(ctx(), Outgoing(text="Test Tweet", idempotency_key="k", in_reply_to=parent))
        dm_sent = connector.send(ctx(), Outgoing(text="Testing 2", idempotency_key="k2", in_reply_to=dm_parent))
        answer = connector.moderate(ctx(), parent, Moderation.HIDE)
        posted = json.loads(mock.calls[0].request.body)
        assert mock.calls[0].request.headers["Authorization"].startswith("OAuth ")  # user context, OAuth 1.0a
        assert json.loads(mock.calls[1].request.body) == {"text": "Testing 2"}
        assert json.loads(mock.calls[2].request.body) == {"hidden": True}
    assert posted == {"text": "Test Tweet", "reply": {"in_reply_to_tweet_id": "1276035977375477760"}}
    assert sent.native.id == "1456012973835788293"
    assert dm_sent.native.id == "1585800613752881156" and answer == {"data": {"hidden": True}}
    with pytest.raises(Refused):
        connector.moderate(ctx(), parent, Moderation.SPAM)


def test_connect_then_sync_stores_mentions_once(store: Store, workspace: str) -> None:
    me = interactions("v2_get_me.tweepy.json")[0]
    thread = interactions("v2_search_recent_conversation_id_expansions.postman.json")[0]
    assert registry.get("x").network is Network.X
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve(mock, "GET", "/2/users/me", me)
        serve(mock, "GET", f"/2/users/{ME}/mentions", thread)  # a page with authors and expansions, as asked
        mock.add("GET", re.compile(re.escape(API) + r"/2/dm_events.*"), json={"meta": {"result_count": 0}})
        mock.add("GET", re.compile(re.escape(API) + r"/2/tweets/search/recent.*"), json={"meta": {"result_count": 0}})
        view, first = channels.connect_channel(
            store, workspace=workspace, network="x", acting=TESTER, connector=XConnector(), credentials=CREDS
        )
        again = channels.sync_channel(store, view.id, connector=XConnector())
    assert view.account_id == ME and view.handle == "@TweepyDev"
    assert first is not None and first.error is None and first.ingest.stored == 4
    assert again.error is None and again.ingest.stored == 0 and again.ingest.duplicates == 4
    cursor = channels.list_channels(store, workspace=workspace)[0].cursor
    assert cursor["mentions"] == "1276035977375477760"
    assert cursor["threads"] == {}  # 2020 threads are past recent search's 7 days: not followed
    for m in [
        tweet_v2(t, includes=thread["response"]["body"]["includes"], self_id=ME, source={})
        for t in thread["response"]["body"]["data"]
    ]:
        assert m.visibility is Visibility.PUBLIC


# -- malformed times -----------------------------------------------------------------------------------------

BAD_TIMES = [
    "99999999999999999999",  # epoch milliseconds past what datetime holds
    "-1577836800000",  # negative epoch milliseconds
    "yesterday",  # not a time
    "2020-13-45T99:00:00Z",  # not a date
    "9999-12-31T23:59:59Z",  # a date, out of range (following its thread for 7 days overflows)
]


@pytest.mark.parametrize("bad", BAD_TIMES)
def test_a_post_with_a_malformed_time_is_refused_by_field_and_id_and_the_rest_kept(bad: str) -> None:
    recorded = interactions("v2_search_recent_conversation_id_expansions.postman.json")[0]
    body = json.loads(json.dumps(recorded["response"]["body"]))  # a copy of the recorded page, one time edited
    body["data"][1]["created_at"] = bad
    refused = body["data"][1]["id"]
    with responses.RequestsMock() as mock:
        serve(mock, "GET", f"/2/users/{ME}/mentions", recorded, body=body)
        fetched = XConnector().fetch(ctx(ME), {})
    assert [m.native.id for m in fetched.messages] == [t["id"] for t in body["data"] if t["id"] != refused]
    [note] = fetched.notes
    assert note.startswith("refused a malformed item: created_at: ") and f"X post {refused}" in note
    assert repr(bad)[:40] in note
    assert fetched.cursor["mentions"] == body["meta"]["newest_id"]  # the page is read; the refused post is not
    with pytest.raises(InvalidMessage) as caught:
        tweet_v2(body["data"][1], includes=body["includes"], self_id=ME, source={})
    assert caught.value.field == "created_at"


@pytest.mark.parametrize(
    ("field", "bad"), [("created_timestamp", b) for b in BAD_TIMES[:3]] + [("created_timestamp", 1e300)]
)
def test_a_webhook_dm_with_a_malformed_epoch_time_is_refused_by_field_and_id(field: str, bad: object) -> None:
    body = load("aaa_direct_message_events.docs.json")["payload"]  # a fresh copy of the documented delivery
    event = body["direct_message_events"][0]
    event[field] = bad
    with pytest.raises(InvalidMessage) as caught:
        parse_delivery(body)
    assert caught.value.field == field and f"X direct message {event['id']}" in str(caught.value)


def test_an_id_that_is_no_snowflake_gives_no_time_instead_of_overflowing() -> None:
    assert snowflake_time("9" * 30) is None and snowflake_time("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩") is None
    assert snowflake_time("1578516295611748353") == datetime(2022, 10, 7, 22, 43, 6, 945000, tzinfo=UTC)
