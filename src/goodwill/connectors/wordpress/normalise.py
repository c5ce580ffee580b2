"""WordPress REST comments (`/wp/v2/comments`, context=edit) -> NormalisedMessage. Pure functions, no I/O.

A blog's conversation is the thread of a post: root `post-<id>` (post and comment ids are separate sequences,
so the prefix keeps them apart), parent the comment answered. Visitors have no account: a visitor is known by
their e-mail address (context=edit gives it), kept only as a hash, or by their name when there is none; a
registered user by their WordPress user id. The channel's own user (the brand) writes OWN messages.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from goodwill.connectors.mastodon.html import html_to_text
from goodwill.domain.enums import Direction, Kind, Network
from goodwill.domain.message import Actor, NativeRef, NormalisedMessage, ReplyCapability, ThreadRefs

LABELS = {"hold": "held", "spam": "spam", "trash": "trash"}


def parse_time(value: object) -> datetime | None:
    """`date_gmt` has no zone but is UTC."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def author_of(comment: dict[str, Any], *, site: str, self_user: int) -> Actor:
    user = int(comment.get("author") or 0)
    email = str(comment.get("author_email") or "").strip().lower()
    name = str(comment.get("author_name") or "")
    if user:
        native_id = f"user:{user}"
    elif email:
        native_id = "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]
    else:
        native_id = "name:" + hashlib.sha256(name.encode()).hexdigest()[:32]
    avatars = comment.get("author_avatar_urls") or {}
    return Actor(
        native_id=native_id,
        id_scope=f"site:{site}",
        handle=name or None,
        display_name=name or None,
        avatar_url=avatars.get("96") or next(iter(avatars.values()), None),
        profile_url=comment.get("author_url") or None,
        is_self=bool(user) and user == self_user,
    )


def comment_message(
    comment: dict[str, Any],
    *,
    site: str,
    self_user: int,
    source: dict[str, Any],
    envelope: dict[str, Any] | None = None,
) -> NormalisedMessage:
    content = comment.get("content") or {}
    raw_text = content.get("raw")
    rendered = str(content.get("rendered") or "")
    text, entities = (str(raw_text), []) if raw_text is not None else html_to_text(rendered)
    author = author_of(comment, site=site, self_user=self_user)
    parent = int(comment.get("parent") or 0)
    status = str(comment.get("status") or "approved")
    if author.is_self:
        kind, direction = Kind.OWN, Direction.OUTBOUND
    else:
        kind, direction = (Kind.REPLY if parent else Kind.COMMENT), Direction.INBOUND
    return NormalisedMessage(
        network=Network.BLOG,
        native=NativeRef(id=str(comment.get("id")), host=site, uri=comment.get("link")),
        kind=kind,
        direction=direction,
        author=author,
        text=text.strip(),
        text_raw=rendered or None,
        created_at=parse_time(comment.get("date_gmt")) or parse_time(comment.get("date")) or datetime.now(UTC),
        thread=ThreadRefs(
            root=NativeRef(id=f"post-{comment.get('post')}", host=site),
            parent=NativeRef(id=str(parent), host=site) if parent else None,
        ),
        labels=[LABELS[status]] if status in LABELS else [],
        entities=entities,
        is_hidden=status != "approved",
        reply=ReplyCapability(restrictions={"status": status}),
        source=source,
        raw=comment,
        raw_envelope=envelope,
    )
