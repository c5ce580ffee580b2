"""The tone guard: what a draft reply does wrong, each finding with the words that triggered it and a fix.

Pure: `check_draft(text, context)` reads nothing from the database (goodwill.replies.context builds the
context from a conversation), so the CLI, the API, suggestions, generative drafts and the evaluation all run
the same code. A finding is `block` (do not send as it is) or `warn` (worth a second look).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from goodwill.replies import lexicon as lx
from goodwill.replies.length import URL, measure, truncate


class Check(StrEnum):
    OVERSELL = "oversell"  # ad language and selling in a reply
    SELF_FOCUS = "self_focus"  # talking about ourselves more than about the person
    DEFENSIVE = "defensive"  # defensiveness or blaming the customer
    NO_APOLOGY = "no_apology"  # a complaint answered without an apology
    NO_NEXT_STEP = "no_next_step"  # a complaint answered without a next step
    CANNED = "canned"  # identical or near-identical to many recent replies
    NO_NAME = "no_name"  # the person's name missing where the brand's style wants it
    TOO_LONG = "too_long"  # over the network's length limit
    PRIVATE_DATA = "private_data"  # a public reply asking for private data


class Level(StrEnum):
    BLOCK = "block"
    WARN = "warn"


@dataclass(frozen=True, slots=True)
class Finding:
    check: Check
    level: Level
    message: str
    words: tuple[str, ...] = ()  # what in the draft triggered it
    suggestion: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check.value,
            "level": self.level.value,
            "message": self.message,
            "words": list(self.words),
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True, slots=True)
class DraftContext:
    """What the guard knows about the reply's situation; every field is optional."""

    network: str | None = None
    limit: int | None = None
    public: bool = True
    intent: str | None = None  # of the message answered
    severity: int = 0
    first_reply: bool = True  # the brand has not answered in this conversation yet
    first_name: str | None = None
    want_name: bool = False  # the brand's style: address the person by name
    recent: Sequence[str] = ()  # the brand's recent replies in other conversations
    canned_after: int = 3  # this many near-identical recent replies make a draft canned
    canned_similarity: float = 0.9
    disabled: frozenset[str] = field(default_factory=frozenset)  # checks the workspace turned off


def blocking(findings: Iterable[Finding]) -> bool:
    return any(f.level is Level.BLOCK for f in findings)


def check_draft(text: str, context: DraftContext | None = None) -> list[Finding]:
    """Every finding for `text` as a reply in `context`, blocking ones first."""
    ctx = context or DraftContext()
    findings: list[Finding] = []
    for check in (
        _oversell,
        _self_focus,
        _defensive,
        _complaint,
        _canned,
        _name,
        _length,
        _private_data,
    ):
        findings.extend(check(text, ctx))
    findings = [f for f in findings if f.check.value not in ctx.disabled]
    return sorted(findings, key=lambda f: f.level is not Level.BLOCK)


def _hits(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0).strip() for m in pattern.finditer(text)]


def _oversell(text: str, ctx: DraftContext) -> list[Finding]:
    score, words, kinds = 0, [], []
    for pattern, weight, kind in lx.SELLING:
        found = _hits(pattern, text)
        if found:
            score += weight
            words.extend(found)
            kinds.append(kind)
    if score < lx.SELLING_WARN:
        return []
    level = Level.BLOCK if score >= lx.SELLING_BLOCK else Level.WARN
    what = ", ".join(dict.fromkeys(kinds))
    return [
        Finding(
            Check.OVERSELL,
            level,
            f"reads like an ad ({what}): a reply is a conversation, not a pitch",
            tuple(dict.fromkeys(words)),
            "Answer what the person said; leave offers out unless they asked for one.",
        )
    ]


def _self_focus(text: str, ctx: DraftContext) -> list[Finding]:
    self_words = _hits(lx.SELF, text)
    you_words = _hits(lx.YOU, text)
    named = 1 if ctx.first_name and ctx.first_name.lower() in text.lower() else 0
    if len(self_words) < lx.SELF_MIN or len(self_words) < lx.SELF_RATIO * max(len(you_words) + named, 1):
        return []
    return [
        Finding(
            Check.SELF_FOCUS,
            Level.WARN,
            f"talks about us {len(self_words)} times and about them {len(you_words) + named}",
            tuple(dict.fromkeys(w.lower() for w in self_words)),
            "Turn it round: start from the person and what they get ('you', their name).",
        )
    ]


def _defensive(text: str, ctx: DraftContext) -> list[Finding]:
    strong: list[str] = []
    weak: list[str] = []
    for pattern, blocks in lx.DEFENSIVE:
        (strong if blocks else weak).extend(_hits(pattern, text))
    if not strong and not weak:
        return []
    return [
        Finding(
            Check.DEFENSIVE,
            Level.BLOCK if strong else Level.WARN,
            "defends the brand or puts the blame on the customer",
            tuple(dict.fromkeys(strong + weak)),
            "Own the problem: say sorry for what happened and what you will do, not who is at fault.",
        )
    ]


def _complaint(text: str, ctx: DraftContext) -> list[Finding]:
    if ctx.intent != "complaint":
        return []
    # the apology belongs in the brand's first answer; later turns in the thread need a next step only
    # and is owed where the person voiced disapproval or worse (triage severity 2 and up)
    apology = lx.APOLOGY.search(text) is not None or not ctx.first_reply or ctx.severity < 2
    step = lx.NEXT_STEP.search(text) is not None
    level = Level.BLOCK if not apology and not step else Level.WARN
    findings = []
    if not apology:
        findings.append(
            Finding(
                Check.NO_APOLOGY,
                level,
                "answers a complaint without an apology",
                (),
                "Start with a plain apology that names the problem ('I'm sorry your order is late').",
            )
        )
    if not step:
        findings.append(
            Finding(
                Check.NO_NEXT_STEP,
                level,
                "answers a complaint without a next step",
                (),
                "Say what happens next: take it to DM or email and when you will follow up.",
            )
        )
    return findings


WORD = re.compile(r"[a-z']+")
MENTION = re.compile(r"[@#]\w[\w.]*")


def normalise(text: str) -> tuple[str, ...]:
    """The words of a reply without mentions, links, numbers, emoji and signatures: what canned replies share."""
    text = URL.sub(" ", MENTION.sub(" ", text.lower()))
    text = re.sub(r"[-–—^*]\s*[a-z]{1,12}\s*$", " ", text.strip())  # a trailing "-KC" or "– Sam" signature
    return tuple(WORD.findall(text))


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if a == b:
        return 1.0
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def near_copies(text: str, recent: Iterable[str], threshold: float = 0.9) -> tuple[int, int]:
    """How many `recent` replies say exactly what `text` says (apart from mentions, links, numbers, emoji,
    punctuation and a sign-off), and how many nearly (word overlap at least `threshold`)."""
    words = normalise(text)
    if len(words) < 3:
        return 0, 0
    exact = near = 0
    for other in recent:
        score = similarity(words, normalise(other))
        exact += score == 1.0
        near += score >= threshold
    return exact, near


def _canned(text: str, ctx: DraftContext) -> list[Finding]:
    """Word for word the same as `canned_after` recent replies blocks; nearly the same (a name swapped in) warns."""
    if not ctx.recent:
        return []
    exact, near = near_copies(text, ctx.recent, ctx.canned_similarity)
    if near < ctx.canned_after:
        return []
    words = normalise(text)
    level = Level.BLOCK if exact >= ctx.canned_after else Level.WARN
    how = "the same as" if level is Level.BLOCK else "nearly the same as"
    return [
        Finding(
            Check.CANNED,
            level,
            f"{how} {near if level is Level.WARN else exact} recent replies to other people: it reads as a copy-paste",
            (" ".join(words[:8]) + ("…" if len(words) > 8 else ""),),
            "Make it about this person: their name, what they said, what you will do for them.",
        )
    ]


def _name(text: str, ctx: DraftContext) -> list[Finding]:
    if not ctx.want_name or not ctx.first_name or ctx.first_name.lower() in text.lower():
        return []
    return [
        Finding(
            Check.NO_NAME,
            Level.WARN,
            f"does not use {ctx.first_name}'s name",
            (),
            f"Address them by name: 'Hi {ctx.first_name}, ...'.",
        )
    ]


def _length(text: str, ctx: DraftContext) -> list[Finding]:
    if ctx.limit is None:
        return []
    size = measure(text, ctx.network)
    if size <= ctx.limit:
        return []
    return [
        Finding(
            Check.TOO_LONG,
            Level.BLOCK,
            f"{size} characters where {ctx.network or 'the network'} takes {ctx.limit}",
            (),
            "Cut it to: " + truncate(text, ctx.limit, ctx.network),
        )
    ]


def _private_data(text: str, ctx: DraftContext) -> list[Finding]:
    secrets = [s for s in lx.SENTENCE.split(text) if lx.SECRET_ASK.search(s)]
    secrets = [s for s in secrets if not lx.NOT_ASKING.search(s)]
    findings = []
    if secrets:
        findings.append(
            Finding(
                Check.PRIVATE_DATA,
                Level.BLOCK,
                "asks for a password or a security code: never ask for those, in public or in private",
                tuple(dict.fromkeys(m.group(0) for s in secrets for m in lx.SECRET_ITEM.finditer(s))),
                "Send them to the password reset or the secure form instead.",
            )
        )
    if not ctx.public:
        return findings
    asked = [
        s
        for s in lx.SENTENCE.split(text)
        if lx.PRIVATE_ITEM.search(s)
        and lx.ASKS.search(s)
        and not lx.PRIVATE_WAY.search(s)
        and not lx.NOT_ASKING.search(s)
    ]
    if asked:
        findings.append(
            Finding(
                Check.PRIVATE_DATA,
                Level.BLOCK,
                "a public reply that asks for private details: the answer would be posted for everyone",
                tuple(dict.fromkeys(m.group(0) for s in asked for m in lx.PRIVATE_ITEM.finditer(s))),
                "Ask them to send it by DM or email instead ('Could you DM us your order number?').",
            )
        )
    return findings
