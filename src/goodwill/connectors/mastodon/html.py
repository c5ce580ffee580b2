"""Mastodon status HTML -> plain text that keeps every link, mention and hashtag.

Mastodon sends `<p>` paragraphs, `<br>` line breaks, mentions as `<span class="h-card"><a class="u-url
mention" href=...>@<span>user</span></a></span>`, hashtags as `<a class="mention hashtag">#<span>tag</span></a>`,
and shortens long links for display with `<span class="invisible">` parts, which are kept here so the text
holds the whole URL. A mention becomes its full `@user@domain` (from the status' `mentions[]`, matched on the
profile URL) so two people called @anna on two servers stay apart. Any other link whose text is not its URL
becomes `text (url)`. Offsets of the entities found are in characters of the returned text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from goodwill.domain.message import Entity

BLOCKS = {"p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(slots=True)
class _Link:
    href: str
    classes: set[str]
    start: int
    parts: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self, mentions: dict[str, dict[str, Any]]) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.length = 0
        self.link: _Link | None = None
        self.entities: list[Entity] = []
        self.mentions = mentions
        # ActivityPub tags give the actor URI, the HTML the profile URL: fall back to the user name when unique.
        names: dict[str, list[dict[str, Any]]] = {}
        for account in mentions.values():
            names.setdefault(str(account.get("acct", "")).split("@", 1)[0].lower(), []).append(account)
        self.by_name = {name: found[0] for name, found in names.items() if len(found) == 1}
        self.blocks = 0

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.length += len(text)

    def _break(self, text: str) -> None:
        if self.out:
            self._emit(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "br":
            self._emit("\n")
        elif tag in BLOCKS:
            if self.blocks:
                self._break("\n\n")
            self.blocks += 1
        elif tag == "li":
            self._break("\n- ")
        elif tag == "a" and self.link is None:
            self.link = _Link(attributes.get("href") or "", set((attributes.get("class") or "").split()), self.length)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.link is not None:
            link, self.link = self.link, None
            shown = "".join(link.parts)
            if "mention" in link.classes and "hashtag" not in link.classes and shown.startswith("@"):
                account = self.mentions.get(link.href) or self.by_name.get(shown[1:].lower())
                acct = account.get("acct") if account else shown[1:]
                value = f"@{acct}"
                self._emit(value)
                self.entities.append(
                    Entity(
                        "mention",
                        str(acct),
                        link.start,
                        link.start + len(value),
                        "chars",
                        str(account["id"]) if account and account.get("id") else None,
                    )
                )
            elif "hashtag" in link.classes or shown.startswith("#"):
                self._emit(shown)
                self.entities.append(Entity("hashtag", shown.lstrip("#"), link.start, link.start + len(shown), "chars"))
            else:
                value = shown if _same_url(shown, link.href) or not link.href else f"{shown} ({link.href})"
                self._emit(value)
                self.entities.append(Entity("link", link.href or shown, link.start, link.start + len(value), "chars"))

    def handle_data(self, data: str) -> None:
        if self.link is not None:
            self.link.parts.append(data)
        else:
            self._emit(data)


def _same_url(shown: str, href: str) -> bool:
    def bare(url: str) -> str:
        return url.strip().removeprefix("https://").removeprefix("http://").rstrip("/")

    return bare(shown) == bare(href)


def html_to_text(html: str, mentions: list[dict[str, Any]] | None = None) -> tuple[str, list[Entity]]:
    """Plain text and its entities; `mentions` is the status' `mentions[]` (id, acct, url)."""
    by_url = {str(m.get("url")): m for m in mentions or [] if m.get("url")}
    parser = _Parser(by_url)
    parser.feed(html or "")
    parser.close()
    if parser.link is not None:  # an unclosed <a>: keep what it showed
        parser._emit("".join(parser.link.parts))
    text = "".join(parser.out)
    stripped = text.rstrip()
    return stripped, [e for e in parser.entities if (e.end or 0) <= len(stripped)]
