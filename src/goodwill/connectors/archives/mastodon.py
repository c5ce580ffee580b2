"""The Mastodon archive: the zip from Preferences > Import and export > Request your archive, or its
outbox.json alone. outbox.json is an ActivityPub OrderedCollection of the account's own activities: `Create`
activities carry a `Note` (the status, HTML content), `Announce` activities are boosts (skipped). actor.json,
in the same zip, names the account. Visibility comes from the addressing: Public in `to` is public, in `cc`
unlisted, the followers collection is followers-only, anything else is a direct message.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from goodwill.connectors.archives.common import Archive, ArchiveError, marker_lines
from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time
from goodwill.connectors.mastodon.html import html_to_text
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _json(archive: Archive, name: str) -> tuple[Any, str]:
    text = archive.text(name)
    try:
        return orjson.loads(text), text
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(archive.where(name), f"not valid JSON ({exc})") from None


def visibility(note: dict[str, Any], actor: str) -> Visibility:
    to, cc = note.get("to") or [], note.get("cc") or []
    if PUBLIC in to:
        return Visibility.PUBLIC
    if PUBLIC in cc:
        return Visibility.UNLISTED
    if f"{actor}/followers" in to:
        return Visibility.FOLLOWERS
    return Visibility.DIRECT


def read_mastodon_archive(path: Path) -> Iterator[Record | BadRecord]:
    try:
        if path.suffix == ".json":
            archive = Archive(path.parent)
            outbox_name = path.name
        else:
            archive = Archive(path)
            outbox_name = archive.find("outbox.json") or ""
            if not outbox_name:
                raise ArchiveError(str(path), "no outbox.json: is this the Mastodon archive?")
        outbox, text = _json(archive, outbox_name)
        where = archive.where(outbox_name)
        if not isinstance(outbox, dict) or not isinstance(outbox.get("orderedItems"), list):
            raise ArchiveError(where, "expected an OrderedCollection with orderedItems", field="orderedItems")
        actor_name = archive.find("actor.json")
        actor_doc = _json(archive, actor_name)[0] if actor_name else {}
        yield from _items(outbox["orderedItems"], text, where, outbox_name, actor_doc)
    except ArchiveError as exc:
        yield exc.bad()


def _items(items: list[Any], text: str, where: str, name: str, actor_doc: Any) -> Iterator[Record | BadRecord]:
    lines = marker_lines(text, '"type": "Create"') or marker_lines(text, '"type":"Create"')
    creates = 0
    for index, activity in enumerate(items):
        if not isinstance(activity, dict) or activity.get("type") != "Create":
            continue
        line = lines[creates] if creates < len(lines) else 1
        creates += 1
        try:
            note = activity.get("object")
            if not isinstance(note, dict):
                raise InvalidMessage(f"orderedItems[{index}].object", "a Create must carry its Note")
            actor = str(note.get("attributedTo") or activity.get("actor") or "")
            if not actor:
                raise InvalidMessage(f"orderedItems[{index}].actor", "is required")
            host = urlsplit(actor).netloc
            username = (actor_doc.get("preferredUsername") if isinstance(actor_doc, dict) else None) or (
                actor.rstrip("/").rsplit("/", 1)[-1]
            )
            channel = ChannelKey(Network.MASTODON, actor, f"{username}@{host}")
            mentions = [
                {"url": t.get("href"), "acct": str(t.get("name", "")).lstrip("@"), "id": t.get("href")}
                for t in note.get("tag") or []
                if isinstance(t, dict) and t.get("type") == "Mention"
            ]
            html = str(note.get("content") or "")
            plain, entities = html_to_text(html, mentions)
            seen = visibility(note, actor)
            conversation = note.get("conversation")
            parent = note.get("inReplyTo")
            message = NormalisedMessage(
                network=Network.MASTODON,
                native=NativeRef(id=str(note.get("id") or ""), uri=note.get("url")),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=Actor(native_id=actor, handle=channel.handle, id_scope="activitypub", is_self=True),
                text=plain,
                text_raw=html,
                text_format="html",
                created_at=parse_time(
                    note.get("published") or activity.get("published"), f"orderedItems[{index}].object.published"
                ),
                visibility=seen,
                thread=ThreadRefs(
                    parent=NativeRef(str(parent)) if parent else None,
                    conversation_id=str(conversation or note.get("id")) if seen is Visibility.DIRECT else None,
                ),
                content_warning=note.get("summary") or None,
                sensitive=bool(note.get("sensitive")),
                entities=entities,
                source={"transport": "archive", "format": "mastodon-archive", "file": name},
                raw=note,
                raw_envelope={k: v for k, v in activity.items() if k != "object"},
            )
        except InvalidMessage as exc:
            yield BadRecord(where, line, exc.field, exc.problem)
            continue
        yield checked(Path(where), line, channel, message)
