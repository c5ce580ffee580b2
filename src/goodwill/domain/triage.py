"""The labels triage gives a message. Every label carries a score and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from goodwill.domain.enums import Intent, Sentiment


@dataclass(slots=True)
class TriageResult:
    complaint: bool
    complaint_probability: float  # in [0, 1]
    intent: Intent
    intent_score: float  # in [0, 1]
    sentiment: Sentiment
    sentiment_score: float  # in [-1, 1]
    severity: int  # 0 not a complaint, 1 no explicit reproach, 2 disapproval, 3 accusation, 4 blame
    needs_reply: bool
    needs_reply_reason: str
    priority: int  # 0-100, from the text alone; the inbox raises it with reach, relationship and waiting
    language: str  # ISO 639-1 code, "und" when unknown
    low_confidence: bool  # true when the text is outside what the model covers
    evidence: dict[str, Any] = field(default_factory=dict)  # label -> cue words / features
    model_version: str = "placeholder-0"

    def as_dict(self) -> dict[str, Any]:
        return {
            "complaint": self.complaint,
            "complaint_probability": round(self.complaint_probability, 4),
            "intent": self.intent.value,
            "intent_score": round(self.intent_score, 4),
            "sentiment": self.sentiment.value,
            "sentiment_score": round(self.sentiment_score, 4),
            "severity": self.severity,
            "needs_reply": self.needs_reply,
            "needs_reply_reason": self.needs_reply_reason,
            "priority": self.priority,
            "language": self.language,
            "low_confidence": self.low_confidence,
            "evidence": self.evidence,
            "model_version": self.model_version,
        }
