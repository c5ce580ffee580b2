"""Ninety days of life: the brand's feed, the people's parts, and the comments under every post.

The brand is well-meaning and stretched: it posts mostly promotions, goes quiet for a holiday and abandons
Mastodon, answers complaints with canned lines or a sales pitch as often as with care, rarely thanks
praise, never welcomes newcomers, and only sometimes follows up a fixed problem.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from goodwill.demo import brand
from goodwill.demo import people as p
from goodwill.demo.people import Account, Human
from goodwill.demo.story import NO_DMS, Planned, Story
from goodwill.demo.texts import Said
from goodwill.demo.voice import REPLACED
from goodwill.domain.enums import Network

PRIVATE = {
    Network.FACEBOOK: 0.35,
    Network.INSTAGRAM: 0.3,
    Network.X: 0.15,
    Network.BLUESKY: 0.1,
    Network.MASTODON: 0.12,
    Network.BLOG: 0.0,
}
COMMENT_RATE = {
    "chat": 6.0,
    "expertise": 3.2,
    "authority": 2.0,
    "reputation": 2.8,
    "visibility": 3.4,
    "promotional": 1.5,
}
NETWORK_RATE = {
    Network.INSTAGRAM: 1.5,
    Network.FACEBOOK: 1.3,
    Network.X: 1.0,
    Network.BLUESKY: 0.8,
    Network.MASTODON: 0.6,
    Network.BLOG: 2.0,
}
AUDIENCE_WEIGHT = {
    p.AUDIENCE: 3.0,
    p.ADVOCATE: 4.0,
    p.COLD_ADVOCATE: 3.0,
    p.REGULAR: 2.0,
    p.GOING_COLD: 1.5,
    p.AT_RISK: 1.0,
    p.NEW: 1.0,
    p.ONE_OFF: 0.15,
    p.SPAMMER: 0.6,
    p.INFLUENCER: 0.2,
}


def first_name(acc: Account) -> str:
    return acc.human.first if acc.network is not Network.BLOG else acc.display_name.split()[0]


class Life:
    def __init__(self, story: Story, humans: list[Human]) -> None:
        self.s = story
        self.rng = story.rng
        self.humans = humans
        self.first_at: dict[str, datetime] = {}  # human key -> their first message
        self.welcomed: list[Account] = []

    # conversations -----------------------------------------------------------------------------------------
    def converse(
        self,
        acc: Account,
        at: datetime,
        said: Said,
        *,
        private: bool = False,
        post: Planned | None = None,
        factor: float = 1.0,
        harsh: bool = False,
    ) -> Planned | None:
        first = self.s.opener(acc, at, said, post=post, private=private)
        if first is None:
            return None
        self.first_at.setdefault(acc.human.key, first.at)
        if acc.network is Network.MASTODON and first.at > self.s.mastodon_left:
            factor *= 0.3  # nobody checks the abandoned account
        if said.intent == "complaint":
            self.complaint(first, acc, said, factor, harsh)
        elif said.intent in ("question", "lead"):
            self.question(first, acc, said, factor)
        elif said.intent != "spam" or self.rng.random() < 0.05:
            self.simple(first, acc, said, factor)
        return first

    def _reply(
        self,
        to: Planned,
        intent: str,
        topic: str,
        style: str,
        *,
        after: datetime | None = None,
        late: bool | None = None,
    ) -> Planned | None:
        s, acc = self.s, to.author
        assert acc is not None
        at = s.reply_time(after or to.at, intent)
        member = s.teammate(at)
        slow = at - to.at > timedelta(hours=20) if late is None else late
        text = s.voice.reply(style, intent, topic, first_name(acc), member.signs, late=slow, facts=to.said.facts)
        return s.answer(to, at, text, style, member=member, topic=topic)

    def complaint(self, first: Planned, acc: Account, said: Said, factor: float, harsh: bool) -> None:
        s, rng = self.s, self.rng
        if not s.answers("complaint", factor):
            if rng.random() < 0.45:
                at = s.later(first.at, 20 * 60, 4 * 24 * 60)
                nudge = s.follow(acc, first, at, s.says.waiting(said.severity, (at - first.at).days))
                if nudge is not None and s.answers("complaint", 0.4 * factor):
                    self._reply(nudge, "complaint", "no_answer", s.style("complaint", harsh=harsh), late=True)
            return
        style = s.style("complaint", harsh=harsh)
        reply = self._reply(first, "complaint", said.topic, style)
        if reply is None:
            return
        if style == "personal" and acc.network not in NO_DMS and rng.random() < 0.75:
            self.take_private(acc, reply, said, factor)
        elif style in ("canned", "oversell") and rng.random() < 0.5:
            again = s.follow(acc, reply, s.later(reply.at, 30, 2 * 24 * 60), s.says.after_canned())
            if again is not None and s.answers("complaint", 0.35 * factor):
                self._reply(again, "complaint", "canned_reply", "personal", late=True)
        elif style == "defensive" and rng.random() < 0.6:
            again = s.follow(acc, reply, s.later(reply.at, 10, 12 * 60), s.says.after_defensive())
            if again is not None and s.answers("complaint", 0.2 * factor):
                self._reply(again, "complaint", "blamed", "personal", late=True)

    def take_private(self, acc: Account, reply: Planned, said: Said, factor: float) -> None:
        """The customer DMs their order details; the team fixes it (or forgets), maybe checks in later."""
        s, rng = self.s, self.rng
        order = said.fact("order") or s.says.order()
        vague = rng.random() < 0.35
        dm = s.opener(
            acc, s.later(reply.at, 5, 8 * 60), s.says.dm_order(acc.human.name, order, vague=vague), private=True
        )
        if dm is None or rng.random() > 0.85 * min(1.0, factor + 0.3):
            return  # left unread: an open DM that needs an answer
        at = s.reply_time(dm.at, "complaint")
        member = s.teammate(at)
        if vague:
            ask = s.answer(dm, at, s.voice.ask_details(first_name(acc), member.signs), "personal", member=member)
            if ask is None:
                return
            details = s.follow(acc, dm, s.later(ask.at, 10, 6 * 60), s.says.dm_order(acc.human.name, order))
            if details is None or rng.random() < 0.15:
                return
            at = s.reply_time(details.at, "complaint")
        fix = s.answer(
            dm,
            at,
            s.voice.resolve(said.topic, first_name(acc), member.signs, said.facts),
            "resolve",
            member=member,
            topic=said.topic,
        )
        if fix is None:
            return
        if rng.random() < 0.6:
            s.follow(acc, dm, s.later(fix.at, 30, 24 * 60), s.says.thanks(member.signs, fixed=said.topic in REPLACED))
        if rng.random() < 0.2:  # "keep the love alive": rare here, so the nudges have work to do
            s.answer(
                dm,
                s.open_for_business(s.later(fix.at, 3 * 24 * 60, 6 * 24 * 60)),
                s.voice.check_in(first_name(acc), member.signs),
                "check_in",
                member=member,
            )

    def question(self, first: Planned, acc: Account, said: Said, factor: float) -> None:
        s, rng = self.s, self.rng
        if not s.answers(said.intent, factor):
            if rng.random() < 0.25:
                s.follow(
                    acc, first, s.later(first.at, 6 * 60, 3 * 24 * 60), Said("Anyone? 🙂", "question", 0, said.topic)
                )
            return
        style = s.style(said.intent)
        reply = self._reply(first, said.intent, said.topic, style)
        if reply is not None and rng.random() < 0.35:
            s.follow(acc, reply, s.later(reply.at, 5, 12 * 60), s.says.thanks())

    def simple(self, first: Planned, acc: Account, said: Said, factor: float) -> None:
        if self.s.answers(said.intent, factor):
            self._reply(first, said.intent, said.topic, self.s.style(said.intent))

    # one event in a person's life --------------------------------------------------------------------------
    def event(
        self,
        acc: Account,
        offset: float,
        said: Said,
        *,
        factor: float = 1.0,
        harsh: bool = False,
        at: datetime | None = None,
    ) -> Planned | None:
        s, rng, net = self.s, self.rng, acc.network
        at = at or s.moment(offset)
        private, post = False, None
        if net in NO_DMS:
            post = s.recent_post(net, at, within_days=30)
            if post is None:
                return None
        else:
            roll = rng.random()
            if roll < PRIVATE[net] or (said.intent == "lead" and roll < 0.5):
                private = True
            elif roll < PRIVATE[net] + (0.55 if net is Network.INSTAGRAM else 0.3):
                post = s.recent_post(net, at)
        return self.converse(acc, at, said, private=private, post=post, factor=factor, harsh=harsh)

    def steps(self, start: float, end: float, low: float, high: float) -> list[float]:
        out, t = [], start
        while t < end:
            out.append(t)
            t += self.rng.uniform(low, high)
        return out

    def mixed(self, weights: tuple[int, int, int, int, int, int]) -> Said:
        says = self.s.says
        kind = self.rng.choices(("question", "praise", "chatter", "complaint", "feedback", "lead"), weights=weights)[0]
        if kind == "complaint":
            return says.complaint(says.problem(), says.severity())
        return {
            "question": says.question,
            "praise": says.praise,
            "chatter": says.chatter,
            "feedback": says.feedback,
            "lead": says.lead,
        }[kind]()

    def account_for(self, human: Human, index: int) -> Account:
        """Cross-network people write on both networks: the first two events go one to each."""
        if index < len(human.accounts):
            return human.accounts[index]
        return self.rng.choice(human.accounts)

    def live(self, human: Human) -> None:
        s, days, rng, says = self.s, self.s.days, self.rng, self.s.says
        persona = human.persona
        if persona in (p.ADVOCATE, p.COLD_ADVOCATE):
            end = days - 0.2 if persona == p.ADVOCATE else 0.5 * days
            for i, offset in enumerate(self.steps(rng.uniform(0, 6), end, 4, 10)):
                kind = rng.choices(("praise", "recommend", "chatter", "question"), weights=(50, 22, 16, 12))[0]
                said = {
                    "praise": says.praise,
                    "recommend": says.recommend,
                    "chatter": says.chatter,
                    "question": says.question,
                }[kind]()
                self.event(self.account_for(human, i), offset, said, factor=0.6)
        elif persona in (p.GOING_COLD, p.REGULAR):
            end = 0.5 * days if persona == p.GOING_COLD else days - 0.2
            low, high = (5, 12) if persona == p.GOING_COLD else (5, 13)
            for i, offset in enumerate(self.steps(rng.uniform(0, 8), end, low, high)):
                self.event(self.account_for(human, i), offset, self.mixed((30, 25, 22, 20, 3, 2)))
        elif persona == p.AT_RISK:
            self.at_risk(human)
        elif persona == p.NEW:
            self.newcomer(human)
        elif persona == p.ONE_OFF:
            self.event(human.accounts[0], rng.uniform(0, days), self.mixed((28, 16, 10, 34, 8, 4)))
        elif persona == p.SPAMMER:
            for _ in range(rng.randint(1, 3)):
                self.event(human.accounts[0], rng.uniform(0, days), says.spam())
        elif persona == p.INFLUENCER:
            acc = human.accounts[0]
            self.event(acc, rng.uniform(days * 0.3, days - 3), says.praise("cafe"), factor=0.0)
            self.event(acc, rng.uniform(days * 0.6, days - 1), rng.choice((says.question, says.lead))())
        if human.evidence == "crosspost":
            text = says.praise("coffee")
            at = s.moment(rng.uniform(days * 0.2, days * 0.45))
            for i, acc in enumerate(human.accounts):
                self.converse(acc, at + timedelta(minutes=7 * i + rng.randint(0, 5)), text, factor=0.0)

    def at_risk(self, human: Human) -> None:
        """Friendly at first; then a problem, raised again and again, ever angrier, and badly answered."""
        rng, days, says = self.rng, self.s.days, self.s.says
        early = sorted(rng.uniform(0, days - 30) for _ in range(rng.randint(2, 4)))
        for i, offset in enumerate(early):
            said = says.praise() if rng.random() < 0.6 else says.question()
            self.event(self.account_for(human, i), offset, said)
        problem, severity = says.problem(), rng.randint(2, 3)
        for offset in sorted(rng.uniform(days - 21, days - 0.3) for _ in range(rng.randint(1, 3))):
            complaint = says.complaint(problem, severity)
            self.event(rng.choice(human.accounts), offset, complaint, factor=0.5, harsh=True)
            severity = min(4, severity + 1)

    def newcomer(self, human: Human) -> None:
        """A first message in the last ten days; the team welcomes the first two newcomers, then stops."""
        s, rng, days, says = self.s, self.rng, self.s.days, self.s.says
        acc = human.accounts[0]
        offset = rng.uniform(days - 2, days - 0.05) if rng.random() < 0.35 else rng.uniform(days - 9.4, days - 2)
        said = rng.choices((says.hello, says.question, says.praise), weights=(55, 25, 20))[0]()
        first = self.event(acc, offset, said, factor=0.3 if said.intent == "question" else 0.0)
        if first is None:
            return
        if len(self.welcomed) < 2 and first.dm is None and said.intent != "question":
            at = s.reply_time(first.at, "praise")
            member = s.teammate(at)
            if s.answer(first, at, s.voice.welcome(first_name(acc), member.signs), "welcome", member=member):
                self.welcomed.append(acc)
        if rng.random() < 0.4:
            second = rng.choice((says.chatter, says.praise, says.question))()
            self.event(acc, offset + rng.uniform(0.5, 3), second, factor=0.2)

    # the brand's feed and what people say under it ---------------------------------------------------------
    def feed(self) -> None:
        s, rng, days = self.s, self.rng, self.s.days
        gaps = {
            a.network: [(g, g + rng.uniform(5, 8)) for g in (rng.uniform(3, days - 12) for _ in range(2))]
            for a in brand.ACCOUNTS
        }
        social = [a for a in brand.ACCOUNTS if a.network is not Network.BLOG]
        for d in range(days + 1):
            day = s.day(d).astimezone(s.tz)
            weekday = day.weekday() < 5
            events = 0 if rng.random() > (0.85 if weekday else 0.35) else 1 + (rng.random() < 0.3)
            for slot in rng.sample((9, 12, 17), events):
                at = day.replace(hour=slot, minute=rng.randrange(0, 20), second=0, microsecond=0).astimezone(
                    s.start.tzinfo
                )
                if s.in_holiday(at):
                    continue
                category = s.voice.category()
                slots = s.voice.post(category)
                boost = 1.15 if category == "promotional" else 0.8 if category == "chat" else 1.0
                for acc in social:
                    if any(a <= d < b for a, b in gaps[acc.network]) or rng.random() > acc.posts_a_week / 6.4 * boost:
                        continue
                    if acc.network is Network.MASTODON and at > s.mastodon_left:
                        continue
                    s.post(acc.network, at, s.voice.variant(acc.network, slots), category)
        for offset in self.steps(rng.uniform(1, 8), days, 12, 17):
            at = s.day(offset).astimezone(s.tz).replace(hour=10, minute=0, second=0, microsecond=0)
            if s.in_holiday(at) or at > s.now:
                continue
            category = rng.choices(("expertise", "authority", "reputation", "promotional"), weights=(35, 30, 20, 15))[0]
            title, body = s.voice.article(category)
            article = s.post(Network.BLOG, at.astimezone(s.start.tzinfo), body, category, title=title)
            if article is not None:
                share = f"New on the Journal: {title} {(article.ref.uri or brand.SITE).removeprefix('https://')}"
                for net in (Network.X, Network.FACEBOOK, Network.BLUESKY):
                    s.post(net, article.at + timedelta(minutes=rng.randint(20, 90)), share, category)

    def audience(self) -> None:
        """Comments under each post, from the people who are around at the time."""
        s, rng = self.s, self.rng
        cold_from = s.day(0.5 * s.days)
        posts = [m for m in s.messages if m.is_post]
        for post in posts:
            lam = COMMENT_RATE[post.category or "chat"] * NETWORK_RATE[post.network]
            pool = []
            for human in self.humans:
                acc = human.on(post.network)
                if acc is None or AUDIENCE_WEIGHT[human.persona] == 0:
                    continue
                if human.persona in (p.GOING_COLD, p.COLD_ADVOCATE) and post.at >= cold_from:
                    continue
                if human.persona == p.NEW and (human.key not in self.first_at or post.at < self.first_at[human.key]):
                    continue
                pool.append((acc, AUDIENCE_WEIGHT[human.persona]))
            if not pool:
                continue
            for _ in range(poisson(rng, lam)):
                acc = rng.choices([a for a, _ in pool], weights=[w for _, w in pool])[0]
                said = s.says.spam() if acc.human.persona == p.SPAMMER else s.says.comment(post.category or "chat")
                at = post.at + timedelta(minutes=min(rng.expovariate(1 / 180), 3 * 24 * 60) + 1)
                if acc.human.persona in (p.GOING_COLD, p.COLD_ADVOCATE) and at >= cold_from:
                    continue
                self.converse(acc, at, said, post=post, factor=0.8 if said.intent != "praise" else 0.5)


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, product = math.exp(-lam), 0, 1.0
    while True:
        product *= rng.random()
        if product <= limit:
            return k
        k += 1
