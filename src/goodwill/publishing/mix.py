"""The content mix: what share of the brand's own messages is promotional, useful, chat and engagement, week
by week, and whether a draft would push a channel's feed over the workspace's promotional share.

Own posts are outbound messages of kind `own` that answer nothing (no parent, not private): each is
classified by `goodwill.publishing.classify`. Replies and private messages are engagement by their place,
counted without reading their text. "Ad-heavy": the promotional share of own posts is above the
workspace's `max_promotional_share` (goodwill.publishing.drafts.publishing_policy).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from goodwill.domain.enums import Direction, Kind, PostStatus
from goodwill.publishing.classify import Category, MixKind, classify_post
from goodwill.publishing.drafts import MIX_WINDOW_DAYS, publishing_policy
from goodwill.store.tables import Channel, Message, Post, Workspace


def is_own_post() -> Any:
    return (
        (Message.direction == Direction.OUTBOUND.value)
        & (Message.kind == Kind.OWN.value)
        & Message.parent_native_id.is_(None)
        & Message.private_conversation_id.is_(None)
    )


def is_engagement_message() -> Any:
    """The brand's replies and private messages: outbound and answering someone."""
    return (Message.direction == Direction.OUTBOUND.value) & or_(
        Message.parent_native_id.is_not(None), Message.private_conversation_id.is_not(None)
    )


@dataclass(slots=True)
class Tally:
    posts: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    replies: int = 0

    @property
    def promotional_share(self) -> float | None:
        return round(self.categories[Category.PROMOTIONAL.value] / self.posts, 4) if self.posts else None

    @property
    def broadcasts(self) -> int:
        return sum(n for c, n in self.categories.items() if Category(c).kind is MixKind.BROADCAST)

    def as_dict(self) -> dict[str, Any]:
        kinds: Counter[str] = Counter()
        for category, n in self.categories.items():
            kinds[Category(category).kind.value] += n
        kinds[MixKind.ENGAGEMENT.value] += self.replies
        broadcasts = self.broadcasts
        return {
            "posts": self.posts,
            "replies": self.replies,
            "categories": {c.value: self.categories[c.value] for c in Category},
            "kinds": {k.value: kinds[k.value] for k in MixKind},
            "promotional_share": self.promotional_share,
            "replies_per_broadcast": round(self.replies / broadcasts, 2) if broadcasts else None,
        }


def _week(at: datetime, since: datetime) -> int:
    return int((at - since).total_seconds() // (7 * 86400))


def mix(
    session: Session,
    workspace: Workspace,
    *,
    since: datetime,
    until: datetime,
    channel_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The mix over [since, until): overall, per channel and per week (week 0 starts at `since`), with the
    verdict `ad_heavy` against the workspace's promotional share."""
    channels = list(session.scalars(select(Channel).where(Channel.workspace_id == workspace.id).order_by(Channel.id)))
    if channel_ids is not None:
        channels = [c for c in channels if c.id in set(channel_ids)]
    ids = [c.id for c in channels]
    within = (Message.channel_id.in_(ids)) & (Message.created_at >= since) & (Message.created_at < until)
    overall, weeks = Tally(), defaultdict[int, Tally](Tally)
    by_channel: dict[int, Tally] = {c.id: Tally() for c in channels}
    for channel_id, at, text in session.execute(
        select(Message.channel_id, Message.created_at, Message.text).where(within, is_own_post())
    ):
        category = classify_post(text).category.value
        for tally in (overall, weeks[_week(at, since)], by_channel[channel_id]):
            tally.posts += 1
            tally.categories[category] += 1
    for channel_id, at in session.execute(
        select(Message.channel_id, Message.created_at).where(within, is_engagement_message())
    ):
        for tally in (overall, weeks[_week(at, since)], by_channel[channel_id]):
            tally.replies += 1
    limit = publishing_policy(workspace)["max_promotional_share"]
    share = overall.promotional_share
    count = max(_week(until - timedelta(microseconds=1), since) + 1, 1)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "max_promotional_share": limit,
        "ad_heavy": share is not None and share > limit,
        "overall": overall.as_dict(),
        "channels": [
            {"channel_id": c.id, "channel": c.handle, "network": c.network, **by_channel[c.id].as_dict()}
            for c in channels
        ],
        "weeks": [
            {"week": w, "from": (since + timedelta(days=7 * w)).isoformat(), **weeks[w].as_dict()} for w in range(count)
        ],
    }


@dataclass(frozen=True, slots=True)
class MixCheck:
    """Whether one draft would push its channel's feed over the workspace's promotional share."""

    category: str
    promotional: bool
    window_posts: int  # the channel's posts in the window, this draft included
    window_promotional: int
    share_after: float
    limit: float

    @property
    def over(self) -> bool:
        return self.promotional and self.share_after > self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "promotional": self.promotional,
            "window_days": MIX_WINDOW_DAYS,
            "window_posts": self.window_posts,
            "window_promotional": self.window_promotional,
            "share_after": self.share_after,
            "limit": self.limit,
            "over": self.over,
        }

    def message(self) -> str:
        return (
            f"this promotional post would make {self.window_promotional} of the channel's {self.window_posts} posts "
            f"in {MIX_WINDOW_DAYS} days promotional ({self.share_after:.0%}, above the workspace's "
            f"{self.limit:.0%}): post something useful, or schedule it anyway"
        )


def check_draft_mix(session: Session, workspace: Workspace, post: Post, at: datetime) -> MixCheck:
    """Judge `post`, to be published at `at`, against its channel's feed: published posts and the other
    scheduled posts in the MIX_WINDOW_DAYS up to `at`, plus this one."""
    category = classify_post(post.text).category
    start = at - timedelta(days=MIX_WINDOW_DAYS)
    texts = list(
        session.scalars(
            select(Message.text).where(
                Message.channel_id == post.channel_id,
                is_own_post(),
                Message.created_at >= start,
                Message.created_at <= at,
            )
        )
    )
    planned = session.scalars(
        select(Post.text).where(
            Post.channel_id == post.channel_id,
            Post.id != post.id,
            Post.status.in_([PostStatus.SCHEDULED.value, PostStatus.APPROVAL.value]),
            Post.scheduled_at >= start,
            Post.scheduled_at <= at,
        )
    )
    texts.extend(planned)
    promotional = sum(1 for t in texts if classify_post(t).promotional) + (category is Category.PROMOTIONAL)
    total = len(texts) + 1
    limit = publishing_policy(workspace)["max_promotional_share"]
    return MixCheck(category.value, category is Category.PROMOTIONAL, total, promotional, promotional / total, limit)
