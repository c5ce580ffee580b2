"""Blog comments on a WordPress site through its REST API: new comments (approved and held), replies as the
brand's user, approve, spam, hold.

Auth is HTTP Basic with the brand user's name and an Application Password (Users > Profile). Routes go
through `/?rest_route=`, which works whatever the site's permalink setting. Cursor: `after` is the newest
comment `date` read (site-local time, as WordPress compares it); each sync re-reads from a minute before it,
a superset that ingest deduplicates. WordPress answers an unknown status with 200 and changes nothing, so
every moderation checks the status in the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from goodwill.connectors.base import (
    Account,
    Capability,
    ChannelContext,
    ConnectorError,
    Fetched,
    Moderation,
    Outgoing,
    Refused,
    Sent,
    TransientError,
)
from goodwill.connectors.health import error_for_response
from goodwill.connectors.wordpress.normalise import comment_message, parse_time
from goodwill.domain.enums import Network
from goodwill.domain.message import NativeRef, NormalisedMessage

PER_PAGE = 100
MAX_PAGES = 10
OVERLAP = timedelta(minutes=1)
STATUS = {
    Moderation.APPROVE: "approved",
    Moderation.UNHIDE: "approved",
    Moderation.SPAM: "spam",
    Moderation.HIDE: "hold",
}
ClientFactory = Callable[[], httpx.Client]


def _error(response: httpx.Response, what: str) -> ConnectorError:
    return error_for_response(
        response,
        what,
        platform="the site",
        unauthorised="WordPress refused the application password",
        rate_limited="the site is rate limiting",
    )


class WordPressConnector:
    network = Network.BLOG
    capabilities = frozenset(
        {Capability.READ_COMMENTS, Capability.REPLY, Capability.HIDE, Capability.WEBHOOKS, Capability.BACKFILL}
    )

    def __init__(self, *, client_factory: ClientFactory | None = None) -> None:
        self._client_factory = client_factory or (lambda: httpx.Client(timeout=30))

    def _call(
        self,
        site: str,
        credentials: dict[str, Any],
        what: str,
        method: str,
        route: str,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> tuple[Any, httpx.Response]:
        auth = (str(credentials.get("username") or ""), str(credentials.get("application_password") or ""))
        query = {"rest_route": route, **(params or {})}
        try:
            with self._client_factory() as client:
                response = client.request(method, f"{site.rstrip('/')}/", params=query, json=body, auth=auth)
        except httpx.HTTPError as exc:
            raise TransientError(f"{what}: {exc}", platform_error=str(exc)) from exc
        if response.status_code >= 400:
            raise _error(response, what)
        try:
            return response.json(), response
        except ValueError as exc:
            raise TransientError(f"{what}: the site did not answer JSON", platform_error=response.text[:300]) from exc

    def authenticate(self, credentials: dict[str, Any], config: dict[str, Any]) -> Account:
        site = str(config.get("site") or credentials.get("site") or "").rstrip("/")
        if not site or not credentials.get("username") or not credentials.get("application_password"):
            raise ValueError("WordPress needs --site (https://blog.example), --username and --application-password")
        me, _ = self._call(site, credentials, "read the user", "GET", "/wp/v2/users/me", {"context": "edit"})
        return Account(
            account_id=site,
            handle=urlsplit(site).netloc + urlsplit(site).path,
            name=str(me.get("name") or me.get("slug")),
            credentials={
                "username": credentials["username"],
                "application_password": credentials["application_password"],
                **({"webhook_secret": credentials["webhook_secret"]} if credentials.get("webhook_secret") else {}),
            },
            config={"site": site, "user_id": int(me["id"])},
        )

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        site = str(channel.config.get("site") or channel.account_id)
        self_user = int(channel.config.get("user_id") or 0)
        params: dict[str, Any] = {
            "context": "edit",
            "status": "all",
            "per_page": PER_PAGE,
            "orderby": "date",
            "order": "asc",
        }
        after = parse_time(cursor.get("after"))
        if after is not None:
            params["after"] = (after - OVERLAP).replace(tzinfo=None).isoformat(timespec="seconds")
        messages: list[NormalisedMessage] = []
        newest = cursor.get("after")
        more = False
        for page in range(1, MAX_PAGES + 1):
            items, response = self._call(
                site, channel.credentials, "read comments", "GET", "/wp/v2/comments", {**params, "page": page}
            )
            for item in items:
                source = {"transport": "poll", "endpoint": "GET /wp/v2/comments", "event_id": str(item.get("id"))}
                messages.append(comment_message(item, site=site, self_user=self_user, source=source))
                newest = max(newest or "", str(item.get("date") or ""))
            pages = int(response.headers.get("x-wp-totalpages") or 1)
            if page >= pages:
                break
            more = page == MAX_PAGES
        return Fetched(messages=messages, cursor={**cursor, "after": newest} if newest else dict(cursor), more=more)

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        site = str(channel.config.get("site") or channel.account_id)
        parent = outgoing.in_reply_to
        if parent is None or outgoing.private_reply or outgoing.private_conversation_id:
            raise Refused("a blog comment can only be answered in public, under the comment")
        post = (parent.raw or {}).get("post") or (
            parent.thread.root.id.removeprefix("post-") if parent.thread.root else None
        )
        if (parent.reply.restrictions or {}).get("status") == "hold" and channel.config.get("approve_on_reply", True):
            # Replying as the brand vouches for the comment: approve it first, or the answer would sit public
            # under a comment nobody else can see.
            self.moderate(channel, parent, Moderation.APPROVE)
        body = {"post": int(post or 0), "parent": int(parent.native.id), "content": outgoing.text}
        created, _ = self._call(site, channel.credentials, "reply", "POST", "/wp/v2/comments", body=body)
        return Sent(
            native=NativeRef(id=str(created["id"]), host=site, uri=created.get("link")),
            created_at=parse_time(created.get("date_gmt")) or datetime.now(UTC),
            raw=created,
        )

    def moderate(self, channel: ChannelContext, target: NormalisedMessage, action: Moderation) -> dict[str, Any]:
        site = str(channel.config.get("site") or channel.account_id)
        wanted = STATUS[action]
        route = f"/wp/v2/comments/{int(target.native.id)}"
        body, _ = self._call(
            site, channel.credentials, f"{action.value} a comment", "POST", route, body={"status": wanted}
        )
        if body.get("status") != wanted:
            raise Refused(
                f"WordPress kept comment {target.native.id} {body.get('status')!r}, not {wanted!r}", platform_error=body
            )
        return body  # type: ignore[no-any-return]
