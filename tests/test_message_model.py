"""The normalised message is lossless: what goes into the store comes back field for field, for the shapes
every network needs (Bluesky strong refs, Mastodon hosts and HTML, Meta reply windows and page-scoped ids,
LinkedIn URNs, X DMs), built from the real recorded payloads where the test reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.domain import (
    Actor,
    Attachment,
    Direction,
    Entity,
    Kind,
    NativeRef,
    Network,
    NormalisedMessage,
    ReplyCapability,
    ThreadRefs,
    Visibility,
)
from goodwill.ingest import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.messages import load_message
from goodwill.store.tables import Message
from tests.conftest import TESTER, shared_file

T = datetime(2026, 5, 4, 12, 30, 15, 123456, tzinfo=UTC)


def bluesky_reply() -> NormalisedMessage:
    record = json.loads(shared_file("payloads/bluesky/reply_post_record.bsky-docs.json").read_text())
    return NormalisedMessage(
        network=Network.BLUESKY,
        native=NativeRef(id="at://did:plc:ann/app.bsky.feed.post/3k2", cid="bafyreib2rxk3rybk"),
        kind=Kind.REPLY,
        direction=Direction.INBOUND,
        author=Actor(
            native_id="did:plc:ann",
            handle="ann.bsky.social",
            display_name="Ann",
            avatar_url="https://cdn.example/ann.jpg",
            followers=311,
        ),
        text="the grinder arrived broken 😞",
        created_at=T,
        indexed_at=T + timedelta(seconds=2),
        thread=ThreadRefs(
            root=NativeRef(id="at://did:plc:acme/app.bsky.feed.post/1", cid="bafyroot"),
            parent=NativeRef(id="at://did:plc:acme/app.bsky.feed.post/2", cid="bafyparent"),
            parent_author_id="did:plc:acme",
        ),
        entities=[
            Entity(
                type="mention", value="did:plc:acme", start=0, end=9, offset_unit="bytes_utf8", target_id="did:plc:acme"
            )
        ],
        attachments=[
            Attachment(
                type="image",
                url="https://cdn.example/i.jpg",
                alt_text="a broken grinder",
                native_id="bafyblob",
                mime_type="image/jpeg",
            )
        ],
        labels=["!no-unauthenticated"],
        language="en",
        metrics={"like": 2, "reply": 1},
        source={"transport": "poll", "endpoint_or_event": "listNotifications", "cursor": "c1"},
        raw=record,
    )


def mastodon_direct() -> NormalisedMessage:
    status = json.loads(shared_file("payloads/mastodon/status_post_direct.mastodonpy.json").read_text())
    return NormalisedMessage(
        network=Network.MASTODON,
        native=NativeRef(id="113", host="https://mastodon.example", uri="https://mastodon.example/users/a/1"),
        kind=Kind.DIRECT,
        direction=Direction.INBOUND,
        visibility=Visibility.DIRECT,
        author=Actor(native_id="77", id_scope="server:mastodon.example", handle="bob@other.example"),
        text="my order #123 is missing",
        text_raw="<p>my order #123 is missing</p>",
        text_format="html",
        content_warning="order trouble",
        sensitive=False,
        created_at=T,
        edited_at=T + timedelta(minutes=1),
        thread=ThreadRefs(conversation_id="c-9"),
        recipients=[Actor(native_id="1", handle="acme", is_self=True)],
        raw=status,
        raw_envelope={"stream": "direct"},
    )


def messenger_message() -> NormalisedMessage:
    body = json.loads(shared_file("payloads/meta/webhook_messenger_messages.docs.json").read_text())
    return NormalisedMessage(
        network=Network.FACEBOOK,
        native=NativeRef(id="m_abc"),
        kind=Kind.DIRECT,
        direction=Direction.INBOUND,
        visibility=Visibility.DIRECT,
        author=Actor(native_id="psid-1", id_scope="page:555"),
        text="hi, can I change my order?",
        created_at=T,
        thread=ThreadRefs(conversation_id="555:psid-1"),
        reply=ReplyCapability(
            can_reply=True,
            reply_via="dm",
            window_expires_at=T + timedelta(hours=24),
            restrictions={"messaging_type": "RESPONSE"},
        ),
        raw=body if isinstance(body, dict) else {"body": body},
        raw_envelope={"object": "page"},
    )


def linkedin_comment() -> NormalisedMessage:
    return NormalisedMessage(
        network=Network.LINKEDIN,
        native=NativeRef(id="urn:li:comment:(urn:li:activity:1,2)"),
        kind=Kind.COMMENT,
        direction=Direction.INBOUND,
        author=Actor(native_id="urn:li:person:abc"),
        text="Great post!",
        created_at=T,
        thread=ThreadRefs(root=NativeRef(id="urn:li:share:1"), depth_limit=2),
        is_hidden=False,
        raw={"actor": "urn:li:person:abc", "object": "urn:li:share:1", "message": {"text": "Great post!"}},
    )


@pytest.mark.parametrize("build", [bluesky_reply, mastodon_direct, messenger_message, linkedin_comment])
def test_a_stored_message_reads_back_field_for_field(store: Store, workspace: str, build) -> None:
    message = build()
    with store.session() as session:
        ws = access_workspace(session, workspace)
        channel = ChannelRef.of(do_ensure_channel(session, ws, network=message.network, account_id="us", acting=TESTER))
    ingest(store, channel, [message])
    with store.reader() as session:
        message_id = session.scalar(select(Message.id))
        assert load_message(session, message_id) == message


class _Text(str):
    """A str subclass: valid, but not of the exact type the fast check accepts."""


def test_the_fast_validity_check_never_passes_what_the_field_checks_refuse() -> None:
    """`validate` trusts `_plainly_valid` when it says yes: for every field set to awkward values, either both
    accept or the fast check says no and the field checks decide (naming the field)."""
    from goodwill.domain import Actor, Kind, NativeRef, NormalisedMessage, ThreadRefs, Visibility
    from goodwill.domain.enums import Direction, Network
    from goodwill.domain.message import InvalidMessage

    long = "x" * 1000
    odd: list[object] = [None, "", " ", "\t\n", "ok", _Text("ok"), long, "y" * 190, "y" * 191, 5, b"id"]
    setters = {
        "id": lambda m, v: setattr(m.native, "id", v),
        "author_id": lambda m, v: setattr(m.author, "native_id", v),
        "handle": lambda m, v: setattr(m.author, "handle", v),
        "display_name": lambda m, v: setattr(m.author, "display_name", v),
        "id_scope": lambda m, v: setattr(m.author, "id_scope", v),
        "language": lambda m, v: setattr(m, "language", v),
        "text": lambda m, v: setattr(m, "text", v),
        "parent": lambda m, v: setattr(m.thread, "parent", NativeRef(id=v)),  # type: ignore[arg-type]
        "root": lambda m, v: setattr(m.thread, "root", NativeRef(id=v)),  # type: ignore[arg-type]
        "conversation_id": lambda m, v: setattr(m.thread, "conversation_id", v),
        "created_at": lambda m, v: setattr(m, "created_at", v),
    }
    times: list[object] = [datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC), "2026-01-01", None]
    checked = 0
    for private in (False, True):
        for name, put in setters.items():
            for value in times if name == "created_at" else odd:
                m = NormalisedMessage(
                    network=Network.X,
                    native=NativeRef(id="1"),
                    kind=Kind.DIRECT if private else Kind.MENTION,
                    direction=Direction.INBOUND,
                    author=Actor(native_id="a", handle="h"),
                    text="hi",
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    visibility=Visibility.DIRECT if private else Visibility.PUBLIC,
                    thread=ThreadRefs(conversation_id="c1" if private else None),
                )
                put(m, value)
                try:
                    m._validate_fields()
                    refused = None
                except InvalidMessage as exc:
                    refused = exc.field
                if m._plainly_valid():
                    assert refused is None, (name, value, refused)
                checked += 1
                if refused is not None:
                    with pytest.raises(InvalidMessage) as raised:
                        m.validate()
                    assert raised.value.field == refused
                else:
                    m.validate()
    assert checked > 200
