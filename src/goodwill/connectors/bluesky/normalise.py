"""Bluesky JSON (notifications, thread views, chat messages) -> NormalisedMessage. Pure functions, no I/O.

A post is addressed by a strong ref, its AT-URI plus its CID; both halves of the post itself, of its thread
root and of its parent are kept so a reply can be built later without another lookup. Facet offsets are
UTF-8 byte ranges (`offset_unit="bytes_utf8"`). `createdAt` is set by the author's client; `indexedAt`, set
by the AppView, is kept beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import (
    Actor,
    Attachment,
    Entity,
    NativeRef,
    NormalisedMessage,
    ReplyCapability,
    ThreadRefs,
)

REASONS = {"mention": Kind.MENTION, "reply": Kind.REPLY, "quote": Kind.QUOTE}
POST = "app.bsky.feed.post"


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def strong_ref(data: object) -> NativeRef | None:
    if isinstance(data, dict) and isinstance(data.get("uri"), str):
        return NativeRef(id=data["uri"], cid=data.get("cid"))
    return None


def actor(profile: dict[str, Any], *, self_did: str) -> Actor:
    handle = profile.get("handle")
    return Actor(
        native_id=str(profile.get("did") or ""),
        handle=handle,
        display_name=profile.get("displayName") or None,
        avatar_url=profile.get("avatar"),
        profile_url=f"https://bsky.app/profile/{handle or profile.get('did')}",
        followers=profile.get("followersCount"),
        is_self=profile.get("did") == self_did,
        raw=profile,
    )


def entities(record: dict[str, Any]) -> list[Entity]:
    found: list[Entity] = []
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        for feature in facet.get("features") or []:
            kind = str(feature.get("$type", "")).rsplit("#", 1)[-1]
            if kind == "mention":
                found.append(
                    Entity(
                        "mention",
                        feature.get("did", ""),
                        index.get("byteStart"),
                        index.get("byteEnd"),
                        "bytes_utf8",
                        feature.get("did"),
                    )
                )
            elif kind == "link":
                found.append(
                    Entity("link", feature.get("uri", ""), index.get("byteStart"), index.get("byteEnd"), "bytes_utf8")
                )
            elif kind == "tag":
                found.append(
                    Entity(
                        "hashtag", feature.get("tag", ""), index.get("byteStart"), index.get("byteEnd"), "bytes_utf8"
                    )
                )
    return found


def quoted(record: dict[str, Any]) -> NativeRef | None:
    embed = record.get("embed") or {}
    kind = embed.get("$type", "")
    if kind == "app.bsky.embed.record":
        return strong_ref(embed.get("record"))
    if kind == "app.bsky.embed.recordWithMedia":
        return strong_ref((embed.get("record") or {}).get("record"))
    return None


def attachments(record: dict[str, Any]) -> list[Attachment]:
    embed = record.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    kind = embed.get("$type", "")
    if kind == "app.bsky.embed.images":
        return [
            Attachment(
                "image",
                alt_text=image.get("alt"),
                mime_type=(image.get("image") or {}).get("mimeType"),
                native_id=str(((image.get("image") or {}).get("ref") or {}).get("$link") or "") or None,
                raw=image,
            )
            for image in embed.get("images") or []
        ]
    if kind == "app.bsky.embed.external":
        external = embed.get("external") or {}
        return [Attachment("link_card", url=external.get("uri"), raw=external)]
    if kind == "app.bsky.embed.video":
        return [Attachment("video", alt_text=embed.get("alt"), raw=embed)]
    return []


def post_message(
    post: dict[str, Any],
    *,
    self_did: str,
    kind: Kind | None = None,
    source: dict[str, Any],
    envelope: dict[str, Any] | None = None,
) -> NormalisedMessage:
    """A post, given as a notification (uri, cid, author, record, indexedAt) or a postView (same keys)."""
    record = post.get("record") or {}
    author = actor(post.get("author") or {}, self_did=self_did)
    reply = record.get("reply") or {}
    root, parent = strong_ref(reply.get("root")), strong_ref(reply.get("parent"))
    quote = quoted(record)
    if author.is_self:
        kind, direction = Kind.OWN, Direction.OUTBOUND
    else:
        direction = Direction.INBOUND
        if kind is None:
            mentions_us = any(e.target_id == self_did for e in entities(record))
            if quote is not None and quote.id.startswith(f"at://{self_did}/"):
                kind = Kind.QUOTE
            elif parent is not None:
                kind = Kind.REPLY
            else:
                kind = Kind.MENTION if mentions_us else Kind.REPLY
    indexed = parse_time(post.get("indexedAt"))
    created = parse_time(record.get("createdAt")) or indexed
    langs = record.get("langs") or []
    labels = [str(label.get("val")) for label in post.get("labels") or [] if isinstance(label, dict)]
    counts = {
        k: post[k] for k in ("replyCount", "repostCount", "likeCount", "quoteCount") if isinstance(post.get(k), int)
    }
    return NormalisedMessage(
        network=Network.BLUESKY,
        native=NativeRef(id=str(post.get("uri") or ""), cid=post.get("cid"), uri=_web_url(post)),
        kind=kind,
        direction=direction,
        author=author,
        text=str(record.get("text") or ""),
        created_at=created,  # type: ignore[arg-type]  # validate() refuses a missing time
        visibility=Visibility.PUBLIC,
        thread=ThreadRefs(
            root=root,
            parent=parent,
            parent_author_id=_did_of(parent.id) if parent else None,
            quoted=quote,
        ),
        language=langs[0] if langs else None,
        labels=labels,
        sensitive=bool(labels) or None,
        entities=entities(record),
        attachments=attachments(record),
        indexed_at=indexed,
        metrics=counts or None,
        source=source,
        raw=post,
        raw_envelope=envelope,
    )


def _did_of(uri: str) -> str | None:
    parts = uri.removeprefix("at://").split("/")
    return parts[0] if parts and parts[0] else None


def _web_url(post: dict[str, Any]) -> str | None:
    uri = str(post.get("uri") or "")
    parts = uri.removeprefix("at://").split("/")
    if len(parts) == 3 and parts[1] == POST:
        handle = (post.get("author") or {}).get("handle") or parts[0]
        return f"https://bsky.app/profile/{handle}/post/{parts[2]}"
    return None


def notification_message(
    notification: dict[str, Any], *, self_did: str, cursor: str | None
) -> NormalisedMessage | None:
    """A mention, reply or quote notification; None for the other reasons (likes, follows, reposts)."""
    kind = REASONS.get(str(notification.get("reason")))
    if kind is None or (notification.get("record") or {}).get("$type", POST) != POST:
        return None
    source = {
        "transport": "poll",
        "endpoint": "app.bsky.notification.listNotifications",
        "event_id": notification.get("uri"),
        "reason": notification.get("reason"),
        "reason_subject": notification.get("reasonSubject"),
        "cursor": cursor,
    }
    return post_message(notification, self_did=self_did, kind=kind, source=source)


def thread_posts(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every post view in a getPostThread tree (parents and replies); not-found and blocked nodes skipped."""
    found: list[dict[str, Any]] = []
    stack = [node]
    seen: set[str] = set()
    while stack:
        current = stack.pop()
        if not isinstance(current, dict) or "post" not in current:
            continue  # #notFoundPost, #blockedPost
        post = current["post"]
        if post.get("uri") in seen:
            continue
        seen.add(post.get("uri"))
        found.append(post)
        if isinstance(current.get("parent"), dict):
            stack.append(current["parent"])
        stack.extend(r for r in current.get("replies") or [] if isinstance(r, dict))
    return found


def chat_message(message: dict[str, Any], *, convo: dict[str, Any], self_did: str) -> NormalisedMessage:
    """A chat.bsky.convo.defs#messageView in conversation `convo` (a convoView)."""
    members = {m.get("did"): m for m in convo.get("members") or []}
    sender = str((message.get("sender") or {}).get("did") or "")
    outbound = sender == self_did
    profile = members.get(sender) or {"did": sender}
    return NormalisedMessage(
        network=Network.BLUESKY,
        native=NativeRef(id=f"chat:{convo.get('id')}:{message.get('id')}"),
        kind=Kind.OWN if outbound else Kind.DIRECT,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        author=actor(profile, self_did=self_did),
        recipients=[actor(m, self_did=self_did) for did, m in members.items() if did != sender],
        text=str(message.get("text") or ""),
        created_at=parse_time(message.get("sentAt")),  # type: ignore[arg-type]
        visibility=Visibility.DIRECT,
        thread=ThreadRefs(conversation_id=str(convo.get("id") or "")),
        entities=entities(message),
        reply=ReplyCapability(reply_via="dm"),
        source={
            "transport": "poll",
            "endpoint": "chat.bsky.convo.getMessages",
            "event_id": message.get("id"),
            "rev": message.get("rev"),
        },
        raw=message,
        raw_envelope={"convo": {k: convo.get(k) for k in ("id", "rev")}},
    )
