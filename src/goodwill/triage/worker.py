"""The triage worker process's side of background triage (goodwill.ingest.background).

Only this module and the triage package are imported in the worker: it is what the worker unpickles to find
`classify_packed`, so keeping it out of goodwill.ingest spares the worker the store, SQLAlchemy and the rest
of the pipeline (about half a second of its start, while the first batch waits for its labels).
"""

from __future__ import annotations

import pickle
from typing import Any

from goodwill.domain.triage import TriageResult

Packed = tuple[Any, ...]  # a TriageResult's fields in order, its two enums by value


def pack(result: TriageResult) -> Packed:
    r = result
    return (
        r.complaint,
        r.complaint_probability,
        r.intent.value,
        r.intent_score,
        r.sentiment.value,
        r.sentiment_score,
        r.severity,
        r.needs_reply,
        r.needs_reply_reason,
        r.priority,
        r.language,
        r.low_confidence,
        r.evidence,
        r.model_version,
    )


def classify_packed(texts: list[str], settings: dict[str, Any]) -> bytes:
    """Runs in the worker: the labels of `texts`, packed and pickled (one bytes object crosses over, so the
    parent unpickles it in its own thread, with the collector paused)."""
    from goodwill import triage
    from goodwill.triage.workspace import workspace_model

    results = triage.classify(texts, model=workspace_model(settings))  # the workspace's model, cached
    return pickle.dumps([pack(result) for result in results], protocol=pickle.HIGHEST_PROTOCOL)
