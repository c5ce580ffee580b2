"""Pausing Python's cyclic garbage collector around work that allocates many objects that all survive.

The collector runs after every few hundred new container objects and walks the younger generations; now and
then it walks every live object. Ingesting a batch builds tens of thousands of small dicts and tuples (rows,
states, labels) that live until the batch is stored, in a process that may hold hundreds of thousands of
messages; triage's batches and the audit's reads (hundreds of thousands of rows) are alike: the collector
then spends its time walking objects it cannot free. Reference counting still frees
everything as usual while it is paused; only reference cycles wait for the next collection, once the block
ends. The collector is restored only if it was on (a caller may have turned it off on purpose). It is
process-wide: other threads' cyclic garbage waits too, until the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
