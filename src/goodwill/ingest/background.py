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
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from multiprocessing import get_context
from typing import Any, TypeVar

from goodwill.domain.enums import Direction, Intent, Sentiment
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.memory import collector_paused
from goodwill.triage.worker import Packed, classify_packed

T = TypeVar("T")
Labels = dict[str, TriageResult]  # native id -> labels, for the inbound messages of a batch
_INTENT = {member.value: member for member in Intent}
_SENTIMENT = {member.value: member for member in Sentiment}


def unpack(packed: Packed) -> TriageResult:
    """The TriageResult `pack` was given (equal field by field)."""
    c, p, intent, i_score, sentiment, *rest = packed
    return TriageResult(c, p, _INTENT[intent], i_score, _SENTIMENT[sentiment], *rest)


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


@contextmanager
def _bare_main() -> Iterator[None]:
    """While the worker process starts, __main__ is an empty module.

    A "spawn" child first runs the parent's main script again (as __mp_main__), so that functions defined there
    can be unpickled: for `goodwill import` that is the whole command line, for a benchmark or a test runner
    theirs, about half a second of imports the first batch waits for. The worker runs only
    goodwill.triage.worker, found by module name, so it needs nothing from __main__; multiprocessing takes
    what the child should run first from sys.modules["__main__"] when it starts the process.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


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
            return ids, pool.submit(classify_packed, texts, dict(settings or {}))

        current = next(batches, None)
        with _bare_main():  # the worker process starts at the first submit
            pending = submit(current) if current is not None else None
        while current is not None and pending is not None:
            following = next(batches, None)
            upcoming = submit(following) if following is not None else None
            ids, future = pending
            yield current, partial(_labels, ids, future)
            current, pending = following, upcoming
