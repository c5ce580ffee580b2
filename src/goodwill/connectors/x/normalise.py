"""X JSON -> NormalisedMessage. Pure functions, no I/O.

Four shapes reach goodwill: API v2 posts (`GET /2/users/:id/mentions`, recent search, XAA `post.*` events),
API v2 DM events (`GET /2/dm_events`), v1.1 posts (Account Activity `tweet_create_events`) and v1.1 DM events
(Account Activity `direct_message_events`, XAA `dm.*`). Ids are always the decimal strings (`id_str` in v1.1,
never the unsafe number). A 1:1 DM thread id is the two user ids joined by `-`, smaller first, the way v2
spells `dm_conversation_id`, so a DM that arrives by webhook and the same DM read by polling land in one
conversation. Fields the request did not ask for are simply absent (the default-field responses carry no
author and no time): the time then comes from the snowflake id, which encodes it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from goodwill.connectors.timestamps import epoch_ms, is_epoch_ms, refused, within
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

TWITTER_EPOCH_MS = 1288834974657
PROFILE = "https://x.com/"
MEDIA = {"photo": "image", "video": "video", "animated_gif": "gif"}
Json = dict[str, Any]


def snowflake_time(native_id: str) -> datetime | None:
    """The creation time encoded in an X id (ids since late 2010), None for anything else (not ASCII digits,
    or more than X's 64 bits)."""
    if not (native_id.isascii() and native_id.isdigit()) or not 1 << 22 <= int(native_id) < 1 << 63:
        return None
    return datetime.fromtimestamp(((int(native_id) >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)  # before 2081


def parse_time(value: object, *, field: str, item: str) -> datetime | None:
    """ISO 8601 (v2), `Mon May 19 14:01:46 +0000 2025` (v1.1) or epoch milliseconds as a string (DM events);
    None when absent. InvalidMessage naming `field` and `item` (e.g. "X post 123") for anything else or a time
    out of range (goodwill.connectors.timestamps)."""
    if value is None or value == "":
        return None
    if is_epoch_ms(value):
        return epoch_ms(value, field=field, item=item)
    if not isinstance(value, str):
        raise refused(field, item, value, "is not a time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError, OverflowError):  # a huge day or second overflows
                raise refused(field, item, value, "is not a time") from None
    return within(moment if moment.tzinfo else moment.replace(tzinfo=UTC), field=field, item=item, value=value)


def dm_conversation_id(a: str, b: str) -> str:
    first, second = sorted((a, b), key=lambda v: (len(v), v))
    return f"{first}-{second}"


def user_v2(user: Json, *, self_id: str) -> Actor:
    metrics = user.get("public_metrics") or {}
    handle = user.get("username")
    return Actor(
        native_id=str(user.get("id") or ""),
        handle=handle,
        display_name=user.get("name"),
        avatar_url=user.get("profile_image_url"),
        profile_url=f"{PROFILE}{handle}" if handle else None,
        followers=metrics.get("followers_count"),
        verified=user.get("verified"),
        is_self=str(user.get("id")) == self_id,
        raw=user,
    )


def user_v1(user: Json, *, self_id: str) -> Actor:
    native_id = str(user.get("id_str") or user.get("id") or "")
    handle = user.get("screen_name")
    return Actor(
        native_id=native_id,
        handle=handle,
        display_name=user.get("name"),
        avatar_url=user.get("profile_image_url_https"),
        profile_url=f"{PROFILE}{handle}" if handle else None,
        followers=user.get("followers_count"),
        verified=user.get("verified"),
        is_self=native_id == self_id,
        raw=user,
    )


def _bare(native_id: str, *, self_id: str) -> Actor:
    return Actor(native_id=native_id, is_self=bool(native_id) and native_id == self_id)


def _entities_v2(entities: Json) -> list[Entity]:
    found: list[Entity] = []
    for m in entities.get("mentions") or []:
        found.append(Entity("mention", str(m.get("username")), m.get("start"), m.get("end"), "x_v2", m.get("id")))
    for u in entities.get("urls") or []:
        value = str(u.get("expanded_url") or u.get("url"))
        found.append(Entity("link", value, u.get("start"), u.get("end"), "x_v2"))
    for kind, key in (("hashtag", "hashtags"), ("cashtag", "cashtags")):
        for h in entities.get(key) or []:
            found.append(Entity(kind, str(h.get("tag")), h.get("start"), h.get("end"), "x_v2"))  # type: ignore[arg-type]
    return found


def _entities_v1(entities: Json) -> list[Entity]:
    found: list[Entity] = []
    for m in entities.get("user_mentions") or []:
        start, end = (m.get("indices") or [None, None])[:2]
        found.append(Entity("mention", str(m.get("screen_name")), start, end, "v1_indices", m.get("id_str")))
    for u in entities.get("urls") or []:
        start, end = (u.get("indices") or [None, None])[:2]
        found.append(Entity("link", str(u.get("expanded_url") or u.get("url")), start, end, "v1_indices"))
    for kind, key in (("hashtag", "hashtags"), ("cashtag", "symbols")):
        for h in entities.get(key) or []:
            start, end = (h.get("indices") or [None, None])[:2]
            found.append(Entity(kind, str(h.get("text")), start, end, "v1_indices"))  # type: ignore[arg-type]
    return found


def _media(media: Json) -> Attachment:
    return Attachment(
        MEDIA.get(str(media.get("type")), "other"),  # type: ignore[arg-type]
        url=media.get("url") or media.get("media_url_https"),
        preview_url=media.get("preview_image_url"),
        alt_text=media.get("alt_text") or media.get("ext_alt_text"),
        native_id=str(media.get("media_key") or media.get("id_str") or "") or None,
        raw=media,
    )


def _kind(author: Actor, *, replied_to: str | None, reply_user: str | None, quoted: bool, self_id: str) -> Kind:
    if author.is_self:
        return Kind.OWN
    if quoted:
        return Kind.QUOTE
    if replied_to and reply_user == self_id:
        return Kind.REPLY
    return Kind.MENTION if not replied_to else Kind.REPLY


def tweet_v2(
    tweet: Json,
    *,
    includes: Json | None = None,
    self_id: str,
    source: Json,
    envelope: Json | None = None,
) -> NormalisedMessage:
    """A v2 post. `includes` is the response's (or XAA event's) expansion block: authors and media."""
    includes = includes or {}
    native_id = str(tweet.get("id") or "")
    author_id = str(tweet.get("author_id") or "")
    users = {str(u.get("id")): u for u in includes.get("users") or []}
    author = user_v2(users[author_id], self_id=self_id) if author_id in users else _bare(author_id, self_id=self_id)
    refs = {str(r.get("type")): str(r.get("id")) for r in tweet.get("referenced_tweets") or []}
    replied_to = refs.get("replied_to") or (
        str(tweet["in_reply_to_tweet_id"]) if tweet.get("in_reply_to_tweet_id") else None
    )
    reply_user = str(tweet["in_reply_to_user_id"]) if tweet.get("in_reply_to_user_id") else None
    conversation = str(tweet.get("conversation_id") or "") or None
    note = (tweet.get("note_tweet") or {}).get("text")
    media_by_key = {str(m.get("media_key")): m for m in includes.get("media") or []}
    keys = (tweet.get("attachments") or {}).get("media_keys") or []
    edits = [str(i) for i in tweet.get("edit_history_tweet_ids") or []]
    metrics = {k: v for k, v in (tweet.get("public_metrics") or {}).items() if isinstance(v, int)}
    labels = ["withheld"] if tweet.get("withheld") else []
    restrictions = {"reply_settings": tweet["reply_settings"]} if tweet.get("reply_settings") else None
    direction = Direction.OUTBOUND if author.is_self else Direction.INBOUND
    return NormalisedMessage(
        network=Network.X,
        native=NativeRef(id=native_id, uri=f"{PROFILE}i/status/{native_id}"),
        kind=_kind(author, replied_to=replied_to, reply_user=reply_user, quoted="quoted" in refs, self_id=self_id),
        direction=direction,
        author=author,
        text=str(note or tweet.get("text") or ""),
        text_raw=str(tweet.get("text")) if note else None,
        created_at=parse_time(tweet.get("created_at"), field="created_at", item=f"X post {native_id}")
        or snowflake_time(native_id)
        or datetime.now(UTC),
        thread=ThreadRefs(
            root=NativeRef(id=conversation) if conversation and conversation != native_id else None,
            parent=NativeRef(id=replied_to) if replied_to else None,
            parent_author_id=reply_user,
            quoted=NativeRef(id=refs["quoted"]) if "quoted" in refs else None,
        ),
        language=tweet.get("lang"),
        sensitive=tweet.get("possibly_sensitive"),
        labels=labels,
        entities=_entities_v2(tweet.get("entities") or {}),
        attachments=[_media(media_by_key[k]) if k in media_by_key else Attachment("other", native_id=k) for k in keys],
        edited_at=snowflake_time(edits[-1]) if len(edits) > 1 and edits[-1] == native_id else None,
        metrics=metrics or None,
        reply=ReplyCapability(restrictions=restrictions),
        source=source,
        raw=tweet,
        raw_envelope=envelope,
    )


def tweet_v1(tweet: Json, *, self_id: str, source: Json, envelope: Json | None = None) -> NormalisedMessage:
    """A v1.1 post (Account Activity `tweet_create_events`). It has no conversation id: the parent decides."""
    native_id = str(tweet.get("id_str") or "")
    author = user_v1(tweet.get("user") or {}, self_id=self_id)
    extended = tweet.get("extended_tweet") or {}
    full = extended.get("full_text")
    replied_to = tweet.get("in_reply_to_status_id_str")
    reply_user = tweet.get("in_reply_to_user_id_str")
    quoted = tweet.get("quoted_status_id_str")
    media = (tweet.get("extended_entities") or extended.get("extended_entities") or {}).get("media") or []
    counts = ("retweet_count", "favorite_count", "reply_count", "quote_count")
    metrics = {k: tweet[k] for k in counts if isinstance(tweet.get(k), int)}
    return NormalisedMessage(
        network=Network.X,
        native=NativeRef(id=native_id, uri=f"{PROFILE}i/status/{native_id}"),
        kind=_kind(author, replied_to=replied_to, reply_user=reply_user, quoted=bool(quoted), self_id=self_id),
        direction=Direction.OUTBOUND if author.is_self else Direction.INBOUND,
        author=author,
        text=str(full or tweet.get("full_text") or tweet.get("text") or ""),
        text_raw=str(tweet.get("text")) if full else None,
        created_at=parse_time(tweet.get("created_at"), field="created_at", item=f"X post {native_id}")
        or snowflake_time(native_id)
        or datetime.now(UTC),
        thread=ThreadRefs(
            parent=NativeRef(id=str(replied_to)) if replied_to else None,
            parent_author_id=str(reply_user) if reply_user else None,
            quoted=NativeRef(id=str(quoted)) if quoted else None,
        ),
        language=tweet.get("lang"),
        sensitive=tweet.get("possibly_sensitive"),
        labels=["withheld"] if tweet.get("withheld_in_countries") else [],
        entities=_entities_v1(extended.get("entities") or tweet.get("entities") or {}),
        attachments=[_media(m) for m in media],
        metrics=metrics or None,
        reply=ReplyCapability(
            restrictions={"user_has_blocked": True} if envelope and envelope.get("user_has_blocked") else None
        ),
        source=source,
        raw=tweet,
        raw_envelope=envelope,
    )


def _dm_item(event: Json) -> str:
    return f"X direct message {event.get('id') or '?'}"


def _dm(
    *,
    native_id: str,
    sender: Actor,
    recipients: list[Actor],
    conversation_id: str,
    text: str,
    created_at: datetime | None,
    source: Json,
    raw: Json,
    envelope: Json | None,
    entities: list[Entity] | None = None,
    labels: list[str] | None = None,
    can_reply: bool = True,
) -> NormalisedMessage:
    return NormalisedMessage(
        network=Network.X,
        native=NativeRef(id=native_id),
        kind=Kind.OWN if sender.is_self else Kind.DIRECT,
        direction=Direction.OUTBOUND if sender.is_self else Direction.INBOUND,
        author=sender,
        text=text,
        created_at=created_at or snowflake_time(native_id) or datetime.now(UTC),
        visibility=Visibility.DIRECT,
        thread=ThreadRefs(conversation_id=conversation_id),
        recipients=recipients,
        labels=labels or [],
        entities=entities or [],
        reply=ReplyCapability(can_reply=can_reply, reply_via="dm" if can_reply else "none"),
        source=source,
        raw=raw,
        raw_envelope=envelope,
    )


def dm_event_v2(
    event: Json,
    *,
    includes: Json | None = None,
    self_id: str,
    source: Json,
    conversation_id: str | None = None,
    envelope: Json | None = None,
) -> NormalisedMessage:
    """A v2 DM event (`MessageCreate`). `conversation_id` is the thread asked for, when the event lacks it."""
    users = {str(u.get("id")): u for u in (includes or {}).get("users") or []}

    def who(uid: str) -> Actor:
        return user_v2(users[uid], self_id=self_id) if uid in users else _bare(uid, self_id=self_id)

    sender_id = str(event.get("sender_id") or "")
    participants = [str(p) for p in event.get("participant_ids") or []]
    thread = str(event.get("dm_conversation_id") or conversation_id or "")
    return _dm(
        native_id=str(event.get("id") or ""),
        sender=who(sender_id),
        recipients=[who(p) for p in participants if p != sender_id],
        conversation_id=thread,
        text=str(event.get("text") or ""),
        created_at=parse_time(event.get("created_at"), field="created_at", item=_dm_item(event)),
        entities=_entities_v2(event.get("entities") or {}),
        source=source,
        raw=event,
        envelope=envelope,
    )


def _v1_users(users: Json) -> dict[str, Json]:
    """AAA maps ids to v1.1 users; XAA maps them to `{"data": v2 user}`."""
    return {str(k): v for k, v in (users or {}).items() if isinstance(v, dict)}


def dm_event_v1(
    event: Json, *, users: Json | None = None, self_id: str, source: Json, envelope: Json | None = None
) -> NormalisedMessage:
    """A v1.1 `message_create` DM event (Account Activity, XAA `dm.received`/`dm.sent`)."""
    known = _v1_users(users or {})

    def who(uid: str) -> Actor:
        user = known.get(uid)
        if user is None:
            return _bare(uid, self_id=self_id)
        return user_v2(user["data"], self_id=self_id) if "data" in user else user_v1(user, self_id=self_id)

    create = event.get("message_create") or {}
    sender_id = str(create.get("sender_id") or "")
    recipient_id = str((create.get("target") or {}).get("recipient_id") or "")
    data = create.get("message_data") or {}
    return _dm(
        native_id=str(event.get("id") or ""),
        sender=who(sender_id),
        recipients=[who(recipient_id)] if recipient_id else [],
        conversation_id=dm_conversation_id(sender_id, recipient_id),
        text=str(data.get("text") or ""),
        created_at=parse_time(event.get("created_timestamp"), field="created_timestamp", item=_dm_item(event)),
        entities=_entities_v1(data.get("entities") or {}),
        source=source,
        raw=event,
        envelope=envelope,
    )


def chat_event(event: Json, *, self_id: str, source: Json, envelope: Json | None = None) -> NormalisedMessage:
    """An encrypted XChat message (XAA `chat.received`): no plaintext reaches us, only that it exists."""
    sender_id = str(event.get("sender_id") or "")
    return _dm(
        native_id=str(event.get("id") or ""),
        sender=_bare(sender_id, self_id=self_id),
        recipients=[],
        conversation_id=str(event.get("conversation_id") or ""),
        text="",
        created_at=parse_time(event.get("created_at_msec"), field="created_at_msec", item=_dm_item(event)),
        labels=["encrypted"],
        can_reply=False,
        source=source,
        raw=event,
        envelope=envelope,
    )
