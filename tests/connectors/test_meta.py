"""Meta on the recorded payloads (../shared/payloads/meta): Graph responses saved by pyfacebook's
maintainers, Meta's documented webhook bodies and a captured Page feed delivery, served through
httpx.MockTransport; the Messenger and private-reply windows checked before any call."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from goodwill.connectors.base import AuthExpired, ChannelContext, Moderation, Outgoing, RateLimited, Refused
from goodwill.connectors.meta import FacebookConnector, InstagramConnector
from goodwill.connectors.meta.graph import error_from
from goodwill.connectors.meta.normalise import fb_comment, graph_message, ig_comment, ig_mention, messaging_event
from goodwill.connectors.meta.webhook import parse_delivery
from goodwill.domain.enums import Kind, Network
from tests.conftest import shared_file

PAGE = "2121008874780932"  # the pyfacebook maintainer's test Page
IG = "17841406338772941"


def load(name: str) -> Any:
    data = json.loads(Path(shared_file(f"payloads/meta/{name}")).read_text())
    return data.get("response", data)


def test_every_recorded_meta_file_is_parsed_without_losing_ids_authors_or_thread_links() -> None:
    folder = Path(shared_file("payloads/meta"))
    seen = set()
    comment = load("graph_fb_comment_full_fields.pyfacebook.json")
    m = fb_comment(comment, page_id=PAGE, post_id=None, source={})
    assert (
        m.native.id == comment["id"]
        and m.author.native_id == "2711636948859886"
        and m.author.id_scope == f"page:{PAGE}"
    )
    assert (
        m.thread.root is not None
        and m.thread.root.id == f"{PAGE}_2954961744718970"
        and m.attachments[0].type == "image"
    )
    assert m.reply.restrictions == {"can_reply_privately": True, "private_reply_until": "2021-07-30T08:35:18+00:00"}
    created = load("graph_fb_comment_create_response.pyfacebook.json")
    assert fb_comment(created, page_id="245628824887810", post_id=None, source={}).native.id == created["id"]
    page1 = load("graph_fb_post_comments_page1.pyfacebook.json")["data"]
    ids = [
        fb_comment(c, page_id="19292868552", post_id="19292868552_10158407654328553", source={}).native.id
        for c in page1
    ]
    assert ids[0] == "10158407654328553_10158407835073553"  # from the permalink: `id` was not asked for
    assert len(set(ids)) == len(page1)
    reply = fb_comment(page1[5], page_id="19292868552", post_id="19292868552_10158407654328553", source={})
    assert reply.kind is Kind.REPLY and reply.thread.parent.id == "10158407654328553_10158407903973553"  # type: ignore[union-attr]
    messages = list(load("graph_fb_conversation_messages.pyfacebook.json").values())
    for node in messages:
        dm = graph_message(node, account_id=PAGE, network=Network.FACEBOOK, source={})
        assert dm.native.id == node["id"] and dm.author.native_id == node["from"]["id"]
        assert dm.thread.conversation_id in {node["from"]["id"], node["to"]["data"][0]["id"]}
        dm.validate()
    conversation = load("graph_fb_conversation.pyfacebook.json")
    assert {p["id"] for p in conversation["participants"]["data"]} >= {PAGE}
    posts = load("graph_fb_page_posts_feed_page1.pyfacebook.json")["data"]
    assert all(p["id"].startswith("4_") for p in posts)
    full = load("graph_ig_comment_full.pyfacebook.json")
    [top, nested] = ig_comment(full, ig_user_id=IG, source={})
    assert top.native.id == full["id"] and top.author.native_id == IG and top.kind is Kind.OWN  # the account itself
    assert top.thread.root is not None and top.thread.root.id == "17846368219941692"
    assert (
        nested.thread.parent is not None
        and nested.thread.parent.id == full["id"]
        and nested.thread.root == top.thread.root
    )
    for name in ("graph_ig_comment_replies.pyfacebook.json", "graph_ig_media_comments_page1.pyfacebook.json"):
        for item in load(name)["data"]:
            assert ig_comment(item, ig_user_id=IG, media_id="17846368219941692", source={})[0].native.id == item["id"]
    for name in ("graph_ig_mentioned_comment.pyfacebook.json", "graph_ig_mentioned_media.pyfacebook.json"):
        found = load(name)
        mention = ig_mention(found, ig_user_id=IG, media_id="17846368219941692", source={})
        assert mention.kind is Kind.MENTION and mention.author.handle in ("ikroskun", None)
        assert mention.native.id == (found.get("mentioned_comment") or found["mentioned_media"])["id"]
    errors = load("graph_error_oauthexception.pyfacebook.json")["errors"]
    assert all(isinstance(error_from(400, e, "read"), Refused) for e in errors)
    feed = load("webhook_page_feed_comment.captured.json")["payloads"]
    for body in feed:
        [delivery] = parse_delivery(body)
        [comment_message] = delivery.messages
        value = body["entry"][0]["changes"][0]["value"]
        assert (
            comment_message.native.id == value["comment_id"] and comment_message.author.native_id == value["from"]["id"]
        )
        assert comment_message.thread.root is not None and comment_message.thread.root.id == value["post_id"]
        assert comment_message.kind is Kind.COMMENT and comment_message.text == value.get("message", "")
    docs = load("webhook_messenger_messages.docs.json")["examples"]
    reply = messaging_event(docs["reply_message"], account_id="<PAGE_ID>", network=Network.FACEBOOK, source={})
    assert (
        reply is not None
        and reply.thread.parent is not None
        and reply.thread.parent.id == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    )
    assert reply.reply.window_expires_at == reply.created_at + timedelta(hours=24)
    [envelope] = parse_delivery(docs["full_envelope_from_third_party_test_file"])
    assert envelope.messages[0].native.id == "mid.1457764197618:41d102a3e1ae206a38"
    attachment = docs["entry_with_attachment"]
    assert parse_delivery({"object": "page", "entry": [attachment]})[0].messages[0].attachments
    ig_docs = load("webhook_instagram_comments_and_messaging.docs.json")["examples"]
    change = {"object": "instagram", "entry": [{"id": IG, "time": 1547687043, "changes": [ig_docs["comments_change"]]}]}
    [ig_delivery] = parse_delivery(change)
    assert (
        ig_delivery.messages[0].native.id == "<COMMENT_ID>" and ig_delivery.messages[0].thread.root.id == "<MEDIA_ID>"
    )  # type: ignore[union-attr]
    [insights] = parse_delivery(ig_docs["story_insights_change_with_real_ids"])
    assert insights.events[0]["type"] == "story_insights" and not insights.messages
    seen = {p.name for p in folder.glob("*.json")}
    assert len(seen) == 15


def ctx(network: Network = Network.FACEBOOK, **config: Any) -> ChannelContext:
    account = PAGE if network is Network.FACEBOOK else IG
    return ChannelContext(
        1, network, account, "brand", config=config, credentials={"page_access_token": "tok", "app_secret": "s"}
    )


class Graph:
    """A Graph API stand-in that answers each path with a recorded body and keeps the requests."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def factory(self) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            path = request.url.path.split("/", 2)[2]
            answer = self.answers.get(path, {"data": []})
            status, body = answer if isinstance(answer, tuple) else (200, answer)
            return httpx.Response(status, json=body)

        return httpx.Client(transport=httpx.MockTransport(handle))


def test_facebook_fetch_reads_feed_comments_and_messenger() -> None:
    comments = load("graph_fb_post_comments_page1.pyfacebook.json")
    post = {
        "id": f"{PAGE}_2954961744718970",
        "message": "New car",
        "created_time": "2021-08-10T10:00:00+0000",
        "updated_time": "2021-08-12T10:00:00+0000",
        "from": {"id": PAGE, "name": "MyLife"},
    }
    convo = load("graph_fb_conversation.pyfacebook.json")
    messages = {"data": list(load("graph_fb_conversation_messages.pyfacebook.json").values())}
    graph = Graph(
        {
            f"{PAGE}/feed": {"data": [post]},
            f"{post['id']}/comments": comments,
            f"{PAGE}/conversations": {"data": [convo]},
            f"{convo['id']}/messages": messages,
        }
    )
    fetched = FacebookConnector(client_factory=graph.factory).fetch(ctx(), {})
    kinds = [m.kind for m in fetched.messages]
    assert (
        kinds.count(Kind.OWN) >= 1 and kinds.count(Kind.COMMENT) == 6 and kinds.count(Kind.REPLY) == 4
    )  # filter=stream
    assert any(m.is_private for m in fetched.messages)
    assert all(r.headers["authorization"] == "Bearer tok" and "appsecret_proof" in str(r.url) for r in graph.requests)
    assert fetched.cursor["since"] > 0 and fetched.cursor["dms_since"] > 0


def test_messenger_window_is_enforced_before_sending() -> None:
    docs = load("webhook_messenger_messages.docs.json")["examples"]
    dm = messaging_event(docs["text_message"], account_id=PAGE, network=Network.FACEBOOK, source={})
    assert dm is not None
    graph = Graph({f"{PAGE}/messages": {"recipient_id": "<PSID>", "message_id": "m_new"}})
    inside = FacebookConnector(client_factory=graph.factory, now=lambda: dm.created_at + timedelta(hours=23))
    assert inside.send(ctx(), Outgoing(text="hi", idempotency_key="k", in_reply_to=dm)).native.id == "m_new"
    assert json.loads(graph.requests[-1].content)["messaging_type"] == "RESPONSE"
    late = FacebookConnector(client_factory=graph.factory, now=lambda: dm.created_at + timedelta(hours=25))
    with pytest.raises(Refused, match="24-hour messaging window"):
        late.send(ctx(), Outgoing(text="hi", idempotency_key="k", in_reply_to=dm))
    assert len(graph.requests) == 1  # refused before calling Meta
    late.send(ctx(human_agent=True), Outgoing(text="hi", idempotency_key="k", in_reply_to=dm))
    assert json.loads(graph.requests[-1].content)["tag"] == "HUMAN_AGENT"


def test_comment_replies_private_replies_and_hiding() -> None:
    comment = fb_comment(load("graph_fb_comment_full_fields.pyfacebook.json"), page_id=PAGE, post_id=None, source={})
    created = load("graph_fb_comment_create_response.pyfacebook.json")
    graph = Graph(
        {
            f"{comment.native.id}/comments": created,
            f"{PAGE}/messages": {"recipient_id": "1", "message_id": "m_1"},
            comment.native.id: {"success": True},
        }
    )
    connector = FacebookConnector(client_factory=graph.factory, now=lambda: comment.created_at + timedelta(days=1))
    assert (
        connector.send(ctx(), Outgoing(text="thanks", idempotency_key="k", in_reply_to=comment)).native.id
        == created["id"]
    )
    connector.send(ctx(), Outgoing(text="DM", idempotency_key="k", in_reply_to=comment, private_reply=True))
    assert json.loads(graph.requests[-1].content)["recipient"] == {"comment_id": comment.native.id}
    assert connector.moderate(ctx(), comment, Moderation.HIDE) == {"success": True}
    assert json.loads(graph.requests[-1].content) == {"is_hidden": True}
    late = FacebookConnector(client_factory=graph.factory, now=lambda: comment.created_at + timedelta(days=8))
    with pytest.raises(Refused, match="within 7 days"):
        late.send(ctx(), Outgoing(text="DM", idempotency_key="k", in_reply_to=comment, private_reply=True))


def test_instagram_reply_mention_and_dm_window() -> None:
    [top, nested] = ig_comment(load("graph_ig_comment_full.pyfacebook.json"), ig_user_id="someone-else", source={})
    mention = ig_mention(load("graph_ig_mentioned_comment.pyfacebook.json"), ig_user_id=IG, media_id="1789", source={})
    graph = Graph({f"{top.native.id}/replies": {"id": "r1"}, f"{IG}/mentions": {"id": "r2"}})
    connector = InstagramConnector(client_factory=graph.factory, now=lambda: datetime(2024, 1, 1, tzinfo=UTC))
    connector.send(
        ctx(Network.INSTAGRAM), Outgoing(text="a", idempotency_key="k", in_reply_to=nested)
    )  # goes under the top
    assert graph.requests[-1].url.path.endswith(f"{top.native.id}/replies")
    connector.send(ctx(Network.INSTAGRAM), Outgoing(text="b", idempotency_key="k", in_reply_to=mention))
    assert json.loads(graph.requests[-1].content) == {
        "media_id": "1789",
        "message": "b",
        "comment_id": mention.native.id,
    }
    with pytest.raises(Refused, match="within 7 days"):
        connector.send(
            ctx(Network.INSTAGRAM), Outgoing(text="c", idempotency_key="k", in_reply_to=top, private_reply=True)
        )


def test_graph_errors_by_code() -> None:
    assert isinstance(error_from(400, {"error": {"code": 190, "message": "expired"}}, "x"), AuthExpired)
    throttled = error_from(
        400,
        {"error": {"code": 80001}},
        "x",
        httpx.Headers(
            {"x-business-use-case-usage": json.dumps({"1": [{"type": "pages", "estimated_time_to_regain_access": 5}]})}
        ),
    )
    assert isinstance(throttled, RateLimited) and throttled.reset_at is not None
