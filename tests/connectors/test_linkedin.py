"""LinkedIn on the one documented payload (../shared/payloads/linkedin: no recorded live comment exists in
public code) and the Comments API shapes it documents, through httpx.MockTransport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from goodwill.connectors import channels
from goodwill.connectors.base import AuthExpired, ChannelContext, Outgoing, Refused
from goodwill.connectors.linkedin import LinkedInConnector
from goodwill.connectors.linkedin.normalise import comment_message, compliance_event
from goodwill.domain.enums import Kind, Network
from goodwill.domain.message import InvalidMessage
from goodwill.store import Store
from tests.conftest import TESTER, shared_file

ORG = "urn:li:organization:2414183"


def event() -> dict[str, Any]:
    return json.loads(
        Path(shared_file("payloads/linkedin/compliance_event_socialactions_comment.docs.json")).read_text()
    )["event"]  # type: ignore[no-any-return]


def test_the_documented_comment_keeps_its_urn_author_and_post() -> None:
    recorded = event()
    message = compliance_event(recorded, org_urn=ORG)
    assert message is not None
    message.validate()
    assert message.native.id == "urn:li:comment:(urn:li:ugcPost:123456789,123456789)"
    assert message.author.native_id == "urn:li:person:Ylpq-RobP9" and message.kind is Kind.COMMENT
    assert message.thread.root is not None and message.thread.root.id == "urn:li:ugcPost:123456789"
    assert message.text == "What a lovely event!" and message.created_at.year == 2019
    assert message.raw is recorded["activity"] and message.raw_envelope["resourceUri"].endswith("/comments/123456789")  # type: ignore[index]
    assert compliance_event({**recorded, "resourceName": "socialActions/likes"}, org_urn=ORG) is None


def ctx() -> ChannelContext:
    return ChannelContext(1, Network.LINKEDIN, ORG, "acme", credentials={"access_token": "tok"})


def test_fetch_reads_comments_and_replies_and_reply_goes_under_the_top_level_comment() -> None:
    top = {
        **event()["activity"],
        "$URN": "urn:li:comment:(urn:li:ugcPost:123456789,123456789)",
        "commentsSummary": {"aggregatedTotalComments": 1},
    }
    reply = {**event()["activity"], "id": "42", "actor": ORG, "parentComment": top["$URN"]}
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path = request.url.path
        if path == "/rest/posts":
            return httpx.Response(200, json={"elements": [{"id": "urn:li:ugcPost:123456789"}]})
        if "ugcPost%3A123456789/comments" in request.url.raw_path.decode() and request.method == "GET":
            return httpx.Response(200, json={"elements": [top]})
        if request.method == "GET":
            return httpx.Response(200, json={"elements": [reply]})
        return httpx.Response(201, json={}, headers={"x-restli-id": "777"})

    connector = LinkedInConnector(client_factory=lambda: httpx.Client(transport=httpx.MockTransport(handle)))
    fetched = connector.fetch(ctx(), {})
    assert [m.kind for m in fetched.messages] == [Kind.COMMENT, Kind.OWN]
    assert fetched.messages[1].thread.parent is not None and fetched.messages[1].thread.parent.id == top["$URN"]
    assert seen[0].headers["LinkedIn-Version"] and seen[0].headers["X-Restli-Protocol-Version"] == "2.0.0"
    answer = comment_message({**reply, "actor": "urn:li:person:x"}, org_urn=ORG, source={})
    sent = connector.send(ctx(), Outgoing(text="Thanks!", idempotency_key="k", in_reply_to=answer))
    body = json.loads(seen[-1].content)
    assert body == {
        "actor": ORG,
        "object": "urn:li:ugcPost:123456789",
        "message": {"text": "Thanks!"},
        "parentComment": top["$URN"],
    }
    assert sent.native.id == "urn:li:comment:(urn:li:ugcPost:123456789,777)"
    with pytest.raises(Refused, match="public only"):
        connector.send(ctx(), Outgoing(text="psst", idempotency_key="k", in_reply_to=answer, private_reply=True))


def test_a_refused_token_needs_re_authorisation() -> None:
    connector = LinkedInConnector(
        client_factory=lambda: httpx.Client(
            transport=httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "Invalid access token"}))
        )
    )
    with pytest.raises(AuthExpired):
        connector.fetch(ctx(), {})


# -- malformed times -----------------------------------------------------------------------------------------

BAD_TIMES: list[object] = [10**20, -1, "soon", 1e300, True]  # past datetime, negative, not a number, a boolean


def _page_with_a_bad_time(field: str, bad: object) -> tuple[list[dict[str, Any]], str]:
    """Two comments on one post, copies of the documented one: the second with `field` ("created" or
    "lastModified") edited to `bad`. Returns them and the refused one's URN."""
    good = {**event()["activity"]}
    broken = json.loads(json.dumps(event()["activity"]))
    broken["id"] = "123456790"
    broken[field]["time"] = bad
    return [good, broken], "urn:li:comment:(urn:li:ugcPost:123456789,123456790)"


def _serving(elements: list[dict[str, Any]]) -> LinkedInConnector:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/rest/organizations/"):
            return httpx.Response(200, json={"vanityName": "acme", "localizedName": "Acme"})
        if request.url.path == "/rest/posts":
            return httpx.Response(200, json={"elements": [{"id": "urn:li:ugcPost:123456789"}]})
        return httpx.Response(200, json={"elements": elements})

    return LinkedInConnector(client_factory=lambda: httpx.Client(transport=httpx.MockTransport(handle)))


@pytest.mark.parametrize("field", ["created", "lastModified"])
@pytest.mark.parametrize("bad", BAD_TIMES)
def test_a_comment_with_a_malformed_time_is_refused_by_field_and_urn_and_the_rest_kept(field: str, bad: object) -> None:
    elements, refused = _page_with_a_bad_time(field, bad)
    fetched = _serving(elements).fetch(ctx(), {"since": 5})
    assert [m.native.id for m in fetched.messages] == [comment_message(elements[0], org_urn=ORG, source={}).native.id]
    [note] = fetched.notes
    assert (
        note.startswith(f"refused a malformed item: {field}.time: {bad!r}"[:60])
        and f"LinkedIn comment {refused}" in note
    )
    assert fetched.cursor["since"] == elements[0]["created"]["time"]  # not moved by the refused comment
    with pytest.raises(InvalidMessage) as caught:
        comment_message(elements[1], org_urn=ORG, source={})
    assert caught.value.field == f"{field}.time"


def test_a_sync_stores_the_good_comments_and_names_the_refused_one(store: Store, workspace: str) -> None:
    elements, refused = _page_with_a_bad_time("created", 10**20)
    view, first = channels.connect_channel(
        store,
        workspace=workspace,
        network="linkedin",
        acting=TESTER,
        connector=_serving(elements),
        credentials={"access_token": "tok"},
        config={"organization": ORG},
    )
    assert first is not None and first.error is None and first.ingest.stored == 1
    assert first.status is not None and any(refused in n for n in first.status.notes)
    again = channels.sync_channel(store, view.id, connector=_serving(elements))
    assert again.error is None and again.ingest.stored == 0 and again.ingest.duplicates == 1
    assert channels.list_channels(store, workspace=workspace)[0].cursor == {"since": elements[0]["created"]["time"]}
