"""The simulation's building blocks: when people write, how threads and DMs grow, and how (and whether) the
brand answers.

Everything is planned in memory as `Planned` messages, in any order; `goodwill.demo.platform` later turns
each into a NormalisedMessage shaped like its network's. A message planned after `now` never happens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from goodwill.demo import brand
from goodwill.demo.people import Account
from goodwill.demo.texts import Said, Says, fit
from goodwill.demo.voice import Voice
from goodwill.domain.enums import Kind, Network
from goodwill.domain.message import NativeRef

NO_DMS = (Network.BLOG,)
FLAT_COMMENTS = (Network.FACEBOOK, Network.INSTAGRAM)  # comment trees two levels deep
CUSTOMER_HOURS = (1, 1, 0, 0, 0, 1, 3, 6, 8, 7, 6, 6, 7, 6, 5, 5, 6, 7, 8, 9, 9, 8, 5, 3)
ANSWER_RATE = {
    "complaint": 0.66,
    "question": 0.72,
    "lead": 0.8,
    "praise": 0.3,
    "chatter": 0.08,
    "spam": 0.04,
    "feedback": 0.45,
}
STYLES = {  # intent -> (personal, canned, oversell, defensive)
    "complaint": (45, 30, 8, 17),
    "question": (70, 20, 10, 0),
    "lead": (75, 20, 5, 0),
    "praise": (45, 30, 25, 0),
    "feedback": (50, 40, 10, 0),
    "chatter": (50, 50, 0, 0),
    "spam": (0, 100, 0, 0),
}


@dataclass(slots=True, eq=False)
class Planned:
    """One message of the world before it is shaped for its network."""

    seq: int
    network: Network
    at: datetime
    text: str
    author: Account | None  # None: the brand wrote it
    kind: Kind
    said: Said  # what it was meant to be; the brand's own messages have intent "own"
    ref: NativeRef = field(default_factory=lambda: NativeRef(id=""))
    parent: Planned | None = None
    root: Planned | None = None
    dm: str | None = None  # the private conversation id
    to: Account | None = None  # whom a brand message answers
    style: str | None = None  # brand replies: personal, canned, oversell, defensive, welcome, resolve, check_in
    teammate: str | None = None  # the teammate's email
    category: str | None = None  # own posts: promotional, expertise, authority, reputation, visibility, chat
    title: str | None = None  # blog articles
    children: int = 0

    @property
    def inbound(self) -> bool:
        return self.author is not None

    @property
    def is_post(self) -> bool:
        return self.author is None and self.parent is None and self.dm is None


class Story:
    """Plans messages; knows the clock, the team's habits and each network's limits."""

    def __init__(
        self, rng: random.Random, *, start: datetime, now: datetime, days: int, assign_ref: Callable[[Planned], None]
    ) -> None:
        self.rng = rng
        self.start, self.now, self.days = start, now, days
        self.tz = ZoneInfo(brand.TIMEZONE)
        self.says = Says(rng)
        self.voice = Voice(rng)
        self.messages: list[Planned] = []
        self.posts: dict[Network, list[Planned]] = {a.network: [] for a in brand.ACCOUNTS}
        self.written: dict[int, int] = {}  # id(Account) -> messages written
        self._assign = assign_ref
        self.holiday = (self.day(0.52 * days), self.day(0.63 * days))  # the team is away, nobody posts
        self.mastodon_left = self.day(0.62 * days)  # the Mastodon account is abandoned after this

    # the clock ---------------------------------------------------------------------------------------------
    def day(self, offset: float) -> datetime:
        return self.start + timedelta(days=offset)

    def moment(self, offset: float) -> datetime:
        """A time a customer might write on day `offset` (local waking hours), never after now."""
        local = self.day(offset).astimezone(self.tz)
        hour = self.rng.choices(range(24), weights=CUSTOMER_HOURS)[0]
        at = local.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60), microsecond=0)
        at = at.astimezone(self.start.tzinfo)
        if at > self.now or at < self.start:
            low = max(self.start, self.now - timedelta(hours=8)) if at > self.now else self.start
            at = low + timedelta(seconds=self.rng.uniform(60, 6 * 3600))
            at = min(at, self.now - timedelta(minutes=1))
        return at

    def later(self, at: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    def in_holiday(self, at: datetime) -> bool:
        return self.holiday[0] <= at < self.holiday[1]

    def open_for_business(self, at: datetime) -> datetime:
        """`at`, or the next moment someone on the team looks at the inbox."""
        local = at.astimezone(self.tz)
        for _ in range(14):
            weekday, hour = local.weekday(), local.hour + local.minute / 60
            opens, closes = (8.0, 18.5) if weekday < 5 else (9.0, 13.0) if weekday == 5 else (0.0, 0.0)
            if opens <= hour < closes and not self.in_holiday(local):
                return local.astimezone(at.tzinfo)
            if hour < opens and not self.in_holiday(local):
                local = local.replace(hour=int(opens), minute=self.rng.randrange(5, 50))
                continue
            local = (local + timedelta(days=1)).replace(hour=0, minute=0)
        return local.astimezone(at.tzinfo)

    def reply_time(self, after: datetime, intent: str) -> datetime:
        quick = 45 if intent in ("complaint", "lead") else 30
        band = self.rng.choices(("minutes", "hours", "day", "days"), weights=(quick, 30, 18, 12))[0]
        low, high = {"minutes": (3, 50), "hours": (60, 360), "day": (360, 36 * 60), "days": (48 * 60, 6 * 24 * 60)}[
            band
        ]
        at = self.open_for_business(self.later(after, low, high))
        if self.in_holiday(after) or at >= self.holiday[1] > after:
            at = self.open_for_business(self.later(self.holiday[1], 0, 3 * 24 * 60))  # the backlog after the break
        return at

    def teammate(self, at: datetime) -> brand.Member:
        cut = self.now - timedelta(days=12)
        team = [m for m in brand.TEAM if m.share and not (m.away_last_days and at > cut)]
        return self.rng.choices(team, weights=[m.share for m in team])[0]

    # planning messages -------------------------------------------------------------------------------------
    def add(
        self, network: Network, at: datetime, text: str, author: Account | None, kind: Kind, said: Said, **extra: Any
    ) -> Planned | None:
        at = at.replace(microsecond=0)
        if at > self.now or at < self.start:
            return None
        limit = brand.BY_NETWORK[network].limit
        message = Planned(len(self.messages), network, at, fit(text, limit), author, kind, said, **extra)
        self._assign(message)
        if message.parent is not None:
            message.parent.children += 1
        if author is not None:
            self.written[id(author)] = self.written.get(id(author), 0) + 1
        self.messages.append(message)
        return message

    def mention_text(self, acc: Account, said: Said, *, thread: bool) -> str:
        at = brand.BY_NETWORK[acc.network].mention
        if not at or (thread and acc.network is Network.MASTODON and self.rng.random() < 0.5):
            return said.text
        if thread or self.rng.random() < 0.6:
            return f"{at} {said.text}"
        return f"{said.text} {at}"

    def dm_text(self, acc: Account, text: str, *, ours: bool = False) -> str:
        """A Mastodon "DM" is a status addressed to its recipients: it starts with their handles."""
        if acc.network is not Network.MASTODON:
            return text
        return f"@{acc.handle} {text}" if ours else f"{brand.BY_NETWORK[Network.MASTODON].mention} {text}"

    def opener(
        self, acc: Account, at: datetime, said: Said, *, post: Planned | None = None, private: bool = False
    ) -> Planned | None:
        """The first message of a conversation: a DM, a comment on our post, or a public mention."""
        net = acc.network
        if private and net not in NO_DMS:
            if acc.dm_thread is None:
                acc.dm_thread = "pending"  # platform.assign gives it the network's shape
            return self.add(net, at, self.dm_text(acc, said.text), acc, Kind.DIRECT, said, dm=acc.dm_thread)
        if post is not None:
            kind = Kind.COMMENT if net in (*FLAT_COMMENTS, Network.BLOG) else Kind.REPLY
            text = self.mention_text(acc, said, thread=True) if kind is Kind.REPLY else said.text
            return self.add(net, at, text, acc, kind, said, parent=post, root=post)
        if net is Network.BLOG:
            return None
        return self.add(net, at, self.mention_text(acc, said, thread=False), acc, Kind.MENTION, said)

    def follow(self, acc: Account, parent: Planned, at: datetime, said: Said) -> Planned | None:
        """The customer writes again in the same conversation."""
        if parent.dm is not None:
            return self.add(acc.network, at, self.dm_text(acc, said.text), acc, Kind.DIRECT, said, dm=parent.dm)
        root = parent.root or parent
        anchor = parent
        if acc.network in FLAT_COMMENTS:
            while anchor.parent is not None and anchor.parent is not root:
                anchor = anchor.parent
        kind = Kind.COMMENT if acc.network in (*FLAT_COMMENTS, Network.BLOG) else Kind.REPLY
        text = self.mention_text(acc, said, thread=True) if kind is Kind.REPLY else said.text
        return self.add(acc.network, at, text, acc, kind, said, parent=anchor, root=root)

    def answer(
        self, to: Planned, at: datetime, text: str, style: str, *, member: brand.Member | None = None, topic: str = ""
    ) -> Planned | None:
        """The brand writes in `to`'s conversation."""
        acc = to.author
        assert acc is not None
        member = member or self.teammate(at)
        said = Said(text, "own", 0, topic or style)
        extra: dict[str, Any] = {"to": acc, "style": style, "teammate": member.email}
        if to.dm is not None:
            return self.add(
                acc.network, at, self.dm_text(acc, text, ours=True), None, Kind.DIRECT, said, dm=to.dm, **extra
            )
        root = to.root or to
        anchor = to
        if acc.network in FLAT_COMMENTS:
            while anchor.parent is not None and anchor.parent is not root:
                anchor = anchor.parent
        if acc.network in (Network.X, Network.MASTODON) and acc.handle:  # their clients prefix the handle
            text = f"@{acc.handle} {text}"
        return self.add(acc.network, at, text, None, Kind.OWN, said, parent=anchor, root=root, **extra)

    def answers(self, intent: str, factor: float = 1.0) -> bool:
        return self.rng.random() < ANSWER_RATE.get(intent, 0.3) * factor

    def style(self, intent: str, *, harsh: bool = False) -> str:
        weights = list(STYLES.get(intent, STYLES["chatter"]))
        if harsh:
            weights = [weights[0] // 3, weights[1] + 10, weights[2], weights[3] + 15]
        return self.rng.choices(("personal", "canned", "oversell", "defensive"), weights=weights)[0]

    def post(
        self,
        network: Network,
        at: datetime,
        text: str,
        category: str,
        *,
        title: str | None = None,
        member: brand.Member | None = None,
    ) -> Planned | None:
        member = member or self.rng.choice(brand.TEAM[:3])
        said = Said(text, "own", 0, category)
        message = self.add(
            network, at, text, None, Kind.OWN, said, category=category, title=title, teammate=member.email
        )
        if message is not None:
            self.posts[network].append(message)
        return message

    def recent_post(self, network: Network, at: datetime, within_days: float = 6) -> Planned | None:
        """A post of ours on `network` that someone writing at `at` might comment on (the newer, the likelier)."""
        candidates = [p for p in self.posts[network] if p.at < at and (at - p.at).days < within_days]
        if not candidates:
            return None
        return self.rng.choices(candidates, weights=range(1, len(candidates) + 1))[0]
