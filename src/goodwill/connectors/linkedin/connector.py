"""LinkedIn organisation pages through the Community Management API (Rest.li 2.0, versioned): comments on the
page's posts and replies to them; answering them as the organisation. What the API does not allow (no
private messages, no hiding, no webhooks for page comments) is in docs/connectors.md.

Cursor: `since` is the newest comment time (epoch ms) read; the page's latest posts are re-read each sync
and comments older than `since` are skipped (ingest deduplicates the overlap).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from goodwill.connectors.base import (
    Account,
    Capability,
    ChannelContext,
    ConnectorError,
    Fetched,
    Outgoing,
    Refused,
    Sent,
    TransientError,
)
from goodwill.connectors.health import error_for_response
from goodwill.connectors.linkedin.normalise import comment_message, comment_urn
from goodwill.connectors.timestamps import note_refused
from goodwill.domain.enums import Kind, Network
from goodwill.domain.message import InvalidMessage, NativeRef, NormalisedMessage

API = "https://api.linkedin.com/rest"
VERSION = "202508"  # LinkedIn-Version; Marketing versions are supported for about a year
POSTS = 10
COMMENTS = 50
ClientFactory = Callable[[], httpx.Client]


def _error(response: httpx.Response, what: str) -> ConnectorError:
    return error_for_response(
        response,
        what,
        platform="LinkedIn",
        unauthorised="LinkedIn refused the token",
        rate_limited="LinkedIn's daily limit reached",
    )


class LinkedInConnector:
    network = Network.LINKEDIN
    capabilities = frozenset({Capability.READ_COMMENTS, Capability.REPLY, Capability.BACKFILL})

    def __init__(self, *, client_factory: ClientFactory | None = None) -> None:
        self._client_factory = client_factory or (lambda: httpx.Client(timeout=30))

    def _call(
        self, token: str, what: str, method: str, path: str, params: dict[str, Any] | None = None, body: Any = None
    ) -> tuple[Any, httpx.Response]:
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        try:
            with self._client_factory() as client:
                response = client.request(method, f"{API}{path}", params=params, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc
        if response.status_code >= 400:
            raise _error(response, what)
        return (response.json() if response.content else {}), response

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        org = str(config.get("organization") or "")
        token = str(credentials.get("access_token") or "")
        if not org.startswith("urn:li:organization:") or not token:
            raise ValueError("LinkedIn needs --organization urn:li:organization:<id> and --token (3-legged OAuth)")
        number = org.rsplit(":", 1)[1]
        page, _ = self._call(token, "read the organisation", "GET", f"/organizations/{number}")
        return Account(
            account_id=org,
            handle=str(page.get("vanityName") or number),
            name=str(page.get("localizedName") or page.get("vanityName") or number),
            credentials={"access_token": token},
            config={"organization": org},
        )

    def _comments(self, token: str, urn: str, org: str, since: int, notes: list[str]) -> list[NormalisedMessage]:
        """The comments on `urn` from `since` (epoch ms), and the replies to each top-level one. A comment with
        a malformed field (a time out of range, say) is left out with a note naming the field and the comment,
        the rest kept, as `sync_channel` does with a message that breaks the model's contract: LinkedIn serves
        it again on every sync, so refusing the page would stop the channel for good. Its replies are read."""
        body, _ = self._call(
            token,
            "read comments",
            "GET",
            f"/socialActions/{quote(urn, safe='')}/comments",
            {"start": 0, "count": COMMENTS},
        )
        found: list[NormalisedMessage] = []
        for element in body.get("elements") or []:
            source = {
                "transport": "poll",
                "endpoint": "GET /socialActions/{urn}/comments",
                "event_id": str(element.get("id")),
            }
            try:
                message = comment_message(element, org_urn=org, source=source)
            except InvalidMessage as exc:
                note_refused(notes, exc)
            else:
                if int(message.created_at.timestamp() * 1000) >= since:
                    found.append(message)
            replies = (element.get("commentsSummary") or {}).get("aggregatedTotalComments")
            if replies and not element.get("parentComment"):
                found += self._comments(token, comment_urn(element), org, since, notes)
        return found

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        token = str(channel.credentials.get("access_token") or "")
        org = channel.account_id
        since = int(cursor.get("since") or 0)
        posts, _ = self._call(
            token,
            "read the page's posts",
            "GET",
            "/posts",
            {"q": "author", "author": org, "count": POSTS, "sortBy": "LAST_MODIFIED"},
        )
        messages: list[NormalisedMessage] = []
        notes: list[str] = []
        for post in posts.get("elements") or []:
            messages += self._comments(token, str(post["id"]), org, since, notes)
        newest = max([since, *(int(m.created_at.timestamp() * 1000) for m in messages)])
        return Fetched(messages=messages, cursor={**cursor, "since": newest}, notes=tuple(notes))

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        parent = outgoing.in_reply_to
        if parent is None or outgoing.private_reply or outgoing.private_conversation_id:
            raise Refused("LinkedIn's API lets a page answer comments in public only (no messages, no new posts here)")
        if parent.thread.root is None:
            raise Refused("this LinkedIn comment has no post to answer on")
        top = parent.thread.parent.id if parent.kind is Kind.REPLY and parent.thread.parent else parent.native.id
        org = channel.account_id
        entity = {
            "actor": org,
            "object": parent.thread.root.id,
            "message": {"text": outgoing.text},
            "parentComment": top,
        }
        body, response = self._call(
            str(channel.credentials.get("access_token") or ""),
            "reply",
            "POST",
            f"/socialActions/{quote(top, safe='')}/comments",
            body=entity,
        )
        created = str(response.headers.get("x-restli-id") or (body or {}).get("id") or "")
        urn = created if created.startswith("urn:") else f"urn:li:comment:({parent.thread.root.id},{created})"
        return Sent(native=NativeRef(id=urn), created_at=datetime.now(UTC), raw=body or {"id": created})
