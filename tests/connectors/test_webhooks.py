"""Webhook receivers through the FastAPI app: the connectors.md test vectors, real documented bodies, and
forged, replayed, oversized and malformed deliveries (refused, nothing stored)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from goodwill.actions.workspaces import access_workspace, do_ensure_channel
from goodwill.api import webhooks
from goodwill.api.app import create_app
from goodwill.connectors.meta import webhook as meta_hook
from goodwill.connectors.secrets import seal
from goodwill.connectors.wordpress import webhook as blog_hook
from goodwill.connectors.x import webhook as x_hook
from goodwill.domain.enums import Network
from goodwill.store import Store
from goodwill.store.tables import Channel, Message
from tests.conftest import TESTER, shared_file

X_SECRET = "test_consumer_secret"
META_SECRET = "test_app_secret_key"


def payload(path: str) -> Any:
    return json.loads(Path(shared_file(f"payloads/{path}")).read_text())


def channel(
    store: Store, workspace: str, network: Network, account: str, credentials: dict[str, Any], **config: Any
) -> int:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        row = do_ensure_channel(session, ws, network=network, account_id=account, acting=TESTER)
        row.credentials = seal(credentials)
        row.config = config
        session.flush()
        return row.id


def stored(store: Store) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def test_the_connectors_md_test_vectors() -> None:
    assert x_hook.crc_response("test_consumer_secret", "challenge_string") == {
        "response_token": "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="
    }
    assert meta_hook.signature("test_app_secret_key", b'{"object":"page","entry":[]}') == (
        "sha256=0cd827e6460b86fe5000b22caf1c5ffa24837ef9702ad29f764134462f21396c"
    )


def test_x_crc_and_a_signed_delivery_stored_once_even_when_retried(store: Store, workspace: str) -> None:
    body = payload("x/aaa_direct_message_events.docs.json")["payload"]
    cid = channel(store, workspace, Network.X, "4337869213", {"consumer_secret": X_SECRET})
    client = TestClient(create_app(store))
    crc = client.get(f"/webhooks/x/{cid}", params={"crc_token": "challenge_string"})
    assert (
        crc.status_code == 200 and crc.json()["response_token"] == "sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4="
    )
    raw = json.dumps(body).encode()
    signed = {x_hook.SIGNATURE_HEADER: x_hook.crc_response(X_SECRET, "")["response_token"]}  # wrong: over ""
    assert client.post(f"/webhooks/x/{cid}", content=raw, headers=signed).status_code == 401
    good = {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    first = client.post(f"/webhooks/x/{cid}", content=raw, headers=good)
    assert first.status_code == 200 and first.json()["stored"] == 1
    retry = client.post(f"/webhooks/x/{cid}", content=raw, headers=good)
    assert retry.status_code == 200 and retry.json() == {**first.json(), "stored": 0, "duplicates": 1}
    assert stored(store) == 1


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("forged", 401),
        ("unsigned", 401),
        ("tampered", 401),
        ("oversized", 413),
        ("malformed", 400),
        ("not-object", 400),
    ],
)
def test_bad_x_deliveries_are_refused_and_store_nothing(store: Store, workspace: str, case: str, status: int) -> None:
    cid = channel(store, workspace, Network.X, "4337869213", {"consumer_secret": X_SECRET})
    raw = json.dumps(payload("x/aaa_direct_message_events.docs.json")["payload"]).encode()
    headers = {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    if case == "forged":
        headers = {x_hook.SIGNATURE_HEADER: x_hook._digest("someone-elses-secret", raw)}
    elif case == "unsigned":
        headers = {}
    elif case == "tampered":
        raw = raw.replace(b"Hello World!", b"Hello Werld!")
    elif case == "oversized":
        raw = b'{"pad": "' + b"x" * (webhooks.MAX_BODY + 1) + b'"}'
        headers = {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    elif case in ("malformed", "not-object"):
        raw = b"{not json" if case == "malformed" else b"[1, 2]"
        headers = {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    response = TestClient(create_app(store)).post(f"/webhooks/x/{cid}", content=raw, headers=headers)
    assert response.status_code == status
    assert stored(store) == 0


def test_an_x_delivery_with_a_time_out_of_range_is_refused_by_field_and_id(store: Store, workspace: str) -> None:
    cid = channel(store, workspace, Network.X, "4337869213", {"consumer_secret": X_SECRET})
    body = payload("x/aaa_direct_message_events.docs.json")["payload"]  # a copy, its epoch milliseconds edited
    body["direct_message_events"][0]["created_timestamp"] = "99999999999999999999"
    raw = json.dumps(body).encode()
    headers = {x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    response = TestClient(create_app(store)).post(f"/webhooks/x/{cid}", content=raw, headers=headers)
    assert response.status_code == 400
    assert "created_timestamp" in response.text and "X direct message 954491830116155396" in response.text
    assert stored(store) == 0


def test_meta_handshake_checks_the_verify_token(store: Store, workspace: str) -> None:
    cid = channel(
        store, workspace, Network.FACEBOOK, "889083480945134", {"app_secret": META_SECRET, "verify_token": "ours"}
    )
    client = TestClient(create_app(store))
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "ours"}
    ok = client.get(f"/webhooks/meta/{cid}", params=query)
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert client.get(f"/webhooks/meta/{cid}", params={**query, "hub.verify_token": "theirs"}).status_code == 403
    assert client.get("/webhooks/meta/999", params=query).status_code == 404


def test_meta_feed_deliveries_signed_in_hex_stored_once_and_replays_refused(store: Store, workspace: str) -> None:
    bodies = payload("meta/webhook_page_feed_comment.captured.json")["payloads"]
    cid = channel(store, workspace, Network.FACEBOOK, "889083480945134", {"app_secret": META_SECRET})
    delivered = datetime.fromtimestamp(bodies[1]["entry"][0]["time"], tz=UTC)
    client = TestClient(create_app(store, clock=lambda: delivered))
    results = []
    for body in [*bodies, bodies[1]]:  # the second delivered twice (Meta retries)
        raw = json.dumps(body).encode()
        results.append(
            client.post(
                f"/webhooks/meta/{cid}",
                content=raw,
                headers={"X-Hub-Signature-256": meta_hook.signature(META_SECRET, raw)},
            )
        )
    assert [r.status_code for r in results] == [200, 200, 200]
    assert [r.json()["stored"] for r in results] == [1, 1, 0]
    assert stored(store) == 2
    raw = json.dumps(bodies[0]).encode()
    forged = client.post(f"/webhooks/meta/{cid}", content=raw, headers={"X-Hub-Signature-256": "sha256=" + "0" * 64})
    assert forged.status_code == 401
    later = TestClient(create_app(store, clock=lambda: datetime(2026, 11, 22, tzinfo=UTC)))
    replayed = later.post(
        f"/webhooks/meta/{cid}", content=raw, headers={"X-Hub-Signature-256": meta_hook.signature(META_SECRET, raw)}
    )
    assert replayed.status_code == 401 and stored(store) == 2
    with store.reader() as session:
        assert session.get(Channel, cid) is not None


def test_a_delivery_for_another_page_of_the_same_app_goes_to_that_pages_channel(store: Store, workspace: str) -> None:
    body = payload("meta/webhook_page_feed_comment.captured.json")["payloads"][1]
    first = channel(store, workspace, Network.FACEBOOK, "111", {"app_secret": META_SECRET})
    other = channel(store, workspace, Network.FACEBOOK, "889083480945134", {"app_secret": META_SECRET})
    raw = json.dumps(body).encode()
    client = TestClient(create_app(store, clock=lambda: datetime.fromtimestamp(body["entry"][0]["time"], tz=UTC)))
    answer = client.post(
        f"/webhooks/meta/{first}", content=raw, headers={"X-Hub-Signature-256": meta_hook.signature(META_SECRET, raw)}
    )
    assert answer.json()["stored"] == 1
    with store.reader() as session:
        assert session.scalar(select(Message.channel_id)) == other


def test_wordpress_deliveries_are_signed_with_a_time_and_refused_when_stale(store: Store, workspace: str) -> None:
    site = "http://127.0.0.1:8885"
    cid = channel(store, workspace, Network.BLOG, site, {"webhook_secret": "blog-secret"}, site=site, user_id=1)
    comment = {
        "id": 41,
        "post": 4,
        "parent": 0,
        "author": 0,
        "author_name": "Lee Park",
        "author_email": "lee@example.org",
        "date": "2026-11-22T10:00:00",
        "date_gmt": "2026-11-22T10:00:00",
        "status": "hold",
        "content": {"rendered": "<p>Back in stock?</p>\n", "raw": "Back in stock?"},
    }
    raw = json.dumps({"action": "comment_post", "comment": comment}).encode()
    client = TestClient(create_app(store))
    now = str(int(time.time()))
    headers = {"X-Goodwill-Timestamp": now, "X-Goodwill-Signature": blog_hook.signature("blog-secret", now, raw)}
    assert client.post(f"/webhooks/blog/{cid}", content=raw, headers=headers).json()["stored"] == 1
    assert client.post(f"/webhooks/blog/{cid}", content=raw, headers=headers).json()["duplicates"] == 1
    old = str(int(time.time()) - 3600)
    stale = {"X-Goodwill-Timestamp": old, "X-Goodwill-Signature": blog_hook.signature("blog-secret", old, raw)}
    assert client.post(f"/webhooks/blog/{cid}", content=raw, headers=stale).status_code == 401
    moved = {"X-Goodwill-Timestamp": now, "X-Goodwill-Signature": blog_hook.signature("blog-secret", old, raw)}
    assert client.post(f"/webhooks/blog/{cid}", content=raw, headers=moved).status_code == 401
    empty = b'{"comment": {}}'
    bad = {"X-Goodwill-Timestamp": now, "X-Goodwill-Signature": blog_hook.signature("blog-secret", now, empty)}
    assert client.post(f"/webhooks/blog/{cid}", content=empty, headers=bad).status_code == 400
    assert stored(store) == 1


def test_x_revoke_marks_the_channel_for_re_authorisation(store: Store, workspace: str) -> None:
    body = payload("x/xaa_oauth.revoke.docs.json")["payload"]
    cid = channel(store, workspace, Network.X, "1111111111111111111", {"consumer_secret": X_SECRET})
    raw = json.dumps(body).encode()
    answer = TestClient(create_app(store)).post(
        f"/webhooks/x/{cid}", content=raw, headers={x_hook.SIGNATURE_HEADER: x_hook._digest(X_SECRET, raw)}
    )
    assert answer.status_code == 200 and answer.json()["events"] == 1
    with store.reader() as session:
        assert session.get(Channel, cid).health == "needs_reauth"  # type: ignore[union-attr]
