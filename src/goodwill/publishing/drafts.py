"""Drafts: the text each channel gets (a per-network variant, else the common text), its links and images,
and the length check against what the network takes. Pure functions over plain values, plus the
workspace's publishing policy read from `Workspace.settings["publishing"]`.

A draft for several channels becomes one Post per channel (grouped by `Post.detail["group"]`); each Post
stores the text that channel will publish, so a variant is simply that Post's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from goodwill.replies.length import limit_for, measure
from goodwill.store.tables import Channel, Workspace

MAX_TEXT = 20_000  # a blog post body; every network's own limit is checked on top
MAX_MEDIA = 4
APPROVAL_MODES = ("none", "agents", "all")
DEFAULT_PROMO_SHARE = 0.4  # the audit calls more than this "talking about ourselves" (docs/audit.md)
MIX_WINDOW_DAYS = 30  # the feed a draft is judged against: the channel's posts in the 30 days up to it


@dataclass(frozen=True, slots=True)
class LengthCheck:
    channel_id: int
    network: str
    length: int
    limit: int | None

    @property
    def fits(self) -> bool:
        return self.limit is None or self.length <= self.limit

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel_id,
            "network": self.network,
            "length": self.length,
            "limit": self.limit,
            "fits": self.fits,
        }


class TooLong(ValueError):
    """A draft's text is longer than a channel's network takes."""


def check_length(channel: Channel, text: str) -> LengthCheck:
    """The text's length as the channel's network counts it, beside the limit (a channel's `max_characters` wins)."""
    limit = limit_for(channel.network, config=channel.config)
    return LengthCheck(channel.id, channel.network, measure(text, channel.network), limit)


def text_for(channel: Channel, text: str, variants: Mapping[str, str] | None) -> str:
    """The channel's text: its own variant (keyed by channel id, handle or network), else the common text."""
    variants = variants or {}
    for key in (str(channel.id), channel.handle, channel.network):
        if key in variants and variants[key].strip():
            return variants[key].strip()
    return text.strip()


def with_links(text: str, links: Sequence[str]) -> str:
    """The text with each link that it does not already contain appended on a line of its own."""
    missing = [link for link in links if link not in text]
    return "\n".join([text, *missing]) if missing else text


def check_links(links: Sequence[str]) -> list[str]:
    clean = []
    for i, link in enumerate(links, 1):
        parsed = urlparse(link.strip())
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"link {i} ({link!r}) is not an http(s) address")
        clean.append(link.strip())
    return clean


def check_media(media: Sequence[str]) -> list[str]:
    """Images: http(s) addresses or local file paths, at most MAX_MEDIA. Files are checked when published."""
    if len(media) > MAX_MEDIA:
        raise ValueError(f"at most {MAX_MEDIA} images a post ({len(media)} given)")
    clean = []
    for i, item in enumerate(media, 1):
        item = item.strip()
        if not item or re.search(r"[\x00-\x1f]", item):
            raise ValueError(f"image {i} ({item!r}) is not a file path or an address")
        clean.append(item)
    return clean


def check_text(channel: Channel, text: str) -> str:
    """The stripped text, or a clear error: empty, or longer than the channel's network takes."""
    text = text.strip()
    if not text:
        raise ValueError(f"the post for channel {channel.id} ({channel.handle}) has no text")
    if len(text) > MAX_TEXT:
        raise TooLong(f"a post has at most {MAX_TEXT} characters ({len(text)} given)")
    length = check_length(channel, text)
    if not length.fits:
        raise TooLong(
            f"the post for channel {channel.id} ({channel.network} {channel.handle}) is {length.length} characters "
            f"as {channel.network} counts them; it takes {length.limit}: shorten it or give a {channel.network} variant"
        )
    return text


def publishing_policy(workspace: Workspace) -> dict[str, Any]:
    """The workspace's publishing policy with its defaults:
    approval ("none" | "agents": posts by agents wait for an owner or admin | "all"),
    max_promotional_share (0..1; default: the workspace's `promotional_share` goal, else 0.4),
    gap_days (a channel silent this long looks abandoned; 7),
    warn_days (warn this many days before a gap shows; 3)."""
    stored: dict[str, Any] = dict((workspace.settings or {}).get("publishing") or {})
    goal = next(
        (g for g in (workspace.settings or {}).get("goals") or [] if g.get("metric") == "promotional_share"), None
    )
    default_share = float(goal["target"]) if goal and goal.get("target") is not None else DEFAULT_PROMO_SHARE
    return {
        "approval": stored.get("approval") or "none",
        "max_promotional_share": float(stored.get("max_promotional_share") or default_share),
        "gap_days": float(stored.get("gap_days") or 7),
        "warn_days": float(stored.get("warn_days") or 3),
    }


def cadence_goal(workspace: Workspace, channel_id: int) -> float | None:
    """Posts a week the channel should make: its own `posts_per_week` goal, else the workspace's, else None.
    Goals are set with `goodwill goals set posts_per_week 3 [--channel X]` (goodwill.actions.goals)."""
    goals = [g for g in (workspace.settings or {}).get("goals") or [] if g.get("metric") == "posts_per_week"]
    own = next((g for g in goals if g.get("channel_id") == channel_id), None)
    common = next((g for g in goals if g.get("channel_id") is None), None)
    chosen = own or common
    return float(chosen["target"]) if chosen else None
