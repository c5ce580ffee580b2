"""The content mix classifier: what each of the brand's own messages is, from its text and its place.

Three kinds, after the marketing writing goodwill serves ("a good strategy mixes broadcast, chat and
engagement"):
- **engagement**: the brand talks *with* someone: a reply, a private message, or a post that asks the
  audience a question or invites answers ("what are you brewing this weekend?").
- **chat**: conversational posts that neither inform nor sell: greetings, hot takes, reactions.
- **broadcast**: the brand talks *to* its audience, either **promotional** (selling: prices, codes, shop
  links, calls to buy, scarcity, boasting) or useful content of one of four kinds:
  **reputation** (what we stand for and how we are seen: sourcing, sustainability, awards, thanks, giving),
  **authority** (explaining the field: articles, guides, news and what it means, "why"),
  **visibility** (being present and human: behind the scenes, the team, events, service updates),
  **expertise** (practical help the reader can use: tips, how-tos, fixes).

Rules, in order: a reply or private message is engagement; a post with a strong selling cue (a discount,
a code, a shop link) or two selling cue families is promotional; else the useful family with the most
cues (ties: expertise, authority, reputation, visibility); else a post that starts by naming someone
(@handle) or asks the audience to answer is engagement; else chat. The accuracy of these rules
is measured in docs/publishing.md on a labelled sample they were not written from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum


class MixKind(StrEnum):
    BROADCAST = "broadcast"
    CHAT = "chat"
    ENGAGEMENT = "engagement"


class Category(StrEnum):
    PROMOTIONAL = "promotional"
    REPUTATION = "reputation"
    AUTHORITY = "authority"
    VISIBILITY = "visibility"
    EXPERTISE = "expertise"
    CHAT = "chat"
    ENGAGEMENT = "engagement"

    @property
    def kind(self) -> MixKind:
        if self is Category.CHAT:
            return MixKind.CHAT
        if self is Category.ENGAGEMENT:
            return MixKind.ENGAGEMENT
        return MixKind.BROADCAST


USEFUL = (Category.EXPERTISE, Category.AUTHORITY, Category.REPUTATION, Category.VISIBILITY)  # tie order

SELLING = {
    "discount": re.compile(
        r"\d+\s?%\s?off|\bsave (?:\d|up to)|\bsale\b|\bdeals?\b|free (?:shipping|delivery)|[$£€]\s?\d+|\bdiscount",
        re.I,
    ),
    "code": re.compile(r"\b(?:use )?(?:promo )?code [A-Z0-9]{4,}|\bcoupon\b|\bpromo\b|\bvoucher\b", re.I),
    "shop": re.compile(
        r"/shop\b|/store\b|/products?/|\bshop (?:now|the|them|our|online)\b|\bin the shop\b|link in bio",
        re.I,
    ),
    "buy": re.compile(
        r"\border (?:a|your|today|now|online)|\bbuy\b|\bsubscribe\b|\bsign up\b|\btreat yourself\b|\bbundles?\b|"
        r"\bpre-?order\b|\bget yours\b",
        re.I,
    ),
    "scarcity": re.compile(
        r"\blimited\b|last chance|ends (?:at|today|tonight|soon|sunday|midnight)|before it'?s gone|this week only|"
        r"\bhurry\b|while stocks? last|\bflash\b",
        re.I,
    ),
    "boast": re.compile(
        r"\bthe best\b|#1\b|\bnumber one\b|guaranteed|\bnew in\b|\bit'?s back\b|meet the new|gift (?:card|guide)|"
        r"perfect (?:present|gift)",
        re.I,
    ),
}
STRONG = ("discount", "code", "shop")
FAMILIES: dict[Category, re.Pattern[str]] = {
    Category.EXPERTISE: re.compile(
        r"\btips?\b|\bhow to\b|\bhere'?s how\b|\btry\b|\bstep\b|\bguide to\b|"
        r"\bfix\b|\btroubleshoot|\bavoid\b|\bmake sure\b|\bremember to\b|"
        r"\bdon'?t forget\b|\bstore (?:your|beans|it)\b|"
        r"\bcoarser\b|\bfiner\b|\bratio\b|\d\s?°|\b\d+:\d+ at\b|\bsettings?\b|\bquick tip\b|\bprotip\b|\bhack\b|"
        r"\bbefore you\b",
        re.I,
    ),
    Category.AUTHORITY: re.compile(
        r"\bwhat (?:does|is|are) .{2,60}\bmean\b|\bexplained\b|\bwhy\b|\bnew on the (?:blog|journal)\b|\bread\b|"
        r"\barticle\b|\bresearch\b|\bstudy\b|\breport\b|\bdata\b|\bfacts?\b|\bhistory of\b|\bwhat to look for\b|"
        r"\bthe science\b|\bindustry\b|\btrends?\b|\bshort guide\b|\bdeep dive\b",
        re.I,
    ),
    Category.REPUTATION: re.compile(
        r"\bfair ?trade\b|\bsustainab|\bcompostable\b|\brecycl|\bethical|\bdirect(?:ly)? from\b|\bfarmers?\b|"
        r"\bwe paid\b|\bproud\b|\bawards?\b|\bcertified\b|\bdonat|\bcharity\b|\bcommunity\b|"
        r"\bthank you (?:to|for)\b|\bthanks to\b|\breviews?\b|\bcustomers? (?:say|love)\b|\bwhy it matters\b|"
        r"\bour (?:promise|values|mission)\b|\bcarbon\b|\bpartner(?:ed|ship)\b",
        re.I,
    ),
    Category.VISIBILITY: re.compile(
        r"\bbehind the scenes\b|\bmeet (?:our|the team)\b|\bsay hi\b|\bour team\b|\bcome (?:see|say|visit)\b|"
        r"\bjoin us\b|\bwe'?re at\b|\bsee you\b|\bthis (?:morning|week|weekend) at\b|\bevent\b|\blive\b|"
        r"\bfired up\b|\bopening hours\b|\bservice update\b|\bcupping\b|\bdisruption\b|\bdelay(?:s|ed)?\b|"
        r"\bincident\b|\boutage\b|\bclosed\b|\brunning (?:late|again|normally)\b|"
        r"\bat \d{1,2}\s?(?:am|pm)\b|\bpulled \d+\b",
        re.I,
    ),
}
QUESTION = re.compile(
    r"\?\s*(?:#\S+\s*)*(?:https?://\S+\s*)*$|\b(?:tell us|let us know|in the comments|comment below|"
    r"agree or disagree|settle it|share (?:your|yours)|tweet (?:us )?your|show us|tag (?:a friend|us)|reply with|"
    r"what'?s your|which (?:one|do you)|vote\b|caption this)\b",
    re.I,
)
ADDRESSED = re.compile(r"^\s*(?:\.?@[\w.\-]+(?:@[\w.\-]+)?\s*)+")  # starts by naming someone: a personal message


@dataclass(frozen=True, slots=True)
class Classification:
    category: Category
    evidence: tuple[str, ...]  # the cue families or facts that decided it

    @property
    def kind(self) -> MixKind:
        return self.category.kind

    @property
    def promotional(self) -> bool:
        return self.category is Category.PROMOTIONAL

    def as_dict(self) -> dict[str, object]:
        return {"category": self.category.value, "kind": self.kind.value, "evidence": list(self.evidence)}


def selling_cues(text: str) -> set[str]:
    return {name for name, pattern in SELLING.items() if pattern.search(text)}


def is_selling(text: str) -> bool:
    found = selling_cues(text)
    return len(found) >= 2 or any(cue in found for cue in STRONG)


def ad_score(text: str) -> float:
    """How much one text reads like an ad, 0 to 1: the share of the selling cue families it shows."""
    return len(selling_cues(text)) / len(SELLING)


def post_mix(text: str) -> tuple[bool, float]:
    """(promotional, ad score) of one own post from one look at its selling cues: the same answers as
    `classify_post(text).promotional` and `ad_score(text)` (the audit's content mix reads tens of thousands)."""
    promotional, selling = post_mix_counts(text)
    return promotional, selling / len(SELLING)


def post_mix_counts(text: str) -> tuple[bool, int]:
    """(promotional, how many selling cue families) of one own post: what `post_mix` is made of, and what
    goodwill.publishing.stored_mix stores (the ad score is the count over len(SELLING))."""
    selling = selling_cues(text)
    promotional = not ADDRESSED.match(text) and (len(selling) >= 2 or any(cue in selling for cue in STRONG))
    return promotional, len(selling)


def _mix_version() -> str:
    """A digest of everything `post_mix` depends on: stored answers (goodwill.publishing.stored_mix) made by
    another version of these rules no longer count."""
    parts = [f"{name}:{p.pattern}:{p.flags}" for name, p in SELLING.items()]
    parts += [",".join(STRONG), f"{ADDRESSED.pattern}:{ADDRESSED.flags}"]
    return "mix-" + hashlib.blake2b("\n".join(parts).encode(), digest_size=8).hexdigest()


MIX_VERSION = _mix_version()


def text_hash(text: str) -> int:
    """A 64-bit digest of a text (signed, to fit a BIGINT): a stored answer counts only for the text it was
    made from (a post edited or redacted since is classified again)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def classify_post(text: str, *, reply: bool = False, private: bool = False) -> Classification:
    """The category of one own message. `reply`: it answers someone; `private`: a direct message."""
    if private:
        return Classification(Category.ENGAGEMENT, ("private message",))
    if reply:
        return Classification(Category.ENGAGEMENT, ("reply",))
    if ADDRESSED.match(text):
        return Classification(Category.ENGAGEMENT, ("addressed to someone",))
    selling = selling_cues(text)
    if len(selling) >= 2 or any(cue in selling for cue in STRONG):
        return Classification(Category.PROMOTIONAL, tuple(sorted(selling)))
    scores = {family: len(pattern.findall(text)) for family, pattern in FAMILIES.items()}
    best = max(USEFUL, key=lambda family: scores[family])  # max keeps the first of equal scores: the tie order
    if scores[best] > 0:
        return Classification(best, (f"{best.value} cues: {scores[best]}",))
    if QUESTION.search(text.strip()):
        return Classification(Category.ENGAGEMENT, ("asks the audience",))
    return Classification(Category.CHAT, ("no selling or useful cue",))


def classify_many(rows: list[tuple[str, bool, bool]]) -> list[Classification]:
    """`classify_post` over (text, reply, private) rows."""
    return [classify_post(text, reply=reply, private=private) for text, reply, private in rows]
