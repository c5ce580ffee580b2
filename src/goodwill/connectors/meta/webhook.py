"""Meta webhooks (Pages `feed`, Messenger `messages`, Instagram `comments`/`mentions`/`messages`): the
verify-token handshake, the signature check and the delivery parser. Pure functions; HTTP is in goodwill.api.

Security: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`, compared in constant time over
the exact bytes received. Meta signs no delivery time, but every `entry` carries `time` inside the signed body:
entries older than the channel's `webhook_max_age` (default 48 h: Meta retries a failed delivery for up to
36 h) are refused as replays. A retried delivery inside that window is stored once: ingest deduplicates on
the message id (`mid`, comment id).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from goodwill.connectors.base import Delivery
from goodwill.connectors.meta.normalise import feed_change, ig_comment, messaging_event, parse_time
from goodwill.domain.enums import Network

SIGNATURE_HEADER = "x-hub-signature-256"
MAX_AGE = timedelta(hours=48)
Json = dict[str, Any]


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    if not header or not app_secret:
        return False
    return hmac.compare_digest(signature(app_secret, body).encode(), header.strip().lower().encode())


def handshake(query: dict[str, str], verify_token: str) -> str | None:
    """The `hub.challenge` to echo when Meta's subscription GET carries our verify token; None to refuse."""
    token = query.get("hub.verify_token") or ""
    if query.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge")


def stale_entries(body: Json, now: datetime, max_age: timedelta = MAX_AGE) -> list[str]:
    """Ids of entries whose signed `time` is older than `max_age` (replays of old deliveries)."""
    stale = []
    for entry in body.get("entry") or []:
        moment = parse_time(entry.get("time"))
        if moment is not None and now - moment > max_age:
            stale.append(str(entry.get("id")))
    return stale


def parse_delivery(body: Json) -> list[Delivery]:
    """One Delivery per entry (per Page or Instagram account); batched changes and messages all kept."""
    network = Network.INSTAGRAM if body.get("object") == "instagram" else Network.FACEBOOK
    deliveries: dict[str, Delivery] = {}
    for entry in body.get("entry") or []:
        account = str(entry.get("id") or "")
        delivery = deliveries.setdefault(account, Delivery(account_id=account))
        envelope = {"object": body.get("object"), "id": entry.get("id"), "time": entry.get("time")}
        for change in entry.get("changes") or []:
            field_name = str(change.get("field") or "")
            value = change.get("value") or {}
            event_id = value.get("comment_id") or value.get("id") or value.get("post_id")
            source = {
                "transport": "webhook",
                "endpoint": field_name,
                "event_id": f"{event_id}:{value.get('verb', 'add')}",
            }
            if network is Network.FACEBOOK and field_name == "feed":
                message = feed_change(value, page_id=account, source=source, envelope=envelope)
                if message is not None:
                    delivery.messages.append(message)
                else:
                    delivery.events.append({"type": f"feed.{value.get('item')}", **value})
            elif network is Network.INSTAGRAM and field_name in ("comments", "live_comments"):
                delivery.messages.extend(ig_comment(value, ig_user_id=account, source=source, envelope=envelope))
            elif network is Network.INSTAGRAM and field_name == "mentions":
                delivery.events.append(
                    {"type": "mention", "media_id": value.get("media_id"), "comment_id": value.get("comment_id")}
                )
            else:
                delivery.events.append({"type": field_name, **value})
        for event in entry.get("messaging") or []:
            mid = (event.get("message") or {}).get("mid")
            source = {"transport": "webhook", "endpoint": "messaging", "event_id": str(mid)}
            message = messaging_event(event, account_id=account, network=network, source=source, envelope=envelope)
            if message is not None:
                delivery.messages.append(message)
            else:
                kinds = [k for k in event if k not in ("sender", "recipient", "timestamp")]
                delivery.events.append({"type": kinds[0] if kinds else "unknown", **event})
    return list(deliveries.values())
