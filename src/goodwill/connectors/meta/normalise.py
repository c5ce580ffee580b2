"""Meta JSON (Graph API nodes and webhook bodies) -> NormalisedMessage. Pure functions, no I/O.

Facebook Page comments and visitor posts, Messenger, Instagram comments, mentions and DMs. Threads: a comment's
root is its post (media on Instagram), its parent the comment it answers; trees are two levels deep. A private
conversation is keyed by the person's page-scoped id (PSID, or IGSID on Instagram): webhooks carry no `t_...`
thread id, and Graph conversations list the same PSIDs, so both paths land in one conversation. People are
scoped ids (`page:<page id>`, `ig:<account id>`): the same human has other ids elsewhere.

Windows (ReplyCapability.window_expires_at): Messenger and Instagram DMs may be answered for 24 hours after
the person's message (the standard messaging window); a comment may be answered privately (a private reply)
for 7 days after it was written. The connector refuses to send outside them, before calling Meta.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, Attachment, NativeRef, NormalisedMessage, ReplyCapability, ThreadRefs

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
ATTACHMENT = {
    "photo": "image",
    "image": "image",
    "video": "video",
    "audio": "audio",
    "file": "file",
    "sticker": "sticker",
    "animated_image_share": "gif",
    "share": "link_card",
}
Json = dict[str, Any]


def parse_time(value: object) -> datetime | None:
    """`2021-07-23T08:35:18+0000` (Graph), epoch seconds (feed webhooks) or epoch milliseconds (Messenger)."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, tz=UTC)
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def ids_from_permalink(permalink: str | None) -> tuple[str | None, str | None]:
    """(comment id, parent comment id) from `.../posts/<post>/?comment_id=<c>[&reply_comment_id=<r>]`, for
    comments read without `id`/`parent` (a reply's permalink names its top-level comment too)."""
    if not permalink:
        return None, None
    parts = urlsplit(permalink)
    query = parse_qs(parts.query)
    comment = next(iter(query.get("comment_id") or []), None)
    reply = next(iter(query.get("reply_comment_id") or []), None)
    segments = [s for s in parts.path.split("/") if s]
    post = segments[segments.index("posts") + 1] if "posts" in segments[:-1] else None
    if not post or not comment:
        return None, None
    if reply:
        return f"{post}_{reply}", f"{post}_{comment}"
    return f"{post}_{comment}", None


def _actor(who: Json | None, *, scope: str, self_ids: set[str]) -> Actor:
    who = who or {}
    native_id = str(who.get("id") or "")
    handle = who.get("username")
    return Actor(
        native_id=native_id,
        id_scope=scope,
        handle=handle,
        display_name=who.get("name") or handle,
        profile_url=f"https://www.instagram.com/{handle}/" if handle else None,
        is_self=bool(native_id and native_id in self_ids) or bool(handle and f"@{handle}" in self_ids),
        raw=who or None,
    )


def _attachments(items: list[Json]) -> list[Attachment]:
    found = []
    for item in items:
        payload = item.get("payload") or {}
        media = (item.get("media") or {}).get("image") or {}
        image = item.get("image_data") or {}
        kind = ATTACHMENT.get(str(item.get("type") or ""), "image" if image or media else "other")
        found.append(
            Attachment(
                kind,  # type: ignore[arg-type]
                url=payload.get("url") or image.get("url") or media.get("src") or item.get("url"),
                preview_url=image.get("preview_url"),
                mime_type=item.get("mime_type"),
                native_id=str(item.get("id") or (item.get("target") or {}).get("id") or "") or None,
                raw=item,
            )
        )
    return found


def _kind(author: Actor, parent_is_comment: bool, top: Kind = Kind.COMMENT) -> tuple[Kind, Direction]:
    if author.is_self:
        return Kind.OWN, Direction.OUTBOUND
    return (Kind.REPLY if parent_is_comment else top), Direction.INBOUND


def _private_reply(created: datetime, can: object = True) -> ReplyCapability:
    until = created + PRIVATE_REPLY_WINDOW
    return ReplyCapability(
        restrictions={"can_reply_privately": can is not False, "private_reply_until": until.isoformat()}
    )


def fb_comment(
    comment: Json, *, page_id: str, post_id: str | None, source: Json, envelope: Json | None = None
) -> NormalisedMessage:
    """A Graph Comment node (`GET /{post}/comments`, `GET /{comment}`)."""
    from_link, parent_from_link = ids_from_permalink(comment.get("permalink_url"))
    native_id = str(comment.get("id") or from_link or "")
    author = _actor(comment.get("from"), scope=f"page:{page_id}", self_ids={page_id})
    parent = (comment.get("parent") or {}).get("id") or parent_from_link
    # A comment id is `<post>_<comment>`; the post's own id on the Page's feed is `<page>_<post>`.
    post = post_id or (f"{page_id}_{native_id.split('_', 1)[0]}" if "_" in native_id else None)
    kind, direction = _kind(author, bool(parent))
    created = parse_time(comment.get("created_time")) or datetime.now(UTC)
    attachment = comment.get("attachment")
    counts = {k: comment[k] for k in ("like_count", "comment_count") if isinstance(comment.get(k), int)}
    return NormalisedMessage(
        network=Network.FACEBOOK,
        native=NativeRef(id=native_id, uri=comment.get("permalink_url")),
        kind=kind,
        direction=direction,
        author=author,
        text=str(comment.get("message") or ""),
        created_at=created,
        thread=ThreadRefs(
            root=NativeRef(id=str(post)) if post else None,
            parent=NativeRef(id=str(parent)) if parent else None,
            depth_limit=2,
        ),
        labels=["hidden"] if comment.get("is_hidden") else [],
        attachments=_attachments([attachment] if isinstance(attachment, dict) else []),
        is_hidden=comment.get("is_hidden"),
        metrics=counts or None,
        reply=_private_reply(created, comment.get("can_reply_privately")),
        source=source,
        raw=comment,
        raw_envelope=envelope,
    )


def fb_post(post: Json, *, page_id: str, source: Json, envelope: Json | None = None) -> NormalisedMessage:
    """A post on the Page's feed: the brand's own (OWN) or a visitor's (MENTION: they wrote to the brand)."""
    author = _actor(
        post.get("from") or ({"id": page_id} if "from" not in post else None),
        scope=f"page:{page_id}",
        self_ids={page_id},
    )
    kind, direction = _kind(author, False, top=Kind.MENTION)
    return NormalisedMessage(
        network=Network.FACEBOOK,
        native=NativeRef(id=str(post.get("id") or ""), uri=post.get("permalink_url")),
        kind=kind,
        direction=direction,
        author=author,
        text=str(post.get("message") or ""),
        created_at=parse_time(post.get("created_time")) or datetime.now(UTC),
        thread=ThreadRefs(depth_limit=2),
        source=source,
        raw=post,
        raw_envelope=envelope,
    )


def feed_change(value: Json, *, page_id: str, source: Json, envelope: Json | None = None) -> NormalisedMessage | None:
    """A Page `feed` webhook change: a comment or a post added, edited or removed; None for reactions and likes."""
    item = str(value.get("item") or "")
    verb = str(value.get("verb") or "add")
    if item not in ("comment", "post", "status", "photo", "video", "share"):
        return None
    author = _actor(value.get("from"), scope=f"page:{page_id}", self_ids={page_id})
    created = parse_time(value.get("created_time")) or datetime.now(UTC)
    post_id = str(value.get("post_id") or "")
    is_comment = item == "comment"
    parent = str(value.get("parent_id") or "") if is_comment else ""
    native_id = str(value.get("comment_id") or "") if is_comment else post_id
    kind, direction = _kind(
        author, bool(parent and parent != post_id), top=Kind.COMMENT if is_comment else Kind.MENTION
    )
    photo = value.get("photo") or value.get("link")
    return NormalisedMessage(
        network=Network.FACEBOOK,
        native=NativeRef(id=native_id),
        kind=kind,
        direction=direction,
        author=author,
        text=str(value.get("message") or ""),
        created_at=created,
        thread=ThreadRefs(
            root=NativeRef(id=post_id) if is_comment and post_id else None,
            parent=NativeRef(id=parent) if parent and parent != post_id else None,
            depth_limit=2,
        ),
        attachments=[Attachment("image", url=str(photo))] if photo else [],
        edited_at=created if verb == "edited" else None,
        is_deleted=verb == "remove",
        is_hidden=True if verb == "hide" else None,
        reply=_private_reply(created) if is_comment else ReplyCapability(),
        source=source,
        raw=value,
        raw_envelope=envelope,
    )


def messaging_event(
    event: Json, *, account_id: str, network: Network, source: Json, envelope: Json | None = None
) -> NormalisedMessage | None:
    """A Messenger / Instagram `messaging` webhook event with a `message` (None for reads, deliveries...)."""
    message = event.get("message")
    if not isinstance(message, dict):
        return None
    sender = str((event.get("sender") or {}).get("id") or "")
    recipient = str((event.get("recipient") or {}).get("id") or "")
    own = bool(message.get("is_echo")) or sender == account_id
    person = recipient if own else sender
    scope = f"{'page' if network is Network.FACEBOOK else 'ig'}:{account_id}"
    created = parse_time(event.get("timestamp")) or datetime.now(UTC)
    reply_to = (message.get("reply_to") or {}).get("mid")
    return _direct(
        native_id=str(message.get("mid") or ""),
        network=network,
        author=Actor(native_id=sender, id_scope=scope, is_self=own),
        recipient=Actor(native_id=recipient, id_scope=scope, is_self=not own),
        person=person,
        text=str(message.get("text") or ""),
        created=created,
        parent=str(reply_to) if reply_to else None,
        attachments=_attachments(message.get("attachments") or []),
        source=source,
        raw=event,
        envelope=envelope,
    )


def graph_message(
    node: Json, *, account_id: str, network: Network, source: Json, envelope: Json | None = None
) -> NormalisedMessage:
    """A Graph Message node (`GET /{conversation}/messages`)."""
    scope = f"{'page' if network is Network.FACEBOOK else 'ig'}:{account_id}"
    sender = node.get("from") or {}
    to = ((node.get("to") or {}).get("data") or [{}])[0]
    author = _actor(sender, scope=scope, self_ids={account_id})
    recipient = _actor(to, scope=scope, self_ids={account_id})
    person = recipient.native_id if author.is_self else author.native_id
    return _direct(
        native_id=str(node.get("id") or ""),
        network=network,
        author=author,
        recipient=recipient,
        person=person,
        text=str(node.get("message") or ""),
        created=parse_time(node.get("created_time")) or datetime.now(UTC),
        parent=None,
        attachments=_attachments((node.get("attachments") or {}).get("data") or []),
        source=source,
        raw=node,
        envelope=envelope,
    )


def _direct(
    *,
    native_id: str,
    network: Network,
    author: Actor,
    recipient: Actor,
    person: str,
    text: str,
    created: datetime,
    parent: str | None,
    attachments: list[Attachment],
    source: Json,
    raw: Json,
    envelope: Json | None,
) -> NormalisedMessage:
    own = author.is_self
    return NormalisedMessage(
        network=network,
        native=NativeRef(id=native_id),
        kind=Kind.OWN if own else Kind.DIRECT,
        direction=Direction.OUTBOUND if own else Direction.INBOUND,
        author=author,
        recipients=[recipient],
        text=text,
        created_at=created,
        visibility=Visibility.DIRECT,
        thread=ThreadRefs(conversation_id=person, parent=NativeRef(id=parent) if parent else None),
        attachments=attachments,
        reply=ReplyCapability(reply_via="dm", window_expires_at=None if own else created + MESSAGING_WINDOW),
        source=source,
        raw=raw,
        raw_envelope=envelope,
    )


def ig_comment(
    comment: Json,
    *,
    ig_user_id: str,
    ig_username: str | None = None,
    media_id: str | None = None,
    source: Json,
    envelope: Json | None = None,
) -> list[NormalisedMessage]:
    """An Instagram comment (Graph node or `comments` webhook value), followed by its nested `replies`."""
    who = comment.get("from") or comment.get("user") or {}
    if comment.get("username") and "username" not in who:
        who = {**who, "username": comment["username"]}
    self_ids = {ig_user_id} | ({f"@{ig_username}"} if ig_username else set())
    author = _actor(who, scope=f"ig:{ig_user_id}", self_ids=self_ids)
    native_id = str(comment.get("id") or "")
    media = str((comment.get("media") or {}).get("id") or media_id or "") or None
    parent = comment.get("parent_id")
    kind, direction = _kind(author, bool(parent))
    created = parse_time(comment.get("timestamp")) or datetime.now(UTC)
    message = NormalisedMessage(
        network=Network.INSTAGRAM,
        native=NativeRef(id=native_id),
        kind=kind,
        direction=direction,
        author=author,
        text=str(comment.get("text") or ""),
        created_at=created,
        thread=ThreadRefs(
            root=NativeRef(id=media) if media else None,
            parent=NativeRef(id=str(parent)) if parent else None,
            depth_limit=2,
        ),
        labels=["hidden"] if comment.get("hidden") else [],
        is_hidden=comment.get("hidden"),
        metrics={"like_count": comment["like_count"]} if isinstance(comment.get("like_count"), int) else None,
        reply=_private_reply(created),
        source=source,
        raw=comment,
        raw_envelope=envelope,
    )
    found = [message]
    for reply in (comment.get("replies") or {}).get("data") or []:
        nested = {"parent_id": native_id, **reply}
        found += ig_comment(
            nested, ig_user_id=ig_user_id, ig_username=ig_username, media_id=media, source=source, envelope=envelope
        )
    return found


def ig_mention(
    found: Json, *, ig_user_id: str, media_id: str | None, source: Json, envelope: Json | None = None
) -> NormalisedMessage:
    """`GET /{ig-user}?fields=mentioned_comment...` or `mentioned_media...`: a comment or caption that
    @-mentions the brand somewhere else. Only the author's username is given, so it is their identity."""
    item = found.get("mentioned_comment") or found.get("mentioned_media") or {}
    is_comment = "mentioned_comment" in found
    username = item.get("username")
    author = Actor(
        native_id=f"@{username}" if username else "",
        handle=username,
        id_scope=f"ig:{ig_user_id}",
        profile_url=f"https://www.instagram.com/{username}/" if username else None,
    )
    root = media_id if is_comment else None
    media_url = item.get("media_url")
    return NormalisedMessage(
        network=Network.INSTAGRAM,
        native=NativeRef(id=str(item.get("id") or ""), uri=item.get("permalink")),
        kind=Kind.MENTION,
        direction=Direction.INBOUND,
        author=author,
        text=str(item.get("text") or item.get("caption") or ""),
        created_at=parse_time(item.get("timestamp")) or datetime.now(UTC),
        thread=ThreadRefs(root=NativeRef(id=root) if root else None, depth_limit=2),
        attachments=[Attachment("image", url=media_url, native_id=str(item.get("id")))] if media_url else [],
        metrics={k: item[k] for k in ("like_count", "comments_count") if isinstance(item.get(k), int)} or None,
        reply=ReplyCapability(restrictions={"reply_via_mentions_api": True, "media_id": media_id}),
        source=source,
        raw=found,
        raw_envelope=envelope,
    )
