"""Cadence: posts a week against the channel's goal, streaks of weeks that met it, the warning before a gap
makes the account look abandoned, and the best times to post from the brand's own engagement history.

"Be consistent, present and responsive": a channel whose last post (published or scheduled) is more than
`gap_days` (default 7) old looks abandoned. The warning comes `warn_days` (default 3) before that moment,
while there is still time to schedule something. Weeks are Monday to Sunday in the workspace's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from goodwill.domain.enums import Direction, PostStatus
from goodwill.publishing.drafts import cadence_goal, publishing_policy
from goodwill.publishing.mix import is_own_post
from goodwill.publishing.schedule import DAYS, zone_of
from goodwill.store.tables import Channel, Message, Post, Workspace

STREAK_WEEKS = 52  # how far back a streak is counted
PRIOR_POSTS = 3.0  # best times: each hour's mean is pulled toward the overall mean as if it had 3 more posts


@dataclass(frozen=True, slots=True)
class Cadence:
    channel_id: int
    channel: str
    network: str
    goal: float | None  # posts a week
    this_week: int  # published and scheduled in the current local week
    last_weeks: list[int]  # published posts in each of the previous weeks, newest first
    streak: int  # consecutive past weeks (before this one) that met the goal
    last_post_at: datetime | None
    next_post_at: datetime | None  # the next scheduled post
    abandoned_at: datetime | None  # when the channel will look abandoned unless something is scheduled
    warning: str | None

    def as_dict(self) -> dict[str, Any]:
        def iso(at: datetime | None) -> str | None:
            return at.isoformat() if at else None

        return {
            "channel_id": self.channel_id,
            "channel": self.channel,
            "network": self.network,
            "goal": self.goal,
            "this_week": self.this_week,
            "last_weeks": self.last_weeks,
            "streak": self.streak,
            "last_post_at": iso(self.last_post_at),
            "next_post_at": iso(self.next_post_at),
            "abandoned_at": iso(self.abandoned_at),
            "warning": self.warning,
        }


def _week_start(workspace: Workspace, now: datetime) -> datetime:
    local = now.astimezone(zone_of(workspace))
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday.astimezone(UTC)


def cadence(
    session: Session, workspace: Workspace, *, now: datetime, channel_ids: list[int] | None = None
) -> list[Cadence]:
    """Each channel's cadence as of `now` (channels that have never posted and have no goal are left out)."""
    policy = publishing_policy(workspace)
    query = select(Channel).where(Channel.workspace_id == workspace.id).order_by(Channel.id)
    if channel_ids is not None:
        query = query.where(Channel.id.in_(channel_ids))
    week0 = _week_start(workspace, now)
    oldest = week0 - timedelta(weeks=STREAK_WEEKS)
    found = []
    for channel in session.scalars(query):
        published = list(
            session.scalars(
                select(Message.created_at).where(
                    Message.channel_id == channel.id,
                    is_own_post(),
                    Message.created_at >= oldest,
                    Message.created_at <= now,
                )
            )
        )
        last = session.scalar(
            select(func.max(Message.created_at)).where(
                Message.channel_id == channel.id, is_own_post(), Message.created_at <= now
            )
        )
        planned = sorted(
            at
            for at in session.scalars(
                select(Post.scheduled_at).where(
                    Post.channel_id == channel.id,
                    Post.status.in_([PostStatus.SCHEDULED.value, PostStatus.APPROVAL.value]),
                    Post.scheduled_at > now,
                )
            )
            if at is not None
        )
        goal = cadence_goal(workspace, channel.id)
        if last is None and not planned and goal is None:
            continue
        found.append(_one(channel, goal, published, last, planned, week0, now, policy))
    return found


def _one(
    channel: Channel,
    goal: float | None,
    published: list[datetime],
    last: datetime | None,
    planned: list[datetime],
    week0: datetime,
    now: datetime,
    policy: dict[str, Any],
) -> Cadence:
    weeks: dict[int, int] = defaultdict(int)
    for at in published:
        weeks[(int((week0 - at).total_seconds() // (7 * 86400)) + 1) if at < week0 else 0] += 1
    this_week = weeks[0] + sum(1 for at in planned if at < week0 + timedelta(weeks=1))
    last_weeks = [weeks[w] for w in range(1, 13)]
    streak = 0
    if goal:
        while streak < STREAK_WEEKS and weeks[streak + 1] >= goal:
            streak += 1
    horizon = max([at for at in (last, *planned) if at is not None], default=None)
    gap = timedelta(days=policy["gap_days"])
    abandoned_at = horizon + gap if horizon else None
    warning = None
    if horizon is not None and abandoned_at is not None and abandoned_at - timedelta(days=policy["warn_days"]) <= now:
        days = (abandoned_at - now).total_seconds() / 86400
        if days > 0:
            warning = (
                f"nothing is planned after {horizon:%Y-%m-%d %H:%M} UTC: {channel.handle} will look abandoned on "
                f"{abandoned_at:%Y-%m-%d %H:%M} UTC (in {days:.1f} days). Schedule a post before then."
            )
        else:
            warning = f"{channel.handle} has not posted for {(now - horizon).days} days: it looks abandoned now."
    elif goal and this_week < goal and now - week0 >= timedelta(days=4):
        warning = f"{this_week} of {goal:g} posts this week: schedule {int(goal - this_week + 0.999)} more."
    return Cadence(
        channel.id,
        channel.handle,
        channel.network,
        goal,
        this_week,
        last_weeks,
        streak,
        last,
        planned[0] if planned else None,
        abandoned_at,
        warning,
    )


def best_times(
    session: Session, workspace: Workspace, *, channel: Channel, now: datetime, days: int = 90, top: int = 5
) -> list[dict[str, Any]]:
    """The local weekday-and-hour slots where the channel's own posts drew the most responses (replies and
    comments directly under them, plus likes and reposts where the network reported them), over `days`.
    Each slot's mean is shrunk toward the channel's overall mean (PRIOR_POSTS), so one lucky post does not
    win; slots with no post are not suggested."""
    reply = aliased(Message)
    responses = (
        select(func.count(reply.id))
        .where(
            reply.channel_id == Message.channel_id,
            reply.parent_native_id == Message.native_id,
            reply.direction == Direction.INBOUND.value,
        )
        .correlate(Message)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Message.created_at, Message.metrics, responses).where(
            Message.channel_id == channel.id,
            is_own_post(),
            Message.created_at >= now - timedelta(days=days),
            Message.created_at <= now,
        )
    ).all()
    if not rows:
        return []
    zone = zone_of(workspace)
    buckets: dict[tuple[int, int], list[float]] = defaultdict(list)
    for at, metrics, count in rows:
        local = at.astimezone(zone)
        score = float(count or 0) + _reactions(metrics)
        buckets[(local.weekday(), local.hour)].append(score)
    overall = sum(sum(v) for v in buckets.values()) / len(rows)
    ranked = sorted(
        (
            ((sum(v) + PRIOR_POSTS * overall) / (len(v) + PRIOR_POSTS), len(v), day, hour)
            for (day, hour), v in buckets.items()
        ),
        reverse=True,
    )
    return [
        {
            "slot": f"{DAYS[day]} {hour:02d}:00",
            "weekday": day,
            "hour": hour,
            "posts": n,
            "engagement": round(score, 2),
            "overall": round(overall, 2),
        }
        for score, n, day, hour in ranked[:top]
    ]


def _reactions(metrics: dict[str, Any] | None) -> float:
    """Likes and reposts a network reported for a post, whatever it calls them (a tenth of a reply each)."""
    if not metrics:
        return 0.0
    total = 0.0
    for key in ("like_count", "likes", "favourites_count", "retweet_count", "repost_count", "reblogs_count", "shares"):
        value = metrics.get(key)
        if isinstance(value, int | float):
            total += float(value)
    return total / 10
