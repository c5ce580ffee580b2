"""Bad input, systematically, for the webhook receivers (X, Meta, WordPress): real recorded deliveries with
damaged bytes, fields removed or replaced, and signatures missing, garbled, or made for another body. The
receiver never answers 500; an unauthenticated body stores nothing and changes no channel; a refused
authenticated one neither; an accepted one stores nothing more when delivered again."""

from __future__ import annotations

import copy
import json
import os
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from goodwill.actions import do_create_workspace
from goodwill.actions.workspaces import access_workspace, do_ensure_channel
from goodwill.api.app import create_app
from goodwill.connectors.meta import webhook as meta_hook
from goodwill.connectors.secrets import seal
from goodwill.connectors.wordpress import webhook as blog_hook
from goodwill.connectors.x import webhook as x_hook
from goodwill.domain.enums import Network
from goodwill.store import Store
from goodwill.store.backup import table_counts
from goodwill.store.tables import Channel
from tests.conftest import TESTER, shared_file

# GOODWILL_FUZZ_SCALE=20 runs twenty times the examples (a longer campaign; docs/data-safety.md)
SCALE = int(os.environ.get("GOODWILL_FUZZ_SCALE", "1"))
SECRET = "fuzz-secret"
SITE = "http://127.0.0.1:8885"
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _payload(name: str) -> Any:
    return json.loads(shared_file(f"payloads/{name}").read_text())


def _seeds() -> dict[str, list[dict[str, Any]]]:
    x = [_payload(f"x/{n}")["payload"] for n in ("aaa_direct_message_events.docs.json", "xaa_dm.received.docs.json")]
    x += [_payload(f"x/{n}")["payload"] for n in ("xaa_post.reply.create.docs.json", "xaa_oauth.revoke.docs.json")]
    meta = list(_payload("meta/webhook_page_feed_comment.captured.json")["payloads"])
    meta.append(
        _payload("meta/webhook_messenger_messages.docs.json")["examples"]["full_envelope_from_third_party_test_file"]
    )
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
    return {"x": x, "meta": meta, "blog": [{"action": "comment_post", "comment": comment}]}


def _accounts(family: str, body: dict[str, Any]) -> set[str]:
    if family == "x":
        data = body.get("data") or {}
        return {str(body.get("for_user_id") or (data.get("filter") or {}).get("user_id") or "0")}
    return {str(entry.get("id")) for entry in body.get("entry", []) if isinstance(entry, dict)}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One SQLite store with a channel per account the seeds are addressed to, all signed by SECRET."""
    import os

    os.environ.setdefault("GOODWILL_SECRET_KEY", "test-key-" + "x" * 40)
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('hooks') / 'hooks.db'}")
    store.migrate()
    seeds = _seeds()
    channels: dict[str, int] = {}
    with store.session() as session:
        ws = do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
        wanted = [("x", Network.X, a, {"consumer_secret": SECRET}) for b in seeds["x"] for a in _accounts("x", b)]
        wanted += [
            ("meta", Network.FACEBOOK, a, {"app_secret": SECRET}) for b in seeds["meta"] for a in _accounts("meta", b)
        ]
        wanted.append(("blog", Network.BLOG, SITE, {"webhook_secret": SECRET}))
        for family, network, account, credentials in wanted:
            row = do_ensure_channel(
                session, access_workspace(session, "acme"), network=network, account_id=account, acting=TESTER
            )
            row.credentials = seal(credentials)
            row.config = {"site": SITE, "user_id": 1} if family == "blog" else {"webhook_max_age": 10**9}
            session.flush()
            channels.setdefault(family, row.id)
    del ws
    yield store, seeds, channels
    store.dispose()


def _state(store: Store) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
    with store.reader() as session:
        rows = session.execute(select(Channel.id, Channel.health, Channel.cursor, Channel.config).order_by(Channel.id))
        return table_counts(store.engine), [tuple(r) for r in rows]


def _damage(data: st.DataObject, body: dict[str, Any]) -> bytes:
    how = data.draw(st.sampled_from(["none", "field", "bytes", "arbitrary"]))
    if how == "none":
        return json.dumps(body).encode()
    if how == "field":
        body = copy.deepcopy(body)
        target: Any = body
        for _ in range(data.draw(st.integers(0, 4))):  # walk down a few levels
            children = [
                k
                for k, v in (target.items() if isinstance(target, dict) else enumerate(target))
                if isinstance(v, dict | list) and v
            ]
            if not children:
                break
            target = target[data.draw(st.sampled_from(children))]
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        if keys:
            key = data.draw(st.sampled_from(keys))
            if isinstance(target, dict) and data.draw(st.booleans()):
                del target[key]
            else:
                target[key] = data.draw(JSON_VALUES)
        return json.dumps(body).encode()
    raw = bytearray(json.dumps(body).encode())
    if how == "bytes":
        for _ in range(data.draw(st.integers(1, 6))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        return bytes(raw)
    return data.draw(st.binary(max_size=200))


def _headers(family: str, raw: bytes, original: bytes, mode: str, data: st.DataObject) -> dict[str, str]:
    signed = raw if mode == "valid" else original
    stamp = str(int(time.time()))
    if family == "x":
        headers = {x_hook.SIGNATURE_HEADER: x_hook._digest(SECRET, signed)}
    elif family == "meta":
        headers = {meta_hook.SIGNATURE_HEADER: meta_hook.signature(SECRET, signed)}
    else:
        if mode == "stamp":
            stamp = data.draw(HEADER_TEXT)
        headers = {
            blog_hook.TIMESTAMP_HEADER: stamp,
            blog_hook.SIGNATURE_HEADER: blog_hook.signature(SECRET, stamp, signed),
        }
    if mode == "missing":
        return {k: v for k, v in headers.items() if "timestamp" in k.lower()}
    if mode == "garbage":
        return {k: (data.draw(HEADER_TEXT) if "signature" in k.lower() else v) for k, v in headers.items()}
    return headers


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_webhooks_never_answer_500_and_store_nothing_unauthenticated(world: Any, data: st.DataObject) -> None:
    store, seeds, channels = world
    family = data.draw(st.sampled_from(["x", "meta", "blog"]))
    body = data.draw(st.sampled_from(seeds[family]))
    original = json.dumps(body).encode()
    raw = _damage(data, body)
    mode = data.draw(
        st.sampled_from(
            ["valid", "valid", "valid", "other-body", "missing", "garbage"] + (["stamp"] if family == "blog" else [])
        )
    )
    headers = _headers(family, raw, original, mode, data)
    authentic = mode == "valid" or (mode == "other-body" and raw == original)
    entry_time = next(
        (e.get("time") for e in body.get("entry", []) if isinstance(e, dict) and isinstance(e.get("time"), int)), None
    )
    now = (
        datetime.fromtimestamp(entry_time / (1000 if entry_time > 10**11 else 1), tz=UTC)
        if entry_time
        else datetime.now(UTC)
    )
    client = TestClient(create_app(store, clock=lambda: now), raise_server_exceptions=False)
    before = _state(store)
    answer = client.post(f"/webhooks/{family}/{channels[family]}", content=raw, headers=headers)
    event(f"{family}: {answer.status_code}")
    assert answer.status_code < 500, answer.text
    if not authentic:
        assert answer.status_code == 401 and _state(store) == before
    elif answer.status_code != 200:
        assert answer.status_code in (400, 401, 413) and _state(store) == before
    else:
        again = client.post(f"/webhooks/{family}/{channels[family]}", content=raw, headers=headers)
        assert again.status_code == 200 and again.json()["stored"] == 0


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    family=st.sampled_from(["x", "meta", "blog"]),
    channel=st.integers(-5, 10**6),
    query=st.dictionaries(HEADER_TEXT, HEADER_TEXT, max_size=3),
)
def test_handshakes_and_unknown_channels_never_answer_500(
    world: Any, family: str, channel: int, query: dict[str, str]
) -> None:
    store, _, _ = world
    client = TestClient(create_app(store), raise_server_exceptions=False)
    assert client.get(f"/webhooks/{family}/{channel}", params=query).status_code < 500
    assert client.post(f"/webhooks/{family}/{channel}", content=b"{}").status_code in (401, 404)


def test_a_signed_delivery_with_a_value_too_long_for_the_store_is_refused_whole(
    store: Store, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the length check, PostgreSQL failed inside ingest (a 500) and SQLite stored the value; now the
    message contract refuses it before anything is written, on both databases."""
    monkeypatch.setenv("GOODWILL_SECRET_KEY", "test-key-" + "x" * 40)
    body = _payload("x/aaa_direct_message_events.docs.json")["payload"]
    body["users"]["3001969357"]["screen_name"] = "f" * 400
    with store.session() as session:
        row = do_ensure_channel(
            session, access_workspace(session, workspace), network=Network.X, account_id="4337869213", acting=TESTER
        )
        row.credentials = seal({"consumer_secret": SECRET})
        session.flush()
        cid = row.id
    raw = json.dumps(body).encode()
    before = table_counts(store.engine)
    answer = TestClient(create_app(store), raise_server_exceptions=False).post(
        f"/webhooks/x/{cid}", content=raw, headers={x_hook.SIGNATURE_HEADER: x_hook._digest(SECRET, raw)}
    )
    assert answer.status_code == 400 and "author_handle" in answer.text
    assert table_counts(store.engine) == before
