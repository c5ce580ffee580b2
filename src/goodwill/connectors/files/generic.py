"""goodwill's own plain-file formats, JSON Lines and CSV, with one set of fields (docs/data-formats.md).

Required: network, channel, id, direction (in|out), author_id, created_at (with a zone), text.
Optional: kind, root_id, parent_id, dm_conversation_id, author_handle, author_name, author_followers,
language, url. A JSONL line may also carry `raw` (the platform object, kept untouched).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson

from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

REQUIRED = ("network", "channel", "id", "direction", "author_id", "created_at", "text")
FIELDS = (
    *REQUIRED,
    "kind",
    "root_id",
    "parent_id",
    "dm_conversation_id",
    "author_handle",
    "author_name",
    "author_followers",
    "language",
    "url",
)


def _text(fields: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            raise InvalidMessage(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidMessage(name, f"must be a string, not {type(value).__name__}")
    return str(value)


def _enum(enum: type[Any], fields: Mapping[str, Any], name: str) -> Any:
    value = _text(fields, name, required=True)
    try:
        return enum(str(value).lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidMessage(name, f"{value!r} is not one of: {allowed}") from None


def message_from_fields(fields: Mapping[str, Any], raw: dict[str, Any]) -> tuple[ChannelKey, NormalisedMessage]:
    network = _enum(Network, fields, "network")
    channel = _text(fields, "channel", required=True) or ""
    direction = _enum(Direction, fields, "direction")
    native_id = _text(fields, "id", required=True) or ""
    text = fields.get("text")
    if not isinstance(text, str):
        raise InvalidMessage("text", "is required (a string, may be empty)")
    followers = fields.get("author_followers")
    if followers in (None, ""):
        followers = None
    else:
        try:
            followers = int(followers)
            if followers < 0:
                raise ValueError
        except (TypeError, ValueError):
            raise InvalidMessage("author_followers", f"{followers!r} is not a whole number >= 0") from None
    dm = _text(fields, "dm_conversation_id")
    parent = _text(fields, "parent_id")
    root = _text(fields, "root_id")
    if fields.get("kind") not in (None, ""):
        kind = _enum(Kind, fields, "kind")
    else:
        kind = (
            Kind.OWN
            if direction is Direction.OUTBOUND
            else Kind.DIRECT
            if dm
            else Kind.REPLY
            if parent
            else Kind.MENTION
        )
    if kind is Kind.DIRECT and not dm:
        raise InvalidMessage("dm_conversation_id", "a direct message needs its private conversation id")
    author_id = _text(fields, "author_id", required=True) or ""
    message = NormalisedMessage(
        network=network,
        native=NativeRef(id=native_id, uri=_text(fields, "url")),
        kind=kind,
        direction=direction,
        author=Actor(
            native_id=author_id,
            handle=_text(fields, "author_handle"),
            display_name=_text(fields, "author_name"),
            followers=followers,
            is_self=direction is Direction.OUTBOUND,
        ),
        text=text,
        created_at=parse_time(fields.get("created_at"), "created_at"),
        visibility=Visibility.DIRECT if dm else Visibility.PUBLIC,
        thread=ThreadRefs(
            root=NativeRef(root) if root else None,
            parent=NativeRef(parent) if parent else None,
            conversation_id=dm,
        ),
        language=_text(fields, "language"),
        source={"transport": "file"},
        raw=raw,
    )
    return ChannelKey(network, channel, channel), message


def read_jsonl(path: Path) -> Iterator[Record | BadRecord]:
    with path.open("rb") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                fields = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield BadRecord(path, line_no, None, f"not valid JSON ({exc})")
                continue
            if not isinstance(fields, dict):
                yield BadRecord(path, line_no, None, "each line must be a JSON object")
                continue
            given = fields.get("raw")
            raw: dict[str, Any] = given if isinstance(given, dict) else fields
            try:
                channel, message = message_from_fields(fields, raw)
            except InvalidMessage as exc:
                yield BadRecord(path, line_no, exc.field, exc.problem)
                continue
            yield checked(path, line_no, channel, message)


def read_csv(path: Path) -> Iterator[Record | BadRecord]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, strict=True)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            yield BadRecord(path, 1, None, f"unreadable CSV header ({exc})")
            return
        missing = [name for name in REQUIRED if name not in header]
        if missing:
            yield BadRecord(path, 1, missing[0], f"the header lacks required columns: {', '.join(missing)}")
            return
        line_no = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield BadRecord(path, line_no, None, f"unreadable CSV ({exc})")
                return
            if None in row or any(value is None for value in row.values()):
                yield BadRecord(path, line_no, None, f"expected {len(reader.fieldnames or [])} columns")
            else:
                try:
                    channel, message = message_from_fields(row, dict(row))
                except InvalidMessage as exc:
                    yield BadRecord(path, line_no, exc.field, exc.problem)
                else:
                    yield checked(path, line_no, channel, message)
            line_no = reader.line_num + 1
