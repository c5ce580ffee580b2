"""Triage: what a message is, how it feels, how bad it is, and whether it needs an answer now.

Contract used by the ingest pipeline: `classify(texts)` takes a batch of strings and returns one
`TriageResult` per text, in order, never raising on odd input (empty, huge, binary, any script).
`prioritise(result, ...)` adds the author's reach, relationship and waiting time to the text priority.

The model is a set of linear heads over word and character n-grams (see docs/model-card.md), trained by
scripts/train_triage.py from openly licensed data and shipped as ``triage_model.npz``; it needs only numpy at
run time. Retraining with a workspace's corrections: `goodwill.triage.training.train` (needs scikit-learn); the
ingest pipeline labels a workspace's messages with `classifier_for(workspace.settings)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from goodwill.domain.triage import TriageResult
from goodwill.triage.classifier import classify_batch, get_model, prioritise, set_model
from goodwill.triage.model import TriageModel
from goodwill.triage.workspace import classifier_for


def classify(texts: Sequence[str], *, model: TriageModel | None = None) -> list[TriageResult]:
    """Label a batch of texts. Batched for speed: pass hundreds at a time where you can.

    ``model``: another model than the shipped one (a workspace's retrained model: see `classifier_for`).
    """
    try:
        return classify_batch(texts, model)
    except Exception:  # pragma: no cover - last line of defence: triage must never stop ingest
        return [_fallback(t) for t in texts]


def _fallback(text: Any) -> TriageResult:
    from goodwill.domain.enums import Intent, Sentiment

    return TriageResult(
        complaint=False,
        complaint_probability=0.5,
        intent=Intent.CHATTER,
        intent_score=0.0,
        sentiment=Sentiment.NEUTRAL,
        sentiment_score=0.0,
        severity=0,
        needs_reply=True,
        needs_reply_reason="triage failed on this message: a person should read it",
        priority=40,
        language="und",
        low_confidence=True,
        evidence={"error": "triage model failed"},
        model_version="fallback",
    )


__all__ = ["TriageResult", "classifier_for", "classify", "get_model", "prioritise", "set_model"]
