"""Small, documented text rules the audit uses until publishing (issue 9) labels posts itself.

- `is_promotional`: a stand-in classifier for the brand's own posts. A post is promotional when it carries
  at least two selling cues (a price or discount, a promo code, a shop link, a call to buy, scarcity or
  superlatives about ourselves), or one strong cue (a discount, a code, "shop now", "order today").
- `ad_score`: how much one post reads like an ad, 0 to 1 (the share of the cue families it shows).
- Replies: `is_apology`, `has_next_step`, `is_personal`, and `canned_key`, the text a reply would share
  with other replies if it were canned (mentions, the person's name and the sign-off taken out).
"""

from __future__ import annotations

import re

CUES = {
    "discount": re.compile(r"\d+\s?%\s?off|\bsave \d|\bsale\b|\bdeal\b|free shipping|\$\d+|\bdiscount", re.I),
    "code": re.compile(r"\b(?:use )?code [A-Z0-9]{4,}|\bcoupon\b|\bpromo\b", re.I),
    "shop": re.compile(r"/shop\b|/store\b|/products?/|\bshop (?:now|the|them|our)\b|\bin the shop\b|link in bio", re.I),
    "buy": re.compile(
        r"\border (?:a|your|today|now)|\bbuy\b|\bsubscribe\b|\bsign up\b|\btreat yourself\b|\bbundles?\b", re.I
    ),
    "scarcity": re.compile(r"\blimited\b|last chance|ends (?:at|today|tonight)|before it'?s gone|this week only", re.I),
    "boast": re.compile(
        r"\bthe best\b|#1\b|award-winning|guaranteed|\bnew in\b|\bit'?s back\b|meet the new|gift (?:card|guide)", re.I
    ),
}
STRONG = ("discount", "code", "shop")
APOLOGY = re.compile(r"\bsorry\b|\bapologi[sz]e|\bapologies\b|\bmy bad\b|\bour fault\b", re.I)
NEXT_STEP = re.compile(
    r"\bdm\b|direct message|private message|\bemail\b|\bcall\b|order number|\bwe'?ll\b|\bi'?ll\b|\bwe will\b|"
    r"\bi will\b|\brefund|\breplace|on (?:its|the) way|\bfollow(?:ing)? up\b|\blook into\b|\bsort (?:it|this)\b|"
    r"\bsend (?:you|us)\b|\bfix(?:ed)?\b|\bcheck back\b",
    re.I,
)
MENTION = re.compile(r"(?<!\w)@[\w.\-]+(?:@[\w.\-]+)?")
SIGN_OFF = re.compile(r"(?:\s[-–—~^]\s?[A-Z][\w.]*(?:\s[A-Z][\w.]*)?|\s\^[A-Z]{1,3})\s*$")
SPACE = re.compile(r"\s+")


def cues(text: str) -> set[str]:
    return {name for name, pattern in CUES.items() if pattern.search(text)}


def is_promotional(text: str) -> bool:
    found = cues(text)
    return len(found) >= 2 or any(cue in found for cue in STRONG)


def ad_score(text: str) -> float:
    return len(cues(text)) / len(CUES)


def is_apology(text: str) -> bool:
    return APOLOGY.search(text) is not None


def has_next_step(text: str) -> bool:
    return NEXT_STEP.search(text) is not None


def is_personal(text: str, first_name: str | None) -> bool:
    """Addresses the person by name, or is signed by a person ("– Sam", "^JK")."""
    if SIGN_OFF.search(text):
        return True
    if first_name and len(first_name) > 1:
        return re.search(rf"\b{re.escape(first_name)}\b", MENTION.sub(" ", text), re.I) is not None
    return False


def canned_key(text: str, first_name: str | None) -> str:
    body = SIGN_OFF.sub("", MENTION.sub(" ", text))
    if first_name and len(first_name) > 1:
        body = re.sub(rf"\b{re.escape(first_name)}\b", "", body, flags=re.I)
    return SPACE.sub(" ", body).strip().lower()
