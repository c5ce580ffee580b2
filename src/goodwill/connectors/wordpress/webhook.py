"""WordPress webhook: WordPress has none built in, so goodwill defines one (docs/connectors.md ships the
twelve-line mu-plugin that sends it on `wp_insert_comment`/`transition_comment_status`).

POST body: the REST comment object (`{"comment": {...}}` or the object itself). Headers:
`X-Goodwill-Timestamp: <epoch seconds>` and `X-Goodwill-Signature: sha256=<hex HMAC-SHA256(secret,
"<timestamp>.<raw body>")>`. The timestamp is signed, so a captured delivery cannot be replayed after
`TOLERANCE`; inside it, a retry stores nothing new (ingest deduplicates on the comment id).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from goodwill.connectors.base import Delivery
from goodwill.connectors.wordpress.normalise import comment_message

SIGNATURE_HEADER = "x-goodwill-signature"
TIMESTAMP_HEADER = "x-goodwill-timestamp"
TOLERANCE = timedelta(minutes=5)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None, timestamp: str | None) -> bool:
    if not header or not timestamp or not secret:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), header.strip().lower().encode())


def fresh(timestamp: str | None, now: datetime) -> bool:
    try:
        sent = float(timestamp or "")
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= TOLERANCE.total_seconds()


def parse_delivery(body: dict[str, Any], *, site: str, self_user: int) -> list[Delivery]:
    comment = body.get("comment") if isinstance(body.get("comment"), dict) else body
    if not isinstance(comment, dict) or "id" not in comment or "post" not in comment:
        raise ValueError("a WordPress delivery needs a comment object with id and post")
    source = {"transport": "webhook", "endpoint": str(body.get("action") or "comment"), "event_id": str(comment["id"])}
    message = comment_message(comment, site=site, self_user=self_user, source=source, envelope=body)
    return [Delivery(account_id=site, messages=[message])]
