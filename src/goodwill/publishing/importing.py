"""Bulk import of planned posts from CSV (a month of posts at once), all or nothing.

Columns (a header row is required; names are case-insensitive):
- `text` (required): the post;
- `channels` (required): channel ids, handles or networks, separated by `;`, `|` or spaces;
- `when`: "2026-03-02 09:30" in the workspace's time zone, or an ISO time with an offset; or `date` and
  `time` apart; empty: the channel's next free queue slot;
- `link`, `image`: optional, several separated by spaces;
- `text_<network|handle|id>`: a variant for that channel (e.g. `text_bluesky`).
Every row is checked (channels, times, lengths) before anything is written, and the whole file is written
in the caller's transaction, so a bad row, or a post that would tip a feed over the promotional share,
writes nothing and is named by its line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from goodwill.actions.audit import Acting
from goodwill.store.tables import Channel, Post, Workspace

SPLIT = re.compile(r"[;|\s,]+")
MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class PlannedRow:
    line: int
    channels: tuple[Channel, ...]
    text: str
    variants: dict[str, str]
    links: tuple[str, ...]
    media: tuple[str, ...]
    when: datetime | None


class CsvRowError(ValueError):
    """A row of the CSV file is wrong: the message names its line."""


def read_rows(session: Session, workspace: Workspace, data: str, *, now: datetime) -> list[PlannedRow]:
    """Parse and check every row (no writes)."""
    from goodwill.actions.posts import access_channel_by_ref
    from goodwill.publishing.schedule import parse_when

    reader = csv.DictReader(io.StringIO(data))
    if reader.fieldnames is None:
        raise CsvRowError("the file is empty: it needs a header row with at least text and channels")
    fields = {name.strip().lower() for name in reader.fieldnames if name}
    missing = {"text", "channels"} - fields
    if missing:
        raise CsvRowError(f"the header has no {', '.join(sorted(missing))} column")
    rows = []
    for index, raw in enumerate(reader):
        line = index + 2  # the header is line 1
        if index >= MAX_ROWS:
            raise CsvRowError(f"line {line}: at most {MAX_ROWS} posts a file")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str | None)}
        try:
            refs = [r for r in SPLIT.split(row.get("channels", "")) if r]
            if not refs:
                raise ValueError("no channel")
            channels = tuple(access_channel_by_ref(session, workspace, r) for r in refs)
            when_text = row.get("when") or " ".join(p for p in (row.get("date"), row.get("time")) if p)
            when = parse_when(when_text, workspace, now=now) if when_text else None
            variants = {k.removeprefix("text_"): v for k, v in row.items() if k.startswith("text_") and v}
        except (ValueError, LookupError) as exc:
            raise CsvRowError(f"line {line}: {str(exc).strip(chr(39))}") from exc
        rows.append(
            PlannedRow(
                line=line,
                channels=channels,
                text=row.get("text", ""),
                variants=variants,
                links=tuple(row.get("link", "").split()),
                media=tuple(row.get("image", "").split()),
                when=when,
            )
        )
    return rows


def import_posts(
    session: Session,
    workspace: Workspace,
    data: str,
    *,
    acting: Acting,
    now: datetime,
    schedule: bool = True,
    anyway: bool = False,
) -> list[Post]:
    """Create (and, unless `schedule` is False, schedule) every post in the CSV text, in the caller's
    transaction: an error on any line raises CsvRowError naming it, and the caller's rollback writes nothing."""
    from goodwill.actions.posts import do_create_post, do_schedule_post

    created: list[Post] = []
    for row in read_rows(session, workspace, data, now=now):
        try:
            posts = do_create_post(
                session,
                workspace,
                channels=row.channels,
                text=row.text,
                variants=row.variants,
                links=row.links,
                media=row.media,
                acting=acting,
                now=now,
            )
            if schedule:
                for post in posts:
                    do_schedule_post(session, workspace, post, at=row.when, acting=acting, anyway=anyway, now=now)
        except (ValueError, LookupError) as exc:
            raise CsvRowError(f"line {row.line}: {exc}") from exc
        created.extend(posts)
    return created


def summary(posts: list[Post]) -> dict[str, Any]:
    by_status: dict[str, int] = {}
    for post in posts:
        by_status[post.status] = by_status.get(post.status, 0) + 1
    return {"posts": len(posts), "by_status": by_status}
