"""Mastodon JSON (statuses, notifications, conversations) -> NormalisedMessage. Pure functions, no I/O.

Ids are per server, so every native reference carries the instance (`host`) and identities are scoped to it
(`server:<host>`); the status' ActivityPub `uri` is its global identity. Public statuses have no thread id:
the root is resolved from `/statuses/:id/context` (ancestors[0]) by the connector and passed in. A direct
(private) thread is keyed by its root status too, so a DM reached through a notification and the same DM
reached through /conversations land in one conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from goodwill.connectors.mastodon.html import html_to_text
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, Attachment, NativeRef, NormalisedMessage, ReplyCapability, ThreadRefs

VISIBILITY = {
    "public": Visibility.PUBLIC,
    "unlisted": Visibility.UNLISTED,
    "private": Visibility.FOLLOWERS,
    "direct": Visibility.DIRECT,
}
MEDIA = {"image": "image", "video": "video", "gifv": "gif", "audio": "audio"}


def host_of(base_url: str) -> str:
    return urlsplit(base_url).netloc or base_url


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def actor(account: dict[str, Any], *, host: str, self_id: str) -> Actor:
    return Actor(
        native_id=str(account.get("id") or ""),
        id_scope=f"server:{host}",
        handle=account.get("acct"),
        display_name=account.get("display_name") or None,
        avatar_url=account.get("avatar"),
        profile_url=account.get("url"),
        followers=account.get("followers_count"),
        is_self=str(account.get("id")) == self_id,
        raw=account,
    )


def status_message(
    status: dict[str, Any],
    *,
    base_url: str,
    self_id: str,
    root_id: str | None = None,
    source: dict[str, Any],
    envelope: dict[str, Any] | None = None,
) -> NormalisedMessage:
    host = host_of(base_url)
    account = status.get("account") or {}
    me = actor(account, host=host, self_id=self_id)
    visibility = VISIBILITY.get(str(status.get("visibility")), Visibility.PUBLIC)
    text, entities = html_to_text(str(status.get("content") or ""), status.get("mentions"))
    parent_id = status.get("in_reply_to_id")
    root = root_id
    private = visibility is Visibility.DIRECT
    if me.is_self:
        kind, direction = Kind.OWN, Direction.OUTBOUND
    else:
        direction = Direction.INBOUND
        kind = Kind.DIRECT if private else Kind.REPLY if parent_id else Kind.MENTION
        if status.get("quote") and not private:
            kind = Kind.QUOTE
    counts = {
        k: status[k]
        for k in ("replies_count", "reblogs_count", "favourites_count", "quotes_count")
        if isinstance(status.get(k), int)
    }
    return NormalisedMessage(
        network=Network.MASTODON,
        native=NativeRef(id=str(status.get("id")), host=base_url, uri=status.get("uri")),
        kind=kind,
        direction=direction,
        author=me,
        text=text,
        text_raw=status.get("content"),
        text_format="html",
        created_at=parse_time(status.get("created_at")),  # type: ignore[arg-type]
        visibility=visibility,
        thread=ThreadRefs(
            root=NativeRef(id=root, host=base_url) if root and root != str(status.get("id")) else None,
            parent=NativeRef(id=str(parent_id), host=base_url) if parent_id else None,
            parent_author_id=str(status["in_reply_to_account_id"]) if status.get("in_reply_to_account_id") else None,
            conversation_id=(root or str(status.get("id"))) if private else None,
        ),
        recipients=[actor(m, host=host, self_id=self_id) for m in status.get("mentions") or []] if private else [],
        language=status.get("language"),
        content_warning=status.get("spoiler_text") or None,
        sensitive=bool(status.get("sensitive")),
        entities=entities,
        attachments=[
            Attachment(
                MEDIA.get(str(m.get("type")), "other"),  # type: ignore[arg-type]
                url=m.get("url"),
                preview_url=m.get("preview_url"),
                alt_text=m.get("description"),
                native_id=str(m.get("id")),
                raw=m,
            )
            for m in status.get("media_attachments") or []
        ],
        edited_at=parse_time(status.get("edited_at")),
        metrics=counts or None,
        reply=ReplyCapability(reply_via="dm" if private else "public_reply"),
        source=source,
        raw=status,
        raw_envelope=envelope,
    )


def notification_status(notification: dict[str, Any]) -> dict[str, Any] | None:
    """The status of a mention notification; None for follows, favourites and the rest."""
    if notification.get("type") != "mention" or not isinstance(notification.get("status"), dict):
        return None
    return notification["status"]  # type: ignore[no-any-return]
