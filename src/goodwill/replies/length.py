"""Each network's length limit and how it counts, and fitting a reply into it.

Counting follows the networks: X weighs text (twitter-text v3: Latin and common punctuation 1, other
characters such as CJK and emoji 2, every URL 23); Bluesky counts graphemes (a family emoji is one); Mastodon
counts characters with every URL as 23 and takes the instance's own limit from the channel's config
(`max_characters`, 500 by default); the rest count characters. The grapheme count is an approximation of
UAX #29 good enough for limits (combining marks, joiners, variation selectors, skin tones, flags, tags).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

URL = re.compile(r"https?://\S+", re.IGNORECASE)
URL_WEIGHT = 23
PUBLIC_LIMITS: dict[str, int | None] = {
    "x": 280,
    "bluesky": 300,
    "mastodon": 500,
    "instagram": 2200,
    "facebook": 8000,
    "linkedin": 1250,
    "blog": None,
    "other": None,
}
DIRECT_LIMITS: dict[str, int | None] = {
    "x": 10_000,
    "bluesky": 1000,
    "mastodon": 500,
    "instagram": 1000,
    "facebook": 2000,
    "linkedin": 8000,
}
X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
ELLIPSIS = "…"


def limit_for(network: str | None, *, direct: bool = False, config: Mapping[str, Any] | None = None) -> int | None:
    """The longest reply `network` takes (None: no practical limit); a channel's `max_characters` wins."""
    configured = (config or {}).get("max_characters")
    if isinstance(configured, int) and configured > 0:
        return configured
    if network is None:
        return None
    table = DIRECT_LIMITS if direct else PUBLIC_LIMITS
    return table.get(network, PUBLIC_LIMITS.get(network))


def _joins(ch: str, previous: str) -> bool:
    """True when `ch` continues the grapheme that `previous` belongs to."""
    cp = ord(ch)
    if previous == "\u200d":
        return True
    if unicodedata.category(ch) in ("Mn", "Me", "Mc") or cp in (0x200D, 0xFE0E, 0xFE0F):
        return True
    return 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F


def graphemes(text: str) -> list[str]:
    clusters: list[str] = []
    pending_flag = False
    for ch in text:
        regional = 0x1F1E6 <= ord(ch) <= 0x1F1FF
        if clusters and (_joins(ch, clusters[-1][-1]) or (regional and pending_flag)):
            clusters[-1] += ch
            pending_flag = False
            continue
        clusters.append(ch)
        pending_flag = regional
    return clusters


def _x_weight(cluster: str) -> int:
    cp = ord(cluster[0])
    if len(cluster) > 1 and not unicodedata.combining(cluster[1]):
        return 2  # an emoji sequence counts as one emoji
    return 1 if any(lo <= cp <= hi for lo, hi in X_LIGHT) else 2


LEADING_MENTIONS = re.compile(r"^(?:@\w{1,15}\s+)+")


def measure(text: str, network: str | None) -> int:
    """The length of `text` as `network` counts it (on X, the @mentions a reply starts with are free)."""
    if network == "x":
        text = LEADING_MENTIONS.sub("", text)
    if network in ("x", "mastodon"):
        urls = URL.findall(text)
        rest = URL.sub("", text)
        if network == "mastodon":
            return len(rest) + URL_WEIGHT * len(urls)
        return sum(_x_weight(c) for c in graphemes(rest)) + URL_WEIGHT * len(urls)
    if network == "bluesky":
        return len(graphemes(text))
    return len(text)


def truncate(text: str, limit: int, network: str | None) -> str:
    """`text` cut at a word boundary (with an ellipsis) so that it measures at most `limit`."""
    if measure(text, network) <= limit:
        return text
    words = text.split(" ")
    while words:
        words.pop()
        candidate = " ".join(words).rstrip(" ,;:-–") + ELLIPSIS
        if measure(candidate, network) <= limit:
            return candidate
    clusters = graphemes(text)
    while clusters and measure("".join(clusters) + ELLIPSIS, network) > limit:
        clusters.pop()
    return "".join(clusters) + ELLIPSIS


def fit(parts: Sequence[tuple[str, int]], limit: int | None, network: str | None) -> str:
    """Join `parts` (text, rank) with spaces, dropping the highest ranks first until the text fits.

    Rank 0 is never dropped; what is left is cut at a word boundary only as a last resort.
    """
    kept = [(text.strip(), weight, i) for i, (text, weight) in enumerate(parts) if text.strip()]

    def joined() -> str:
        return " ".join(text for text, _w, _i in kept)

    if limit is None:
        return joined()
    while measure(joined(), network) > limit:
        optional = [k for k in kept if k[1] > 0]
        if not optional:
            return truncate(joined(), limit, network)
        drop = max(optional, key=lambda k: (k[1], k[2]))
        kept.remove(drop)
    return joined()
