"""What an Identity's profile says about who is behind it: the clues a merge of People is judged on.

Read from `Identity.profile` (the platform's newest account object, kept by ingest) and the Identity's own
columns; never fetched. Each clue is a (kind, value) pair; two Identities that share a clue are evidence of
one human behind both, as strong as the clue:

- email: the same e-mail address (WordPress keeps a SHA-256 of the commenter's address; a LinkedIn
  connection's address is hashed the same way) - strong;
- verified link: a website one profile proves it owns (a Mastodon field with `verified_at`, a Bluesky handle
  that is the domain) and the other profile links - strong;
- declared handle: one profile links the other account (x.com/NAME, bsky.app/profile/NAME, @user@host) -
  strong;
- website: the same personal website on both, unverified - likely;
- avatar: the same picture URL (not a network's default) - likely;
- handle: the same user name on two networks - possible;
- name: the same display name - adds to the others, never enough alone (common names are shared by strangers).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from goodwill.store.tables import Identity

URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
HREF = re.compile(r"""href=["']([^"']+)["']""", re.IGNORECASE)
DOMAIN = re.compile(r"(?<![@\w.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(/[^\s]*)?", re.IGNORECASE)
PROFILE_LINKS = (  # (network, pattern of a link to an account there)
    ("x", re.compile(r"(?:twitter|x)\.com/@?([A-Za-z0-9_]{1,15})\b", re.IGNORECASE)),
    ("instagram", re.compile(r"instagram\.com/([A-Za-z0-9_.]{1,30})", re.IGNORECASE)),
    ("bluesky", re.compile(r"bsky\.app/profile/([A-Za-z0-9.-]+)", re.IGNORECASE)),
    ("mastodon", re.compile(r"(?<![\w.])@([A-Za-z0-9_]+@[A-Za-z0-9.-]+\.[a-z]{2,})", re.IGNORECASE)),
)
NOT_PERSONAL = {  # hosts that are not one person's website (networks, link hubs, mail, shorteners)
    "x.com",
    "twitter.com",
    "t.co",
    "instagram.com",
    "facebook.com",
    "fb.com",
    "bsky.app",
    "bsky.social",
    "linkedin.com",
    "youtube.com",
    "tiktok.com",
    "linktr.ee",
    "gmail.com",
    "github.com",
    "medium.com",
    "substack.com",
    "gravatar.com",
    "mastodon.social",
    "threads.net",
    "bit.ly",
    "lnk.bio",
    "beacons.ai",
}
DEFAULT_AVATARS = re.compile(r"default_profile|/avatars/original/missing|d=mm|\?psid=", re.IGNORECASE)


@dataclass(slots=True)
class Clues:
    identity_id: int
    person_id: int
    network: str
    name: str  # folded display name, "" when unknown
    websites: dict[str, bool] = field(default_factory=dict)  # normalised site -> verified by its own network
    emails: set[str] = field(default_factory=set)  # SHA-256 of the lower-cased address
    handles: set[str] = field(default_factory=set)  # user names, folded
    declared: set[tuple[str, str]] = field(default_factory=set)  # (network, handle) of accounts it links
    own: set[tuple[str, str]] = field(default_factory=set)  # (network, handle) this identity is known by
    avatar: str | None = None


def fold(text: str | None) -> str:
    if not text:
        return ""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", ascii_.lower()).split())


def email_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def site(url: str) -> str | None:
    """A personal website as host (without www.) plus path, or None for a network, hub or mail host."""
    text = url.strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("?", 1)[0].split("#", 1)[0].rstrip("/.,;)")
    host, _, path = text.partition("/")
    host = host.removeprefix("www.").split(":", 1)[0]
    if "." not in host or host in NOT_PERSONAL or any(host.endswith("." + h) for h in NOT_PERSONAL):
        return None
    return f"{host}/{path}" if path else host


def _text_urls(text: str) -> list[str]:
    found = URL.findall(text) + HREF.findall(text)
    plain = html.unescape(re.sub(r"<[^>]+>", " ", text))
    found += [m.group(0) for m in DOMAIN.finditer(plain) if "@" not in m.group(0)]
    return found


def _declared(text: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for network, pattern in PROFILE_LINKS:
        out.update((network, m.group(1).lower()) for m in pattern.finditer(text))
    return out


def clues_of(identity: Identity) -> Clues:
    """Every clue in one Identity's columns and profile (see the module doc)."""
    assert identity.person_id is not None
    profile: dict[str, Any] = identity.profile or {}
    c = Clues(identity.id, identity.person_id, identity.network, fold(identity.display_name))
    handle = (identity.handle or "").lower().lstrip("@")
    if identity.avatar_url and not DEFAULT_AVATARS.search(identity.avatar_url):
        c.avatar = identity.avatar_url
    reader = _READERS.get(identity.network)
    if reader is not None:
        reader(c, profile, handle)
    elif handle:
        c.handles.add(handle)
        c.own.add((identity.network, handle))
    for key in ("EMAIL ADDRESS", "email"):  # a LinkedIn connection row; a generic profile
        if isinstance(profile.get(key), str) and "@" in profile[key]:
            c.emails.add(email_digest(profile[key]))
    return c


def _add_text(c: Clues, text: str, *, verified: bool = False) -> None:
    for url in _text_urls(text):
        s = site(url)
        if s:
            c.websites[s] = c.websites.get(s, False) or verified
    c.declared |= _declared(text)


def _x(c: Clues, p: dict[str, Any], handle: str) -> None:
    for part in ("url", "description"):
        for u in ((p.get("entities") or {}).get(part) or {}).get("urls") or []:
            _add_text(c, str(u.get("expanded_url") or ""))
    _add_text(c, str(p.get("description") or ""))
    if handle:
        c.handles.add(handle)
        c.own.add(("x", handle))


def _mastodon(c: Clues, p: dict[str, Any], handle: str) -> None:
    for f in p.get("fields") or []:
        _add_text(c, str(f.get("value") or ""), verified=bool(f.get("verified_at")))
    _add_text(c, str(p.get("note") or ""))
    user = handle.split("@", 1)[0]
    if user:
        c.handles.add(user)
        c.own.add(("mastodon", handle))
        c.own.add(("mastodon", user))


def _bluesky(c: Clues, p: dict[str, Any], handle: str) -> None:
    _add_text(c, str(p.get("description") or ""))
    if handle.endswith(".bsky.social"):
        c.handles.add(handle.removesuffix(".bsky.social"))
    elif handle:
        s = site(handle)  # a domain handle: Bluesky checked that the person controls the domain
        if s:
            c.websites[s] = True
    if handle:
        c.own.add(("bluesky", handle))


def _instagram(c: Clues, p: dict[str, Any], handle: str) -> None:
    if handle:
        c.handles.add(handle)
        c.own.add(("instagram", handle))


def _blog(c: Clues, p: dict[str, Any], handle: str) -> None:
    url = str(p.get("author_url") or "")
    if url:
        _add_text(c, url)
    digest = p.get("author_email_hash")
    if isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest):
        c.emails.add(digest)


def _linkedin(c: Clues, p: dict[str, Any], handle: str) -> None:
    if handle:
        c.own.add(("linkedin", handle))


_READERS = {
    "x": _x,
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "instagram": _instagram,
    "facebook": lambda c, p, h: None,
    "blog": _blog,
    "linkedin": _linkedin,
}
