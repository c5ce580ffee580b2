"""What an audit looks at: one workspace, optionally one channel, over a half-open period [since, until).

Also the few expressions that differ between SQLite and PostgreSQL (epoch seconds, the UTC hour of a
timestamp), so every figure is computed by the same SQL on both databases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.expression import cast

from goodwill.actions.workspaces import NotFound, access_workspace
from goodwill.publishing.mix import is_engagement_message
from goodwill.store.tables import Channel, Message, Workspace

DURATION = re.compile(r"^\s*(\d+)\s*([hdwmy])\s*$")
UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}
MOST = 0.5  # a period longer than this share of the time since the channels' first reply is "most of it"


@dataclass(frozen=True, slots=True)
class Scope:
    workspace: Workspace
    channels: tuple[Channel, ...]  # the channels audited (all of the workspace's unless one was picked)
    since: datetime
    until: datetime
    dialect: str
    replies_from: datetime | None = None  # the channels' first reply (None: none): where their history starts

    @property
    def channel_ids(self) -> list[int]:
        return [c.id for c in self.channels]

    @property
    def most_of_history(self) -> bool:
        """Whether the period covers most of the channels' history (by time, from their first reply): then
        reading the period's replies means reading most of them, which one pass over the message table does
        faster than the index of replies by time (ix_message_reply_time) with a look-up per row
        (`within_rows`)."""
        if self.replies_from is None:
            return False
        return (self.until - self.since) >= MOST * (self.until - min(self.replies_from, self.since))

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds() / 86400, 1 / 24)

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        length = self.until - self.since
        return Scope(self.workspace, self.channels, self.since - length, self.since, self.dialect, self.replies_from)

    def within(self, column: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = and_(column >= self.since, column < self.until)
        return condition

    def within_rows(self, column: Any) -> ColumnElement[bool]:
        """`within` for a query that reads more of each row than an index holds (`for_rows`)."""
        return self.within(self.for_rows(column))

    def for_rows(self, column: Any) -> Any:
        """A column (the time, the channel) to test in a query that reads more of each row than an index
        holds: when the period is most of the history, `unindexed`, so SQLite reads the table in one pass
        instead of an index followed by a look-up per row (the channels' index, ix_message_parent, holds every
        message of theirs). SQLite keeps no statistics of how many rows a range of times holds; PostgreSQL
        does, and chooses by them."""
        return self.unindexed(column) if self.most_of_history else column

    def unindexed(self, column: Any) -> Any:
        """On SQLite, `+column`: the same value, which SQLite never answers from an index (its documented way
        to steer the choice of index); elsewhere the column itself."""
        if self.dialect != "sqlite":
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    def epoch(self, column: Any) -> ColumnElement[float]:
        """Seconds since 1970 as a float, on either database (stored timestamps are UTC)."""
        if self.dialect == "sqlite":
            # whole milliseconds (SQLite's own precision) over 1000: the same doubles as
            # round((julianday - 2440587.5) * 86400.0, 3), whose round() to 3 digits formats and parses text
            return cast(func.round((func.julianday(column) - 2440587.5) * 86400000.0) / 1000.0, Float)
        return cast(func.extract("epoch", column), Float)

    def hour_bucket(self, column: Any) -> ColumnElement[str]:
        """'YYYY-MM-DD HH' of the UTC hour a timestamp falls in."""
        if self.dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): cheaper than strftime
            return func.substr(column, 1, 13)
        return func.to_char(func.timezone("UTC", column), literal_column("'YYYY-MM-DD HH24'"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace.slug,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "days": round(self.days, 2),
            "channels": [c.id for c in self.channels],
            "timezone": self.workspace.timezone,
        }


def parse_moment(text: str, *, now: datetime) -> datetime:
    """ "90d", "12w", "6m", "1y", "36h" before `now`, or an ISO date / date-time (UTC unless it says)."""
    match = DURATION.match(text.lower())
    if match:
        return now - timedelta(days=int(match.group(1)) * UNIT_DAYS[match.group(2)])
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r}: give a length such as 90d, 12w, 6m, or a date such as 2026-01-31") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def latest_message(session: Session, workspace: Workspace) -> datetime | None:
    found: datetime | None = session.scalar(
        select(func.max(Message.created_at)).where(Message.workspace_id == workspace.id)
    )
    return found


def first_reply(session: Session, channel_ids: list[int]) -> datetime | None:
    """When the brand first replied on the channels: the first entry of the index of replies by time
    (ix_message_reply_time) that is theirs."""
    if not channel_ids:
        return None
    found: datetime | None = session.scalar(
        select(Message.created_at)
        .where(Message.channel_id.in_(channel_ids), is_engagement_message())
        .order_by(Message.created_at)
        .limit(1)
    )
    return found


def resolve_scope(
    session: Session,
    *,
    workspace: str,
    since: str | datetime | None = "90d",
    until: str | datetime | None = None,
    channel: str | None = None,
) -> Scope:
    """The scope of an audit. The period ends at `until`, by default just after the workspace's newest
    message (so an imported archive is audited over its own last days), else now."""
    ws = access_workspace(session, workspace)
    newest = latest_message(session, ws)
    end_default = newest + timedelta(seconds=1) if newest else datetime.now(UTC)
    end = parse_moment(until, now=end_default) if isinstance(until, str) else (until or end_default)
    if since is None or (isinstance(since, str) and since.strip().lower() == "all"):
        first = session.scalar(select(func.min(Message.created_at)).where(Message.workspace_id == ws.id))
        start = first or end - timedelta(days=90)
    else:
        start = parse_moment(since, now=end) if isinstance(since, str) else since
    if start >= end:
        raise ValueError(f"the period starts ({start:%Y-%m-%d %H:%M}) after it ends ({end:%Y-%m-%d %H:%M})")
    query = select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.id)
    if channel is not None:
        wanted = channel.strip().lstrip("@").lower()
        conditions = [func.lower(Channel.handle) == wanted, Channel.network == wanted, Channel.account_id == channel]
        if wanted.isdigit():
            conditions.append(Channel.id == int(wanted))
        query = query.where(or_(*conditions))
    channels = tuple(session.scalars(query))
    if channel is not None and not channels:
        raise NotFound(f"no channel {channel!r} in workspace {ws.slug!r}: give its id, handle or network")
    dialect = session.get_bind().dialect.name
    return Scope(ws, channels, start, end, dialect, first_reply(session, [c.id for c in channels]))
