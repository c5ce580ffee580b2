"""Rules: condition -> action, checked on every inbound message in `position` order.

conditions (all must hold; a list means any of its values):
  keyword: [words or phrases, matched as whole words, any case]   intent: [..]   sentiment: [..]
  network: [..]   min_followers: N (the author's reach)   vip: true (any VIP list or a VIP person) | "list"
actions:
  tag: [..]   assign: "auto" | teammate e-mail   priority: 0-100 (raise to at least)
  snooze: minutes | "next" (until the customer's next message)   hide: true (spam: out of the inbox)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from goodwill.domain.enums import Intent, Network, Sentiment

CONDITIONS = ("keyword", "intent", "sentiment", "network", "min_followers", "vip")
ACTIONS = ("tag", "assign", "priority", "snooze", "hide")
LISTS = {"intent": Intent, "sentiment": Sentiment, "network": Network}


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule can see about one inbound message."""

    text: str
    intent: str | None
    sentiment: str | None
    network: str
    followers: int | None
    vip_lists: frozenset[str]  # "*" when the person is marked VIP


def _as_list(value: Any, name: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"rule condition {name!r} needs one or more words")
    return [v.strip().lower() for v in values]


def check_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    unknown = set(conditions) - set(CONDITIONS)
    if unknown:
        raise ValueError(f"unknown rule condition {sorted(unknown)[0]!r}: use {', '.join(CONDITIONS)}")
    if not conditions:
        raise ValueError("a rule needs at least one condition")
    clean: dict[str, Any] = {}
    for name, value in conditions.items():
        if name in ("keyword", *LISTS):
            clean[name] = _as_list(value, name)
            enum = LISTS.get(name)
            allowed = {e.value for e in enum} if enum is not None else set()
            bad = [v for v in clean[name] if enum is not None and v not in allowed]
            if bad and enum is not None:
                raise ValueError(f"rule condition {name}: {bad[0]!r} is not one of {', '.join(e.value for e in enum)}")
        elif name == "min_followers":
            clean[name] = int(value)
        else:
            clean[name] = value if isinstance(value, str) and value not in ("true", "yes") else True
    return clean


def check_actions(actions: dict[str, Any]) -> dict[str, Any]:
    unknown = set(actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"unknown rule action {sorted(unknown)[0]!r}: use {', '.join(ACTIONS)}")
    if not actions:
        raise ValueError("a rule needs at least one action")
    clean: dict[str, Any] = {}
    for name, value in actions.items():
        if name == "tag":
            clean[name] = _as_list(value, name)
        elif name == "priority":
            clean[name] = int(value)
            if not 0 <= clean[name] <= 100:
                raise ValueError("rule action priority runs from 0 to 100")
        elif name == "snooze":
            clean[name] = "next" if str(value) == "next" else int(value)
        elif name == "hide":
            clean[name] = str(value).lower() not in ("false", "no", "0")
        else:
            clean[name] = str(value).strip().lower()
    return clean


def _has_keyword(text: str, words: list[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", lowered) for w in words)


def matches(conditions: dict[str, Any], facts: Facts) -> bool:
    for name, value in conditions.items():
        if name == "keyword" and not _has_keyword(facts.text, value):
            return False
        if name in LISTS and (getattr(facts, name) or "") not in value:
            return False
        if name == "min_followers" and (facts.followers or 0) < value:
            return False
        if name == "vip" and not (facts.vip_lists and (value is True or value in facts.vip_lists)):
            return False
    return True


def snooze_until(value: Any, now: datetime) -> datetime | None:
    return None if value == "next" else now + timedelta(minutes=int(value))
