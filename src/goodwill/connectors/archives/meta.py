"""Facebook and Instagram "Download your information" exports, in JSON (Accounts Center > Your information and
permissions > Download your information; choose the JSON format). A zip, or the folder it unpacks into.

Layouts, as Meta writes them and public parsers read them (NorseKode/Waultar-App
`documents/parser/content_examples.md`, excerpts of a real Facebook export; the Messenger export notes of
several public parsers of `message_1.json`; the Instagram export analyses and importer fixtures found in
public code). Newer exports put the same files under `your_facebook_activity/` or `your_instagram_activity/`:
- Facebook posts, `posts/your_posts_1.json` (newer `your_posts__check_ins__photos_and_videos_1.json`):
  `[{"timestamp", "data": [{"post"}, {"update_timestamp"}], "attachments": [{"data": [{"media"}|...]}], "title"}]`.
- Facebook comments, `comments_and_reactions/comments.json` (older `comments/comments.json`):
  `{"comments_v2": [{"timestamp", "data": [{"comment": {"timestamp", "comment", "author"}}], "title"}]}`.
- Instagram posts, `content/posts_1.json` (newer `media/posts_1.json`):
  `[{"media": [{"uri", "creation_timestamp", "title"}], "title", "creation_timestamp"}]` (caption in `title`).
- Instagram comments, `comments/post_comments_1.json`:
  `[{"string_map_data": {"Comment": {"value"}, "Media Owner": {"value"}, "Time": {"timestamp"}}}]`.
- Messages on both, `messages/inbox/<name>_<id>/message_1.json` (also archived_threads, message_requests,
  filtered_threads): `{"participants": [{"name"}], "messages": [{"sender_name", "timestamp_ms", "content",
  "photos"|"videos"|"share"|...}], "title", "thread_path"}`.
- The account: `profile_information/profile_information.json` `{"profile_v2": {"name": {"full_name"}}}`
  (Facebook), `personal_information/personal_information.json` `{"profile_user": [{"string_map_data":
  {"Username": {"value"}, "Name": {"value"}}}]}` (Instagram).

Meta writes every non-ASCII character as its UTF-8 bytes escaped one by one (`\\u00c3\\u00a9` for `é`): text is
repaired (latin-1 bytes decoded as UTF-8); `raw` keeps what the file said. The export carries no ids for
posts, comments, messages or people: ids are made from the time and the text, and people are known by name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from goodwill.connectors.archives.common import Archive, ArchiveError
from goodwill.connectors.archives.linkedin import open_archive
from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, Attachment, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

THREAD = re.compile(
    r"(^|/)messages/(inbox|archived_threads|message_requests|filtered_threads)/[^/]+/message_\d+\.json$"
)
FB_POSTS = re.compile(r"(^|/)posts/your_posts(__[a-z_]+)?_\d+\.json$")
FB_COMMENTS = re.compile(r"(^|/)comments(_and_reactions)?/comments\.json$")
IG_POSTS = re.compile(r"(^|/)(content|media)/posts(_\d+)?\.json$")
IG_COMMENTS = re.compile(r"(^|/)comments/(post_comments(_\d+)?|reels_comments)\.json$")
PIECE = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\],:\n]|[-0-9tfn]')
MediaKind = Literal["image", "video", "gif", "audio", "file"]
MEDIA: dict[str, MediaKind] = {
    "photos": "image",
    "videos": "video",
    "gifs": "gif",
    "audio_files": "audio",
    "files": "file",
}


def repair(text: object) -> str:
    """Undo Meta's mojibake: each UTF-8 byte was written as one latin-1 character."""
    if not isinstance(text, str):
        return ""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text  # already proper text


def item_lines(text: str, key: str | None = None) -> list[int]:
    """The line each element of the top-level array (or of the array under top-level `key`) starts on."""
    stack: list[str] = []
    lines: list[int] = []
    line, target, expecting, last, pending = 1, 0, False, "", ""
    for match in PIECE.finditer(text):
        piece = match.group(0)
        if piece == "\n":
            line += 1
            continue
        if target and len(stack) == target and expecting and piece not in ",]":
            lines.append(line)
            expecting = False
        if piece[0] == '"':
            last = piece[1:-1]
        elif piece == ":":
            pending = last
        elif piece in "{[":
            stack.append(piece)
            if (
                not target
                and piece == "["
                and (stack == ["["] if key is None else stack == ["{", "["] and pending == key)
            ):
                target, expecting = len(stack), True
        elif piece in "}]":
            if stack:
                stack.pop()
            if target and len(stack) < target:
                break
        elif piece == "," and target and len(stack) == target:
            expecting = True
    return lines


def epoch(value: object, field: str, *, ms: bool = False) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidMessage(field, "a Unix timestamp (a number) is required")
    try:
        return datetime.fromtimestamp(value / 1000 if ms else value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidMessage(field, f"{value!r} is not a usable Unix timestamp") from None


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:24]


def _json(archive: Archive, name: str) -> tuple[Any, str]:
    text = archive.text(name)
    try:
        return orjson.loads(text), text
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(archive.where(name), f"not valid JSON ({exc})", line=getattr(exc, "lineno", 1)) from None


def _list(archive: Archive, name: str, keys: tuple[str, ...] = ()) -> tuple[list[Any], list[int]]:
    """The records of a file that is an array, or an object holding the array under one of `keys`."""
    data, text = _json(archive, name)
    if isinstance(data, list):
        return data, item_lines(text)
    for key in keys:
        if isinstance(data, dict) and isinstance(data.get(key), list):
            return data[key], item_lines(text, key)
    shape = " or ".join([*(f"an object with {k!r}" for k in keys), "a JSON array"])
    raise ArchiveError(archive.where(name), f"expected {shape}", field=keys[0] if keys else None)


def read_facebook_archive(path: Path) -> Iterator[Record | BadRecord]:
    yield from _read(path, Network.FACEBOOK)


def read_instagram_archive(path: Path) -> Iterator[Record | BadRecord]:
    yield from _read(path, Network.INSTAGRAM)


def _read(path: Path, network: Network) -> Iterator[Record | BadRecord]:
    fmt = f"{network.value}-archive"
    try:
        archive = open_archive(path)
        posts = archive.matching((FB_POSTS if network is Network.FACEBOOK else IG_POSTS).search)
        comments = archive.matching((FB_COMMENTS if network is Network.FACEBOOK else IG_COMMENTS).search)
        threads = archive.matching(THREAD.search)
        if not (posts or comments or threads):
            raise ArchiveError(str(path), f"no posts, comments or messages/inbox/*/message_1.json: is this the {fmt}?")
        name, username = _account(archive, network)
        loaded = [(n, _json(archive, n)) for n in threads]
        for thread, (data, _) in loaded:
            if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
                raise ArchiveError(archive.where(thread), "expected an object with a messages array", field="messages")
        me = name if name else _self_in_threads([d for _, (d, _) in loaded])
        account = username or me or fmt
        channel = ChannelKey(network, account, account)
        author = Actor(native_id=account, handle=username or account, display_name=me, is_self=True)
        for name_ in posts:
            items, lines = _list(archive, name_, ("ig_posts",))
            yield from _posts(archive.where(name_), name_, items, lines, network, channel, author)
        for name_ in comments:
            keys = ("comments_v2", "comments") if network is Network.FACEBOOK else _IG_COMMENT_KEYS
            items, lines = _list(archive, name_, keys)
            yield from _comments(archive.where(name_), name_, items, lines, network, channel, author)
        for thread, (data, text) in loaded:
            yield from _thread(archive.where(thread), thread, data, text, network, channel, author)
    except ArchiveError as exc:
        yield exc.bad()


_IG_COMMENT_KEYS = ("comments_media_comments", "comments_reels_comments")


def _account(archive: Archive, network: Network) -> tuple[str | None, str | None]:
    """(the account holder's name as messages name them, the Instagram username) from the profile file."""
    if network is Network.FACEBOOK:
        found = archive.find("profile_information/profile_information.json")
        data = _json(archive, found)[0] if found else {}
        profile = (data.get("profile_v2") or data.get("profile")) if isinstance(data, dict) else None
        name = profile.get("name") if isinstance(profile, dict) else None
        full = name.get("full_name") if isinstance(name, dict) else None
        return (repair(full) or None) if isinstance(full, str) else None, None
    found = archive.find("personal_information/personal_information.json")
    data = _json(archive, found)[0] if found else {}
    users = data.get("profile_user") if isinstance(data, dict) else None
    fields = users[0].get("string_map_data") if isinstance(users, list) and users and isinstance(users[0], dict) else {}
    fields = fields if isinstance(fields, dict) else {}

    def value(label: str) -> str | None:
        entry = fields.get(label)
        text = entry.get("value") if isinstance(entry, dict) else None
        return repair(text) or None if isinstance(text, str) else None

    return value("Name"), value("Username")


def _self_in_threads(threads: list[Any]) -> str | None:
    """The account holder when no profile file names it: in a one-to-one thread the title is the other person,
    so the holder is the participant who is not the title, the same in every thread."""
    common: set[str] | None = None
    for data in threads:
        names = {repair(p.get("name")) for p in data.get("participants") or [] if isinstance(p, dict)}
        names.discard("")
        others = names - {repair(data.get("title"))}
        if len(names) == 2 and len(others) == 1:
            common = others if common is None else common & others
        elif names:
            common = names if common is None else common & names
    return common.pop() if common and len(common) == 1 else None


def _attachments(item: dict[str, Any]) -> list[Attachment]:
    found: list[Attachment] = []
    for group in item.get("attachments") or []:
        for data in group.get("data") or [] if isinstance(group, dict) else []:
            media = data.get("media") if isinstance(data, dict) else None
            context = data.get("external_context") if isinstance(data, dict) else None
            if isinstance(media, dict):
                found.append(
                    Attachment("other", url=media.get("uri"), alt_text=repair(media.get("description")) or None)
                )
            elif isinstance(context, dict) and context.get("url"):
                found.append(Attachment("link_card", url=context.get("url")))
    for media in item.get("media") or []:
        if isinstance(media, dict) and media.get("uri"):
            uri = str(media["uri"])
            found.append(Attachment("video" if uri.endswith((".mp4", ".mov")) else "image", url=uri))
    return found


def _posts(
    where: str, name: str, items: list[Any], lines: list[int], network: Network, channel: ChannelKey, author: Actor
) -> Iterator[Record | BadRecord]:
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 1
        try:
            if not isinstance(item, dict):
                raise InvalidMessage(f"[{index}]", "each post must be an object")
            media = [m for m in item.get("media") or [] if isinstance(m, dict)]
            if network is Network.FACEBOOK:
                texts = [d.get("post") for d in item.get("data") or [] if isinstance(d, dict) and "post" in d]
                text = repair(texts[0] if texts else "")
                when = epoch(item.get("timestamp"), f"[{index}].timestamp")
            else:
                text = repair(item.get("title") or (media[0].get("title") if media else "") or "")
                stamp = item.get("creation_timestamp", media[0].get("creation_timestamp") if media else None)
                when = epoch(stamp, f"[{index}].creation_timestamp")
            attached = _attachments(item)
            if not text and not attached:
                continue  # an activity line ("saved a seller", a profile update), not a post
            first = attached[0].url if attached else ""
            message = NormalisedMessage(
                network=network,
                native=NativeRef(id=f"post:{int(when.timestamp())}:{_digest(text, first)}"),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=author,
                text=text,
                created_at=when,
                attachments=attached,
                source={"transport": "archive", "format": f"{network.value}-archive", "file": name},
                raw=item,
            )
        except InvalidMessage as exc:
            yield BadRecord(where, line, exc.field, exc.problem)
            continue
        yield checked(Path(where), line, channel, message)


def _comments(
    where: str, name: str, items: list[Any], lines: list[int], network: Network, channel: ChannelKey, author: Actor
) -> Iterator[Record | BadRecord]:
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 1
        try:
            if not isinstance(item, dict):
                raise InvalidMessage(f"[{index}]", "each comment must be an object")
            owner = None
            if network is Network.FACEBOOK:
                data = [d.get("comment") for d in item.get("data") or [] if isinstance(d, dict)]
                comment = data[0] if data and isinstance(data[0], dict) else {}
                text = repair(comment.get("comment"))
                when = epoch(comment.get("timestamp", item.get("timestamp")), f"[{index}].timestamp")
            else:
                fields = item.get("string_map_data")
                if not isinstance(fields, dict):
                    raise InvalidMessage(f"[{index}].string_map_data", "is required")
                said, time, media_owner = (_field(fields, label) for label in ("Comment", "Time", "Media Owner"))
                text = repair(said.get("value"))
                owner = repair(media_owner.get("value")) or None
                stamp = time.get("timestamp", said.get("timestamp"))
                when = epoch(stamp, f"[{index}].string_map_data.Time.timestamp")
            message = NormalisedMessage(
                network=network,
                native=NativeRef(id=f"comment:{int(when.timestamp())}:{_digest(text, owner or '')}"),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=author,
                text=text,
                created_at=when,
                attachments=_attachments(item),
                source={"transport": "archive", "format": f"{network.value}-archive", "file": name},
                raw=item,
            )
        except InvalidMessage as exc:
            yield BadRecord(where, line, exc.field, exc.problem)
            continue
        yield checked(Path(where), line, channel, message)


def _thread(
    where: str, name: str, data: dict[str, Any], text: str, network: Network, channel: ChannelKey, author: Actor
) -> Iterator[Record | BadRecord]:
    me = author.display_name
    lines = item_lines(text, "messages")
    conversation = str(data.get("thread_path") or name.rsplit("/", 2)[-2])
    names = [repair(p.get("name")) for p in data.get("participants") or [] if isinstance(p, dict)]
    for index, item in enumerate(data["messages"]):
        line = lines[index] if index < len(lines) else 1
        try:
            if not isinstance(item, dict):
                raise InvalidMessage(f"messages[{index}]", "each message must be an object")
            sender = repair(item.get("sender_name"))
            if not sender:
                raise InvalidMessage(f"messages[{index}].sender_name", "is required")
            when = epoch(item.get("timestamp_ms"), f"messages[{index}].timestamp_ms", ms=True)
            body = repair(item.get("content"))
            outbound = sender == me
            attached = [
                Attachment(kind, url=m.get("uri"))
                for key, kind in MEDIA.items()
                for m in item.get(key) or []
                if isinstance(m, dict)
            ]
            share = item.get("share")
            if isinstance(share, dict) and share.get("link"):
                attached.append(Attachment("link_card", url=share.get("link")))
            message = NormalisedMessage(
                network=network,
                native=NativeRef(id=f"dm:{conversation}:{item.get('timestamp_ms')}:{_digest(sender, body)}"),
                kind=Kind.OWN if outbound else Kind.DIRECT,
                direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                author=author if outbound else _person(sender, is_self=False),
                recipients=[author if n == me else _person(n, is_self=False) for n in names if n and n != sender],
                text=body,
                created_at=when,
                visibility=Visibility.DIRECT,
                thread=ThreadRefs(conversation_id=conversation),
                attachments=attached,
                source={"transport": "archive", "format": f"{network.value}-archive", "file": name},
                raw=item,
                raw_envelope={k: v for k, v in data.items() if k != "messages"},
            )
        except InvalidMessage as exc:
            yield BadRecord(where, line, exc.field, exc.problem)
            continue
        yield checked(Path(where), line, channel, message)


def _field(fields: dict[str, Any], label: str) -> dict[str, Any]:
    value = fields.get(label)
    return value if isinstance(value, dict) else {}


def _person(name: str, *, is_self: bool) -> Actor:
    # The export names people, it gives no ids: the name is the id, scoped to archives.
    return Actor(native_id=f"name:{name}", display_name=name, id_scope="archive-name", is_self=is_self)
