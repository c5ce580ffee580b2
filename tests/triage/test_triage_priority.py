"""The one-message priority formula used after a correction gives what `classify` gives."""

from __future__ import annotations

from goodwill.domain.enums import Intent
from goodwill.triage import classify
from goodwill.triage.classifier import reply_needed, text_priority

TEXTS = [
    "@acme my order never arrived, worst service ever",
    "@acme still waiting for my refund, this is a scam",
    "thank you so much, love it!",
    "how much is the premium plan?",
    "you should add a dark mode",
    "do you ship to canada?",
    "WIN a free prize now, call 0800 123",
    "going to the beach today",
]


def test_text_priority_matches_classify() -> None:
    for r in classify(TEXTS):
        conf = r.evidence["language"]["confidence"]
        assert abs(text_priority(r.intent, r.severity, r.sentiment_score, conf) - r.priority) <= 1, r


def test_reply_needed_follows_the_intent() -> None:
    assert reply_needed(Intent.PRAISE)[0] and reply_needed(Intent.COMPLAINT)[0]
    assert not reply_needed(Intent.SPAM)[0] and not reply_needed(Intent.CHATTER)[0]
    assert text_priority(Intent.SPAM, 0, -1.0) == 0
    assert text_priority(Intent.COMPLAINT, 4, -1.0) == 58 + 28 + 10
