"""Triage the next batch in a second process while the current batch is stored.

Storing is bound to one database connection and runs in order; triage is pure CPU work on texts. On a
machine with two cores, overlapping them is the difference between the two costs adding up and the larger
one alone. Only texts go to the worker and only labels come back, so little is copied between processes.
The worker is started with "spawn" (never fork: the parent holds database connections) and loads the
triage model once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, TypeVar

from goodwill.domain.enums import Direction
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult

T = TypeVar("T")
Labels = dict[str, TriageResult]  # native id -> labels, for the inbound messages of a batch


def _classify(texts: list[str], settings: dict[str, Any]) -> list[TriageResult]:
    from goodwill import triage
    from goodwill.triage.workspace import workspace_model

    return triage.classify(texts, model=workspace_model(settings))  # the workspace's model, cached per process


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
) -> Iterator[tuple[T, Labels]]:
    """Yield each batch with its triage labels, classifying the next batch while the caller stores this one.

    The worker uses the triage model of the workspace whose `settings` are given (the shipped model without
    them); a classifier passed as a function runs in-process instead.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:

        def submit(batch: T) -> tuple[list[str], Future[list[TriageResult]]]:
            ids, texts = inbound_texts(messages_of(batch))
            return ids, pool.submit(_classify, texts, dict(settings or {}))

        current = next(batches, None)
        pending = submit(current) if current is not None else None
        while current is not None and pending is not None:
            following = next(batches, None)
            upcoming = submit(following) if following is not None else None
            ids, future = pending
            yield current, dict(zip(ids, future.result(), strict=True))
            current, pending = following, upcoming
