"""The LinkedIn data export: the zip from Settings & Privacy > Data privacy > Get a copy of your data (or the
folder it unpacks into; big exports add the member id to some names, `Shares_17529409.csv`).

Layouts (headers are matched by name, case-insensitively, so a reordered or extra column does not matter),
as LinkedIn writes them and as public parsers of these files read them (thephm/linkedin_md `linkedin_md.py`,
the datalib LinkedIn ingester's end-to-end test, and several importers' fixtures):
- messages.csv: CONVERSATION ID, CONVERSATION TITLE, FROM, SENDER PROFILE URL, TO, RECIPIENT PROFILE URLS
  (`;`-separated), DATE (`2023-06-11 15:33:58 UTC`), SUBJECT, CONTENT, FOLDER, IS MESSAGE DRAFT.
- Shares.csv: Date (`2024-04-01 07:30:00`, UTC), ShareLink (`.../feed/update/urn%3Ali%3Ashare%3A9`),
  ShareCommentary, SharedUrl, MediaUrl, Visibility.
- Comments.csv: Date, Link (the post commented on), Message. An embedded quote is written `\\"` here (not `""`).
- Connections.csv: a `Notes:` preamble (a quoted sentence about missing e-mail addresses and a blank line), then
  First Name, Last Name, URL, Email Address, Company, Position, Connected On (`05 Mar 2024`).
- Profile.csv: First Name, Last Name, ... (the account holder).

Read: posts (Shares) and comments are the account's own, outbound; messages are inbound or outbound by their
sender's profile URL. Connections are not messages: they name and describe the people messages come from.
Not read: reactions, invitations, articles, and everything else in the export.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from goodwill.connectors.archives.common import Archive, ArchiveError
from goodwill.connectors.files.base import BadRecord, ChannelKey, Record, checked
from goodwill.domain.enums import Direction, Kind, Network, Visibility
from goodwill.domain.message import Actor, InvalidMessage, NativeRef, NormalisedMessage, ThreadRefs

csv.field_size_limit(16 * 1024 * 1024)

URN = re.compile(r"urn:li:[A-Za-z]+:[^/?#\s]+")
FILES = {
    "messages": re.compile(r"(^|/)messages(_\d+)?\.csv$", re.IGNORECASE),
    "shares": re.compile(r"(^|/)shares(_\d+)?\.csv$", re.IGNORECASE),
    "comments": re.compile(r"(^|/)comments(_\d+)?\.csv$", re.IGNORECASE),
    "connections": re.compile(r"(^|/)connections(_\d+)?\.csv$", re.IGNORECASE),
    "profile": re.compile(r"(^|/)profile(_\d+)?\.csv$", re.IGNORECASE),
}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d %b %Y")


@dataclass(slots=True)
class Rows:
    name: str
    where: str
    rows: list[tuple[int, dict[str, str]]]  # (line the row starts on, columns by upper-cased header)


def parse_time(value: str | None, field: str) -> datetime:
    """The export's times are UTC, written `2023-06-11 15:33:58 UTC` (messages) or without the zone."""
    text = (value or "").strip()
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidMessage(field, f"{text[:40]!r} is not a date like 2024-03-05 14:22:11 UTC") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def profile_key(url: str | None) -> str:
    """A profile URL as a stable id: `https://www.linkedin.com/in/Ines-Carvalho/?trk=x` -> `.../in/ines-carvalho`."""
    text = unquote((url or "").strip()).split("?", 1)[0].rstrip("/")
    text = re.sub(r"^https?://([a-z]{2,3}\.)?linkedin\.com", "https://www.linkedin.com", text, flags=re.IGNORECASE)
    return text.lower() if "/in/" in text.lower() else text


def urn_of(link: str | None) -> str | None:
    found = URN.search(unquote(link or ""))
    return found.group(0) if found else None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def _table(archive: Archive, name: str, *, required: tuple[str, ...], backslash: bool = False) -> Rows:
    """The rows of one CSV, after any preamble: the header is the first line holding every `required` column."""
    where = archive.where(name)
    text = archive.text(name)
    lines = io.StringIO(text).readlines()
    start = None
    for number, line in enumerate(lines[:50]):
        try:
            header_cells = {c.strip().upper() for c in next(csv.reader([line]), [])}
        except csv.Error:
            continue  # not a header line
        if all(column in header_cells for column in required):
            start = number
            break
    if start is None:
        wanted = ", ".join(required)
        raise ArchiveError(where, f"no header line with {wanted}: is this LinkedIn's {Path(name).name}?")
    options: dict[str, Any] = {"escapechar": "\\", "doublequote": True} if backslash else {}
    reader = csv.reader(io.StringIO("".join(lines[start:])), strict=True, **options)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [h.strip().upper() for h in next(reader)]
        first = start + 2
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > len(header):
                    raise ArchiveError(where, f"{len(cells)} cells under {len(header)} headers", line=first)
                rows.append((first, dict(zip(header, cells, strict=False))))
            first = start + reader.line_num + 1
    except csv.Error as exc:
        raise ArchiveError(where, f"not readable CSV ({exc})", line=start + reader.line_num) from None
    return Rows(name, where, rows)


def open_archive(path: Path) -> Archive:
    """The archive, or an ArchiveError for a zip that `zipfile` cannot open (Archive lets NotImplementedError out
    for an unknown zip version, e.g. a damaged header)."""
    try:
        return Archive(path)
    except (NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise ArchiveError(str(path), f"not a readable zip archive ({exc})") from None


def read_linkedin_export(path: Path) -> Iterator[Record | BadRecord]:
    try:
        archive = open_archive(path)
        found = {kind: archive.matching(pattern.search) for kind, pattern in FILES.items()}
        if not (found["messages"] or found["shares"] or found["comments"]):
            raise ArchiveError(str(path), "no messages.csv, Shares.csv or Comments.csv: is this the LinkedIn export?")
        tables = {
            "messages": [_table(archive, n, required=("CONVERSATION ID", "FROM", "DATE")) for n in found["messages"]],
            "shares": [_table(archive, n, required=("DATE", "SHARELINK")) for n in found["shares"]],
            "comments": [
                _table(archive, n, required=("DATE", "LINK", "MESSAGE"), backslash=True) for n in found["comments"]
            ],
            "connections": [
                _table(archive, n, required=("FIRST NAME", "LAST NAME", "URL")) for n in found["connections"]
            ],
            "profile": [_table(archive, n, required=("FIRST NAME", "LAST NAME")) for n in found["profile"]],
        }
    except ArchiveError as exc:
        yield exc.bad()
        return
    people = _connections(tables["connections"])
    me, my_name = _self(tables["messages"], tables["profile"])
    channel = ChannelKey(Network.LINKEDIN, me or "linkedin-export", me.rsplit("/", 1)[-1] if me else "linkedin")
    author = Actor(native_id=channel.account_id, handle=channel.handle, display_name=my_name, is_self=True)
    for table in tables["shares"]:
        yield from _shares(table, channel, author)
    for table in tables["comments"]:
        yield from _comments(table, channel, author)
    for table in tables["messages"]:
        yield from _messages(table, channel, me, people)


def _connections(tables: list[Rows]) -> dict[str, dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for table in tables:
        for _, row in table.rows:
            key = profile_key(row.get("URL"))
            if key:
                name = " ".join(p for p in (row.get("FIRST NAME", "").strip(), row.get("LAST NAME", "").strip()) if p)
                people[key] = {"name": name or None, "raw": row}
    return people


def _self(messages: list[Rows], profile: list[Rows]) -> tuple[str | None, str | None]:
    """The account holder: the profile URL on every conversation (a name from Profile.csv breaks a tie)."""
    name = None
    for table in profile:
        for _, row in table.rows[:1]:
            name = " ".join(p for p in (row.get("FIRST NAME", "").strip(), row.get("LAST NAME", "").strip()) if p)
    members: dict[str, set[str]] = {}
    names: dict[str, str] = {}
    for table in messages:
        for _, row in table.rows:
            conversation = row.get("CONVERSATION ID", "")
            sender = profile_key(row.get("SENDER PROFILE URL"))
            if sender:
                names.setdefault(sender, row.get("FROM", "").strip())
            urls = [sender] + [profile_key(u) for u in (row.get("RECIPIENT PROFILE URLS") or "").split(";")]
            members.setdefault(conversation, set()).update(u for u in urls if u)
    if not members:
        return None, name or None
    common: set[str] = set.intersection(*members.values())
    if len(common) > 1 and name:
        common = {u for u in common if names.get(u) == name} or common
    if len(common) == 1:
        me = common.pop()
        return me, name or names.get(me) or None
    return None, name or None


def _shares(table: Rows, channel: ChannelKey, author: Actor) -> Iterator[Record | BadRecord]:
    for line, row in table.rows:
        try:
            urn = urn_of(row.get("SHARELINK"))
            if not urn:
                raise InvalidMessage("ShareLink", "must be a post link holding its urn:li:... id")
            shared = (row.get("SHAREDURL") or "").strip()
            message = NormalisedMessage(
                network=Network.LINKEDIN,
                native=NativeRef(id=urn, uri=(row.get("SHARELINK") or "").strip()),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=author,
                text=row.get("SHARECOMMENTARY", ""),
                created_at=parse_time(row.get("DATE"), "Date"),
                visibility=Visibility.FOLLOWERS if row.get("VISIBILITY") == "CONNECTIONS_ONLY" else Visibility.PUBLIC,
                source={"transport": "archive", "format": "linkedin-export", "file": table.name},
                raw={**row, **({"shared_url": shared} if shared else {})},
            )
        except InvalidMessage as exc:
            yield BadRecord(table.where, line, exc.field, exc.problem)
            continue
        yield checked(Path(table.where), line, channel, message)


def _comments(table: Rows, channel: ChannelKey, author: Actor) -> Iterator[Record | BadRecord]:
    for line, row in table.rows:
        try:
            post = urn_of(row.get("LINK"))
            if not post:
                raise InvalidMessage("Link", "must be the link of the post commented on (urn:li:...)")
            when = parse_time(row.get("DATE"), "Date")
            text = row.get("MESSAGE", "")
            # The export gives a comment no id of its own: the post, the time and the text name it.
            message = NormalisedMessage(
                network=Network.LINKEDIN,
                native=NativeRef(id=f"comment:{post}:{_digest(when.isoformat(), text)}"),
                kind=Kind.OWN,
                direction=Direction.OUTBOUND,
                author=author,
                text=text,
                created_at=when,
                thread=ThreadRefs(root=NativeRef(post), parent=NativeRef(post), depth_limit=2),
                source={"transport": "archive", "format": "linkedin-export", "file": table.name},
                raw=row,
            )
        except InvalidMessage as exc:
            yield BadRecord(table.where, line, exc.field, exc.problem)
            continue
        yield checked(Path(table.where), line, channel, message)


def _messages(
    table: Rows, channel: ChannelKey, me: str | None, people: dict[str, dict[str, Any]]
) -> Iterator[Record | BadRecord]:
    for line, row in table.rows:
        if (row.get("IS MESSAGE DRAFT") or "").strip().lower() == "yes":
            continue
        try:
            conversation = (row.get("CONVERSATION ID") or "").strip()
            if not conversation:
                raise InvalidMessage("CONVERSATION ID", "is required")
            sender = profile_key(row.get("SENDER PROFILE URL"))
            sender_name = (row.get("FROM") or "").strip()
            if not sender and not sender_name:
                raise InvalidMessage("SENDER PROFILE URL", "a sender (FROM or SENDER PROFILE URL) is required")
            when = parse_time(row.get("DATE"), "DATE")
            text = row.get("CONTENT", "")
            outbound = bool(me) and sender == me
            recipients = [profile_key(u) for u in (row.get("RECIPIENT PROFILE URLS") or "").split(";")]
            message = NormalisedMessage(
                network=Network.LINKEDIN,
                native=NativeRef(id=f"message:{conversation}:{_digest(when.isoformat(), sender, text)}"),
                kind=Kind.OWN if outbound else Kind.DIRECT,
                direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                author=_person(sender, sender_name, people, is_self=outbound),
                recipients=[_person(u, None, people, is_self=u == me) for u in recipients if u],
                text=text,
                created_at=when,
                visibility=Visibility.DIRECT,
                thread=ThreadRefs(conversation_id=conversation),
                source={"transport": "archive", "format": "linkedin-export", "file": table.name},
                raw=row,
            )
        except InvalidMessage as exc:
            yield BadRecord(table.where, line, exc.field, exc.problem)
            continue
        yield checked(Path(table.where), line, channel, message)


def _person(url: str, name: str | None, people: dict[str, dict[str, Any]], *, is_self: bool) -> Actor:
    known = people.get(url) or {}
    return Actor(
        native_id=url or f"name:{name}",
        handle=url.rsplit("/", 1)[-1] if "/in/" in url else None,
        display_name=name or known.get("name"),
        profile_url=url or None,
        id_scope="" if url else "linkedin-export-name",
        is_self=is_self,
        raw=known.get("raw"),
    )


def read_connections(path: Path) -> list[tuple[str, int, dict[str, str]]]:
    """Every row of Connections.csv in a LinkedIn export (zip or folder): (file, line, columns by upper-cased
    header). Raises ArchiveError naming the file and line for an export without it or a broken one."""
    archive = open_archive(path)
    names = archive.matching(FILES["connections"].search)
    if not names:
        raise ArchiveError(str(path), "no Connections.csv: is this the LinkedIn data export?")
    out: list[tuple[str, int, dict[str, str]]] = []
    for name in names:
        table = _table(archive, name, required=("FIRST NAME", "LAST NAME", "URL"))
        out.extend((table.where, line, row) for line, row in table.rows)
    return out
