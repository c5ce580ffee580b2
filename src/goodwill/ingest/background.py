"""Triage the next batch in a second process while the current batch is stored.

Storing is bound to one database connection and runs in order; triage is pure CPU work on texts. On a
machine with two cores, overlapping them is the difference between the two costs adding up and the larger
one alone. Only texts go to the worker and only labels come back, so little is copied between processes.
The worker is started with "spawn" (never fork: the parent holds database connections) and loads the
triage model once.

Labels travel as plain tuples (enums by value), not as TriageResult objects: unpickling a slots dataclass
runs Python code per field, and with the parent's many live objects the cyclic garbage collector ran again
and again while they were rebuilt; plain tuples, unpickled with the collector paused, cost a tenth of that.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context
from typing import Any, TypeVar

from goodwill.domain.enums import Direction, Intent, Sentiment
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.ingest.memory import collector_paused

T = TypeVar("T")
Labels = dict[str, TriageResult]  # native id -> labels, for the inbound messages of a batch
Packed = tuple[Any, ...]  # a TriageResult's fields in order, its two enums by value
_INTENT = {member.value: member for member in Intent}
_SENTIMENT = {member.value: member for member in Sentiment}


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


def unpack(packed: Packed) -> TriageResult:
    """The TriageResult `pack` was given (equal field by field)."""
    c, p, intent, i_score, sentiment, *rest = packed
    return TriageResult(c, p, _INTENT[intent], i_score, _SENTIMENT[sentiment], *rest)


def _classify(texts: list[str], settings: dict[str, Any]) -> bytes:
    """Runs in the worker: the labels of `texts`, packed and pickled (one bytes object crosses over, so the
    parent unpickles it in its own thread, with the collector paused)."""
    from goodwill import triage
    from goodwill.triage.workspace import workspace_model

    results = triage.classify(texts, model=workspace_model(settings))  # the workspace's model, cached
    return pickle.dumps([pack(result) for result in results], protocol=pickle.HIGHEST_PROTOCOL)


def _labels(ids: list[str], future: Future[bytes]) -> Labels:
    data = future.result()
    with collector_paused():  # thousands of small objects that all survive: nothing for it to find
        packed = pickle.loads(data)  # noqa: S301 - written by our own worker process, just above
        return {native_id: unpack(fields) for native_id, fields in zip(ids, packed, strict=True)}


def inbound_texts(batch: Sequence[NormalisedMessage]) -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for message in batch:
        if message.direction is Direction.INBOUND:
            ids.append(message.native.id)
            texts.append(message.text)
    return ids, texts


def with_labels(
    batches: Iterator[T],
    messages_of: Callable[[T], Sequence[NormalisedMessage]],
    *,
    settings: dict[str, Any] | None = None,
) -> Iterator[tuple[T, Callable[[], Labels]]]:
    """Yield each batch with a function that returns its triage labels, classifying the next batch while the
    caller stores this one. The function waits for the worker only when called, so the caller can do the
    work that needs no labels (dedupe, identities, threads) first, while the worker still classifies; the
    first batch overlaps the worker's start and model loading that way. Call it at most once per batch.

    The worker uses the triage model of the workspace whose `settings` are given (the shipped model without
    them); a classifier passed as a function runs in-process instead.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:

        def submit(batch: T) -> tuple[list[str], Future[bytes]]:
            ids, texts = inbound_texts(messages_of(batch))
            return ids, pool.submit(_classify, texts, dict(settings or {}))

        current = next(batches, None)
        pending = submit(current) if current is not None else None
        while current is not None and pending is not None:
            following = next(batches, None)
            upcoming = submit(following) if following is not None else None
            ids, future = pending
            yield current, partial(_labels, ids, future)
            current, pending = following, upcoming
