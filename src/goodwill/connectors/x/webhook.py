"""X webhooks (Account Activity API and X Activity API, both on V2 webhooks): the CRC answer, the signature
check and the delivery parser. Pure functions; the HTTP receiver is goodwill.api.webhooks.

Security: `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>`, compared in
constant time over the exact bytes received (never re-serialised JSON). X signs no timestamp, and retries
and double deliveries are normal (an event reaches every subscribed user it concerns), so a replay is only
recognised by its ids: ingest stores a message once per (channel, native id).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from goodwill.connectors.base import Delivery
from goodwill.connectors.x.normalise import chat_event, dm_event_v1, tweet_v1, tweet_v2

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
POST_EVENTS = {"post.mention.create", "post.reply.create", "post.create", "post.quote.create"}
Json = dict[str, Any]


def _digest(secret: str, data: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def crc_response(consumer_secret: str, crc_token: str) -> dict[str, str]:
    """The answer to X's challenge `GET ?crc_token=...`."""
    return {"response_token": _digest(consumer_secret, crc_token.encode())}


def signature_valid(consumer_secret: str, body: bytes, header: str | None) -> bool:
    if not header or not consumer_secret:
        return False
    return hmac.compare_digest(_digest(consumer_secret, body).encode(), header.strip().encode())


def _aaa(body: Json) -> list[Delivery]:
    """Account Activity: `{"for_user_id", "<kind>_events": [...], "users": {...}}`."""
    revoke = (body.get("user_event") or {}).get("revoke")
    if revoke is not None:
        user = str((revoke.get("source") or {}).get("user_id") or "")
        return [Delivery(account_id=user, events=[{"type": "revoked", "at": revoke.get("date_time")}])]
    me = str(body.get("for_user_id") or "")
    delivery = Delivery(account_id=me)
    envelope = {k: v for k, v in body.items() if not k.endswith("_events")}
    for tweet in body.get("tweet_create_events") or []:
        source = {"transport": "webhook", "endpoint": "tweet_create_events", "event_id": str(tweet.get("id_str"))}
        delivery.messages.append(tweet_v1(tweet, self_id=me, source=source, envelope=envelope))
    for event in body.get("direct_message_events") or []:
        if event.get("type") != "message_create":
            continue
        source = {"transport": "webhook", "endpoint": "direct_message_events", "event_id": str(event.get("id"))}
        delivery.messages.append(
            dm_event_v1(event, users=body.get("users"), self_id=me, source=source, envelope=envelope)
        )
    for deleted in body.get("tweet_delete_events") or []:
        status = deleted.get("status") or {}
        delivery.events.append({"type": "deleted", "id": str(status.get("id")), "by": str(status.get("user_id"))})
    for kind in ("direct_message_indicate_typing_events", "direct_message_mark_read_events"):
        for event in body.get(kind) or []:
            delivery.events.append({"type": kind.removeprefix("direct_message_").removesuffix("_events"), **event})
    for kind in ("favorite_events", "follow_events", "block_events", "mute_events"):
        delivery.events.extend({"type": kind.removesuffix("_events"), **e} for e in body.get(kind) or [])
    return [delivery]


def _xaa(data: Json) -> list[Delivery]:
    """X Activity: `{"data": {event_uuid, filter: {user_id}, event_type, payload, includes}}`."""
    kind = str(data.get("event_type") or "")
    payload = data.get("payload") or {}
    me = str((data.get("filter") or {}).get("user_id") or payload.get("user_id") or "")
    envelope = {k: v for k, v in data.items() if k != "payload"}
    source = {"transport": "webhook", "endpoint": kind, "event_id": str(data.get("event_uuid"))}
    delivery = Delivery(account_id=me)
    if kind in POST_EVENTS:
        delivery.messages.append(
            tweet_v2(payload, includes=data.get("includes"), self_id=me, source=source, envelope=envelope)
        )
    elif kind in ("dm.received", "dm.sent"):
        for event in payload.get("direct_message_events") or []:
            if event.get("type") == "message_create":
                delivery.messages.append(
                    dm_event_v1(event, users=payload.get("users"), self_id=me, source=source, envelope=envelope)
                )
    elif kind == "chat.received":
        delivery.messages.append(chat_event(payload, self_id=me, source=source, envelope=envelope))
    elif kind == "oauth.revoke":
        delivery.events.append({"type": "revoked", "at": payload.get("date_time")})
    else:
        delivery.events.append({"type": kind or "unknown", "event_id": data.get("event_uuid")})
    return [delivery]


def parse_delivery(body: Json) -> list[Delivery]:
    """The messages and control events of one webhook POST body (already signature-checked)."""
    if isinstance(body.get("data"), dict) and "event_type" in body["data"]:
        return _xaa(body["data"])
    return _aaa(body)
