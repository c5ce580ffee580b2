"""Triage: what a message is, how it feels, how bad it is, and whether it needs an answer now.

Contract used by the ingest pipeline: `classify(texts)` takes a batch of strings and returns one
`TriageResult` per text, in order, never raising on odd input (empty, huge, binary, any script).
"""

from __future__ import annotations

from collections.abc import Sequence

from goodwill.domain.triage import TriageResult
from goodwill.triage.placeholder import classify_batch


def classify(texts: Sequence[str]) -> list[TriageResult]:
    """Label a batch of texts. Batched for speed: pass hundreds at a time where you can."""
    return classify_batch(texts)


__all__ = ["TriageResult", "classify"]
