"""The "Customer Support on Twitter" CSV (Kaggle, thoughtvector): brand and customer tweets with reply links.

Columns: [unnamed index,] tweet_id, author_id, inbound, created_at, text, response_tweet_id,
in_response_to_tweet_id (float-formatted, e.g. `3.0`). Brands are the authors of outbound tweets; a
customer tweet belongs to the channel of the brand in its reply tree, else the brand it @-mentions first.
Customer ids are the dataset's pseudonyms, kept in their own identity scope ("twcs").

The published file has rows whose text holds a bare carriage return outside quotes; they are read as the
single row they are, and the carriage return is kept in the text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked, parse_time
from goodwill.domain.enums import Direction, Kind, Network
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id")
_CR = "\uffff"  # a Unicode noncharacter: never in real text, stands in for a bare \r while parsing
_MENTION = re.compile(r"@(\w{1,15})")


def _tweet_id(value: str, field: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value.endswith(".0"):
        value = value[:-2]
    if not value.isdigit():
        raise InvalidMessage(field, f"{value!r} is not a tweet id")
    return value


def read_twcs(path: Path) -> Iterator[Record | BadRecord]:
    try:
        data = path.read_bytes().decode("utf-8")  # not read_text: it would turn a bare \r into a new line
    except UnicodeDecodeError as exc:
        yield BadRecord(path, 1, None, f"not UTF-8 text ({exc})")
        return
    reader = csv.reader(io.StringIO(re.sub(r"\r(?!\n)", _CR, data), newline=""))
    header = next(reader, None)
    if header is None or not set(COLUMNS) <= set(header):
        missing = sorted(set(COLUMNS) - set(header or []))
        yield BadRecord(path, 1, missing[0] if missing else None, f"not a TWCS file: missing {missing}")
        return
    at = {name: header.index(name) for name in COLUMNS}
    rows: list[tuple[int, list[str]]] = []
    line_no = reader.line_num + 1
    for row in reader:
        rows.append((line_no, [cell.replace(_CR, "\r") for cell in row]))
        line_no = reader.line_num + 1

    # First pass: the brands, and each tweet's parent, to find the brand of every reply tree.
    parent_of: dict[str, str] = {}
    author_of: dict[str, str] = {}
    brands: set[str] = set()
    for _line, row in rows:
        if len(row) != len(header):
            continue
        tweet_id, parent = row[at["tweet_id"]].strip(), row[at["in_response_to_tweet_id"]].strip()
        author_of[tweet_id] = row[at["author_id"]]
        if parent:
            parent_of[tweet_id] = parent.removesuffix(".0")
        if row[at["inbound"]] == "False":
            brands.add(row[at["author_id"]])
    children: dict[str, list[str]] = {}
    for child, parent in parent_of.items():
        children.setdefault(parent, []).append(child)

    def brand_of(tweet_id: str, text: str) -> str | None:
        seen, todo = set(), [tweet_id]
        while todo:  # walk the whole reply tree, both directions, for a brand's tweet
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if author_of.get(current) in brands:
                return author_of[current]
            todo.extend(children.get(current, ()))
            if current in parent_of:
                todo.append(parent_of[current])
        mentioned = _MENTION.findall(text)
        return next((m for m in mentioned if m in brands), mentioned[0] if mentioned else None)

    for line, row in rows:
        if len(row) != len(header):
            yield BadRecord(path, line, None, f"expected {len(header)} columns, found {len(row)}")
            continue
        try:
            yield _record(path, line, row, at, brand_of)
        except InvalidMessage as exc:
            yield BadRecord(path, line, exc.field, exc.problem)


def _record(path: Path, line: int, row: list[str], at: dict[str, int], brand_of: object) -> Record | BadRecord:
    tweet_id = _tweet_id(row[at["tweet_id"]], "tweet_id")
    if tweet_id is None:
        raise InvalidMessage("tweet_id", "is required")
    inbound = row[at["inbound"]]
    if inbound not in ("True", "False"):
        raise InvalidMessage("inbound", f"{inbound!r} is not True or False")
    author = row[at["author_id"]].strip()
    if not author:
        raise InvalidMessage("author_id", "is required")
    text = row[at["text"]]
    parent = _tweet_id(row[at["in_response_to_tweet_id"]], "in_response_to_tweet_id")
    direction = Direction.INBOUND if inbound == "True" else Direction.OUTBOUND
    brand = author if direction is Direction.OUTBOUND else brand_of(tweet_id, text)  # type: ignore[operator]
    if not brand:
        raise InvalidMessage("text", "no brand found: the tweet is in no brand's thread and mentions no one")
    message = NormalisedMessage(
        network=Network.X,
        native=NativeRef(id=tweet_id),
        kind=Kind.OWN if direction is Direction.OUTBOUND else Kind.REPLY if parent else Kind.MENTION,
        direction=direction,
        author=Actor(  # brands are known by screen name: lower-cased, as X names are case-insensitive
            native_id=author.lower() if direction is Direction.OUTBOUND else author,
            handle=author,
            id_scope="" if direction is Direction.OUTBOUND else "twcs",
            is_self=direction is Direction.OUTBOUND,
        ),
        text=text,
        created_at=parse_time(row[at["created_at"]], "created_at"),
        thread=ThreadRefs(parent=NativeRef(parent) if parent else None),
        source={"transport": "file", "format": "twcs"},
        raw={name: row[index] for name, index in at.items()},
    )
    return checked(path, line, ChannelKey(Network.X, brand.lower(), brand), message)
