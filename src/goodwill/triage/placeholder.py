"""A deliberately simple keyword classifier that keeps the pipeline whole until the trained model lands.

It is honest about itself: every result carries `model_version="placeholder-0"` and the cue words it used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from goodwill.domain.enums import Intent, Sentiment
from goodwill.domain.triage import TriageResult

_WORD = re.compile(r"[a-z']+")
_NEG = frozenset(
    "worst terrible awful broken useless horrible disappointed disappointing angry refund cancel "
    "never still waiting unacceptable ridiculous fail failed failing delay delayed lost wrong "
    "rude hate bad poor sucks crap issue problem".split()
)
_POS = frozenset("thanks thank love great awesome amazing excellent perfect happy best brilliant".split())
_QUESTION = frozenset("how what when where why which who can could does do is help".split())


def _one(text: str) -> TriageResult:
    words = _WORD.findall(text.lower()[:5000]) if isinstance(text, str) else []
    neg = sorted({w for w in words if w in _NEG})
    pos = sorted({w for w in words if w in _POS})
    question = "?" in text or (bool(words) and words[0] in _QUESTION)
    score = max(-1.0, min(1.0, (len(pos) - len(neg)) / 3))
    sentiment = Sentiment.NEGATIVE if score < 0 else Sentiment.POSITIVE if score > 0 else Sentiment.NEUTRAL
    complaint = len(neg) > 0 and len(neg) >= len(pos)
    if complaint:
        intent, reason, priority = Intent.COMPLAINT, "complaint", 60 + 10 * min(len(neg), 3)
    elif question:
        intent, reason, priority = Intent.QUESTION, "question", 50
    elif pos:
        intent, reason, priority = Intent.PRAISE, "praise deserves a thank-you", 25
    else:
        intent, reason, priority = Intent.CHATTER, "", 5
    return TriageResult(
        complaint=complaint,
        complaint_probability=0.8 if complaint else 0.2,
        intent=intent,
        intent_score=0.5,
        sentiment=sentiment,
        sentiment_score=score,
        severity=min(len(neg), 4) if complaint else 0,
        needs_reply=intent is not Intent.CHATTER,
        needs_reply_reason=reason,
        priority=priority,
        language="und",
        low_confidence=True,
        evidence={"negative_cues": neg, "positive_cues": pos, "question": question},
    )


def classify_batch(texts: Sequence[str]) -> list[TriageResult]:
    return [_one(t if isinstance(t, str) else "") for t in texts]
