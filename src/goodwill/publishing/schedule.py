"""When posts go out: parsing a time the user gives, queue time slots, the next free slot, and the calendar.

Times a user types are in the workspace's time zone unless they say otherwise; everything stored is UTC.
A queue slot is a weekday and a local time for one channel (table post_slot); "add to the queue" takes the
channel's earliest slot after now that no other scheduled post of the channel already holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.domain.enums import PostStatus
from goodwill.publishing.classify import classify_post
from goodwill.store.tables import Channel, Post, Workspace
from goodwill.store.tables_publishing import PostDelivery, PostSlot

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
RELATIVE = re.compile(r"^\s*\+?(\d+)\s*([mhd])\s*$")
SLOT_HORIZON_WEEKS = 8  # how far ahead the queue looks for a free slot
TAKEN = (PostStatus.SCHEDULED.value, PostStatus.APPROVAL.value)


def zone_of(workspace: Workspace) -> ZoneInfo:
    return ZoneInfo(workspace.timezone or "UTC")


def parse_when(text: str, workspace: Workspace, *, now: datetime) -> datetime:
    """ "2026-03-02 09:30" (the workspace's zone), an ISO time with an offset, or "+2h", "+30m", "+1d"."""
    relative = RELATIVE.match(text)
    if relative:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[relative.group(2)]
        return now + timedelta(**{unit: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{text!r}: give a time such as '2026-03-02 09:30' (local), or '+2h'") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_of(workspace))
    return moment.astimezone(UTC)


def parse_slot(text: str) -> tuple[int, int]:
    """ "mon 09:30" -> (0, 570): weekday (0 Monday) and minutes after local midnight."""
    parts = text.strip().lower().split()
    if len(parts) != 2 or parts[0][:3] not in DAYS or not CLOCK.match(parts[1]):
        raise ValueError(f"slot {text!r}: give a weekday and a time, such as 'mon 09:30'")
    match = CLOCK.match(parts[1])
    assert match is not None
    return DAYS.index(parts[0][:3]), int(match.group(1)) * 60 + int(match.group(2))


def slot_label(weekday: int, minute: int) -> str:
    return f"{DAYS[weekday]} {minute // 60:02d}:{minute % 60:02d}"


def slots_of(session: Session, channel: Channel) -> list[PostSlot]:
    query = select(PostSlot).where(PostSlot.channel_id == channel.id).order_by(PostSlot.weekday, PostSlot.minute)
    return list(session.scalars(query))


def slot_times(slots: list[PostSlot], zone: ZoneInfo, after: datetime, weeks: int) -> list[datetime]:
    """Every slot's moment (UTC) from `after` on, for `weeks` weeks, in order. Local times that a daylight-saving
    change skips are moved on by the change; repeated ones take the first."""
    start = after.astimezone(zone).date()
    found = []
    for offset in range(weeks * 7 + 1):
        day = start + timedelta(days=offset)
        for slot in slots:
            if slot.weekday == day.weekday():
                local = datetime(day.year, day.month, day.day, slot.minute // 60, slot.minute % 60, tzinfo=zone)
                moment = local.astimezone(UTC)
                if moment > after:
                    found.append(moment)
    return sorted(found)


def next_free_slot(session: Session, workspace: Workspace, channel: Channel, *, after: datetime) -> datetime:
    """The channel's earliest slot after `after` that no scheduled post of the channel holds (within a minute)."""
    slots = slots_of(session, channel)
    if not slots:
        raise ValueError(
            f"channel {channel.id} ({channel.handle}) has no queue slots: add some with "
            f"`goodwill schedule slots add {channel.id} 'mon 09:30'`, or give a time"
        )
    held = list(
        session.scalars(
            select(Post.scheduled_at).where(
                Post.channel_id == channel.id, Post.status.in_(TAKEN), Post.scheduled_at > after
            )
        )
    )
    for moment in slot_times(slots, zone_of(workspace), after, SLOT_HORIZON_WEEKS):
        if all(abs((moment - h).total_seconds()) >= 60 for h in held if h is not None):
            return moment
    raise ValueError(f"every queue slot of channel {channel.id} is taken for the next {SLOT_HORIZON_WEEKS} weeks")


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    post_id: int
    channel_id: int
    channel: str
    network: str
    status: str
    at: datetime  # scheduled or published, UTC
    local: datetime
    category: str
    text: str
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "post_id": self.post_id,
            "channel_id": self.channel_id,
            "channel": self.channel,
            "network": self.network,
            "status": self.status,
            "at": self.at.isoformat(),
            "local": self.local.isoformat(),
            "category": self.category,
            "text": self.text,
            "error": self.error,
        }


def calendar(
    session: Session,
    workspace: Workspace,
    *,
    start: date,
    days: int = 7,
    channel_ids: list[int] | None = None,
) -> dict[str, list[CalendarEntry]]:
    """Posts by local day ("YYYY-MM-DD") from `start` for `days` days: scheduled, awaiting approval, published
    and failed (cancelled posts and drafts without a time are left out), each with its category."""
    zone = zone_of(workspace)
    begin = datetime(start.year, start.month, start.day, tzinfo=zone).astimezone(UTC)
    end = begin + timedelta(days=days)
    when = Post.published_at.is_not(None)
    query = (
        select(Post, Channel, PostDelivery.last_error)
        .join(Channel, Channel.id == Post.channel_id)
        .outerjoin(PostDelivery, PostDelivery.post_id == Post.id)
        .where(
            Post.workspace_id == workspace.id,
            Post.status != PostStatus.CANCELLED.value,
            ((Post.scheduled_at >= begin) & (Post.scheduled_at < end))
            | (when & (Post.published_at >= begin) & (Post.published_at < end)),
        )
    )
    if channel_ids is not None:
        query = query.where(Post.channel_id.in_(channel_ids))
    days_map: dict[str, list[CalendarEntry]] = {(start + timedelta(days=i)).isoformat(): [] for i in range(days)}
    for post, channel, error in session.execute(query):
        at = post.published_at or post.scheduled_at
        assert at is not None
        local = at.astimezone(zone)
        key = local.date().isoformat()
        if key not in days_map:
            continue
        entry = CalendarEntry(
            post.id,
            channel.id,
            channel.handle,
            channel.network,
            post.status,
            at,
            local,
            post.detail.get("category") or classify_post(post.text).category.value,
            post.text,
            error,
        )
        days_map[key].append(entry)
    for entries in days_map.values():
        entries.sort(key=lambda e: (e.at, e.post_id))
    return days_map
