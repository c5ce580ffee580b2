"""Suggested replies for a conversation's newest message, ranked: composed from the conversation and taken
from the workspace's reply library, personalised, fitted to the network's limit, and checked by the tone guard.

- complaint: an apology that names the problem, an offer to take it private (the brand's contact), a promise
  of follow-up with a time;
- question: the library's answer when one fits, else an acknowledgement with a time;
- praise: a thank-you specific to what was praised, with the brand's offer where the style sets one;
- spam: nothing.
Each suggestion carries its tone findings; one with a blocking finding ranks last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from goodwill.actions.activity import utcnow
from goodwill.replies.context import Situation, situation
from goodwill.replies.length import fit, measure
from goodwill.replies.library import list_saved_replies, match_score, render
from goodwill.replies.tone import Finding, Level, check_draft
from goodwill.store.tables import Conversation, Workspace

PROBLEMS: tuple[tuple[str, str], ...] = (  # (pattern in the complaint, how the apology names it)
    (r"charged (?:me )?twice|double[- ]charge|two charges|charged (?:me )?again", "the double charge"),
    (r"refund", "the refund you're still waiting for"),
    (r"\bcancel", "the trouble cancelling"),
    (
        r"wrong (?:item|size|order|bag)|instead of|not what i (?:ordered|paid for)|never ordered",
        "the mix-up with your order",
    ),
    (r"broken|damaged|cracked|split open|smashed|arrived (?:open|leaking)", "it arriving damaged"),
    (
        r"hasn'?t (?:shipped|arrived|moved)|still (?:waiting|not here)|\blate\b|tracking|never arrived"
        r"|nothing has arrived"
        r"|label created|where is my",
        "the delay with your order",
    ),
    (r"stale|tastes? (?:flat|off|bad|burnt|weird|wrong)|\bflat\b|roasted over", "it not tasting as it should"),
    (r"checkout|payment declined|logged me out|website|\bsite\b|\bapp\b|crash|error", "the trouble with the site"),
    (r"\bcode\b|promo|discount|coupon", "the code not working"),
    (r"rude|rolled (?:their|his|her) eyes|attitude", "how you were treated"),
    (r"waited \d+ minutes|queue|\bline\b|slow service|card machine", "your visit"),
    (
        r"no (?:answer|reply|response)|ignored|still nothing|anyone (?:actually )?reading|been \d+ days",
        "the wait for an answer",
    ),
    (r"charged|bill|payment", "the billing problem"),
)
PRAISED: tuple[tuple[str, str], ...] = (
    (r"deliver|shipping|on my doorstep|arrived", "the quick delivery"),
    (r"subscription", "the subscription"),
    (r"\bclass\b|workshop", "the class"),
    (r"bags?\b|packaging|compostable", "the packaging"),
    (r"fix(?:ed|ing)?|sorted|mix-up", "how the team sorted it"),
)
PROPER = re.compile(r"(?<=\s)([A-Z][\w'’]*(?: (?:No\. ?\d+|[A-Z][\w'’]*))+)")
SINGLE = re.compile(r"\b(?:thank you|thanks|shoutout to|love) ([A-Z][a-z]+)\b")


@dataclass(frozen=True, slots=True)
class Suggestion:
    text: str
    source: str  # "composed:<intent>", "library:<name>", "generated"
    score: float
    length: int
    limit: int | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(f.level is Level.BLOCK for f in self.findings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "source": self.source,
            "score": round(self.score, 3),
            "length": self.length,
            "limit": self.limit,
            "findings": [f.as_dict() for f in self.findings],
        }


def problem_of(text: str) -> str | None:
    lowered = text.lower()
    return next((phrase for pattern, phrase in PROBLEMS if re.search(pattern, lowered)), None)


def praised_in(text: str, brand: str = "") -> str | None:
    """What the person praised, as a phrase for the thank-you: a named thing first, else a kind of thing."""
    skip = {w.lower() for w in brand.split()}
    for match in PROPER.finditer(" " + text):
        name = match.group(1)
        if not {w.lower() for w in name.split()} <= skip:
            return name if name.split()[0] in ("No.",) else f"the {name}" if len(name.split()) > 1 else name
    single = SINGLE.search(text)
    if single and single.group(1).lower() not in skip:
        return single.group(1)
    lowered = text.lower()
    return next((phrase for pattern, phrase in PRAISED if re.search(pattern, lowered)), None)


def when_phrase(sit: Situation, now: datetime) -> str:
    if sit.style.answer_within:
        return sit.style.answer_within
    local = now.astimezone(ZoneInfo(sit.workspace.timezone or "UTC"))
    return "today" if local.hour < 15 else "tomorrow morning"


def _values(sit: Situation, now: datetime) -> dict[str, str | None]:
    text = sit.message.text if sit.message else ""
    return {
        "first_name": sit.first_name,
        "name": sit.first_name or (f"@{sit.handle}" if sit.handle else None),
        "brand": sit.workspace.name,
        "agent": sit.agent,
        "contact": sit.style.contact,
        "problem": problem_of(text),
        "subject": praised_in(text, sit.workspace.name),
        "when": when_phrase(sit, now),
    }


def _private_ask(sit: Situation, what: str) -> str:
    if not sit.public:
        return f"Could you send me {what} here so I can sort it out?"
    contact = sit.style.contact
    if contact.upper() == "DM":
        return f"Could you DM us {what} so I can sort it out?"
    if "@" in contact:
        return f"Could you email {what} to {contact} so I can sort it out?"
    return f"Could you send {what} through {contact} so I can sort it out?"


def _compose(sit: Situation, v: dict[str, str | None]) -> list[tuple[str, list[tuple[str, int]]]]:
    """(kind, parts) for the message's intent; parts are (text, rank) for `fit` (rank 0 is kept)."""
    first = v["first_name"]
    hi = f"Hi {first}! " if first else "Hi! "
    sign = [(f"– {sit.agent}", 3)] if sit.style.sign and sit.agent else []
    intent = sit.intent
    text = sit.message.text if sit.message else ""
    if intent == "complaint":
        problem = v["problem"] or "this"
        what = "your order number" if "order" in (v["problem"] or "") or "order" in text.lower() else "the details"
        opener = f"{first}, I'm so sorry about {problem}." if first else f"I'm so sorry about {problem}."
        again = [("I can see your earlier message is still open too; I'll look at both.", 2)] if sit.open_issues else []
        full = [(opener, 0), (_private_ask(sit, what), 0), (f"I'll follow up with you {v['when']}.", 1), *again, *sign]
        short = [(f"{first + ', t' if first else 'T'}hat's not okay, and I'm sorry.", 0)]
        short += [(f"I'm on it and will get back to you {v['when']}.", 0), *sign]
        return [("complaint", full), ("complaint-short", short)]
    if intent in ("question", "lead"):
        ack = (
            f"Good question{', ' + first if first else ''}! Let me check with the team and get back to you {v['when']}."
        )
        return [("acknowledge", [(ack, 0), *sign])]
    if intent == "praise":
        subject = v["subject"]
        glad = f"So glad you enjoyed {subject}." if subject else "This made our day."
        loyal = [("Thanks for sticking with us.", 2)] if sit.earlier_conversations >= 2 else []
        offer = [(sit.style.praise_offer, 1)] if sit.style.praise_offer else []
        return [("thanks", [(f"Thank you{', ' + first if first else ''}!", 0), (glad, 0), *loyal, *offer, *sign])]
    if intent == "feedback":
        return [("feedback", [(f"{hi}Thanks for telling us, I've passed it to the team.", 0), *sign])]
    if intent == "chatter":
        return [("chatter", [(f"{hi}Thanks for thinking of us.", 0), *sign])]
    return []


def suggest_replies(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    *,
    teammate_id: int | None = None,
    limit: int = 3,
    now: datetime | None = None,
) -> list[Suggestion]:
    """Ranked suggestions for answering the conversation's newest inbound message (none for spam)."""
    now = now or utcnow()
    sit = situation(session, workspace, conversation, teammate_id=teammate_id, now=now)
    if sit.message is None or sit.intent == "spam":
        return []
    values = _values(sit, now)
    candidates: list[tuple[str, list[tuple[str, int]], float]] = []
    for row in list_saved_replies(session, workspace):
        score = match_score(row, sit.message.text, sit.intent)
        rendered = render(row.text, values) if score > 0 else None
        if rendered is not None and score >= 0.3:
            answer = (
                [(f"Hi {values['first_name']}!", 1)] if "{first_name}" not in row.text and values["first_name"] else []
            )
            candidates.append((f"library:{row.name}", [*answer, (rendered, 0)], 1.0 + score))
    for rank, (kind, parts) in enumerate(_compose(sit, values)):
        base = 0.9 if sit.intent in ("question", "lead") else 1.2
        candidates.append((f"composed:{kind}", parts, base - 0.1 * rank))
    context = sit.draft_context()
    out = []
    for source, parts, score in candidates:
        text = fit(parts, sit.limit, sit.network)
        findings = check_draft(text, context)
        penalty = sum(1.0 if f.level is Level.BLOCK else 0.15 for f in findings)
        out.append(Suggestion(text, source, score - penalty, measure(text, sit.network), sit.limit, findings))
    out.sort(key=lambda s: (s.blocked, -s.score))
    return out[:limit]
