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
from sqlalchemy.sql.expression import cast

from goodwill.actions.workspaces import NotFound, access_workspace
from goodwill.store.tables import Channel, Message, Workspace

DURATION = re.compile(r"^\s*(\d+)\s*([hdwmy])\s*$")
UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}


@dataclass(frozen=True, slots=True)
class Scope:
    workspace: Workspace
    channels: tuple[Channel, ...]  # the channels audited (all of the workspace's unless one was picked)
    since: datetime
    until: datetime
    dialect: str

    @property
    def channel_ids(self) -> list[int]:
        return [c.id for c in self.channels]

    @property
    def days(self) -> float:
        return max((self.until - self.since).total_seconds() / 86400, 1 / 24)

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        length = self.until - self.since
        return Scope(self.workspace, self.channels, self.since - length, self.since, self.dialect)

    def within(self, column: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = and_(column >= self.since, column < self.until)
        return condition

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
    return Scope(ws, channels, start, end, dialect)
