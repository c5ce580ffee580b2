"""What every file importer shares: records with their line numbers, refusal with file/line/field named."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

from goodwill.domain.enums import Network
from goodwill.domain.message import InvalidMessage, NormalisedMessage

MAX_CHANNEL = 200  # a Channel's account id and handle (store/tables.py)


class BadRecord(ValueError):
    """One record of an import file that cannot be taken; says where and why."""

    def __init__(self, path: Path | str, line: int, field: str | None, problem: str) -> None:
        where = f"{path}, line {line}" + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "line": self.line, "field": self.field, "problem": self.problem}


@dataclass(frozen=True, slots=True)
class ChannelKey:
    """Our account on a network, as a file names it."""

    network: Network
    account_id: str
    handle: str


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    channel: ChannelKey
    message: NormalisedMessage


class Reader(Protocol):
    """Yields a Record, or a BadRecord for a record that cannot be read; never raises for bad data."""

    def __call__(self, path: Path) -> Iterator[Record | BadRecord]: ...


def checked(path: Path, line: int, channel: ChannelKey, message: NormalisedMessage) -> Record | BadRecord:
    """The record, or the model's contract violation turned into a BadRecord at `line`."""
    try:
        message.validate()
    except InvalidMessage as exc:
        return BadRecord(path, line, exc.field, exc.problem)
    if len(channel.account_id) > MAX_CHANNEL or len(channel.handle) > MAX_CHANNEL:
        return BadRecord(path, line, "channel", f"must be at most {MAX_CHANNEL} characters")
    return Record(line, channel, message)


def parse_time(value: object, field: str) -> datetime:
    """ISO 8601 with a zone (`Z` or an offset), or the RFC 2822 style X archives use; naive times refused."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidMessage(field, "a timestamp is required, e.g. 2026-01-31T09:00:00+00:00")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):  # a huge day or second overflows
            raise InvalidMessage(field, f"{text[:40]!r} is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise InvalidMessage(field, f"{text[:40]!r} has no time zone: add Z or an offset like +02:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable instant
        raise InvalidMessage(field, f"{text[:40]!r} is out of range") from None


def snowflake_time(tweet_id: str) -> datetime:
    """The creation time encoded in an X id (ids after November 2010); InvalidMessage for an id that is
    not one (not ASCII digits, or a time out of range)."""
    if not (tweet_id.isascii() and tweet_id.isdigit()):
        raise InvalidMessage("tweet_ID", f"{tweet_id[:40]!r} is not a tweet id")
    try:
        return datetime.fromtimestamp(((int(tweet_id) >> 22) + 1288834974657) / 1000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        raise InvalidMessage("tweet_ID", f"{tweet_id[:40]!r} is not a tweet id (its time is out of range)") from None
