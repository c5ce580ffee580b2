"""Which conversation each message of a batch belongs to.

A private message belongs to `direct:<private conversation id>`. A public message belongs to the thread of
its root: `thread:<root id>` when the network says the root (X conversation_id, Bluesky reply.root), else the
thread of its parent, found in the batch or the store. When the parent is nowhere yet, the message lands in a
provisional thread keyed by that missing parent, `thread:<parent id>`; when the parent arrives, the
provisional conversation is merged into the parent's (see `provisional_keys`). The same rule makes an X
thread whose root arrives last come out right: every reply already sits in `thread:<root id>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from goodwill.domain.message import NormalisedMessage

MAX_DEPTH = 10_000  # a parent chain longer than this in one batch is treated as broken (cycle guard)


@dataclass(frozen=True, slots=True)
class ThreadPlace:
    """Either a conversation key to find or create, or an existing conversation id (parent in the store)."""

    key: str | None = None
    conversation_id: int | None = None


def thread_key(native_id: str) -> str:
    return f"thread:{native_id}"


def direct_key(conversation_id: str) -> str:
    return f"direct:{conversation_id}"


def parent_ids_to_look_up(messages: Sequence[NormalisedMessage]) -> list[str]:
    """Parent ids that decide a conversation and are not in the batch: they must be looked up in the store."""
    in_batch = {m.native.id for m in messages}
    wanted = set()
    for m in messages:
        if m.is_private or m.thread.root is not None or m.thread.parent is None:
            continue
        if m.thread.parent.id not in in_batch:
            wanted.add(m.thread.parent.id)
    return sorted(wanted)


def plan_threads(messages: Sequence[NormalisedMessage], stored_parents: dict[str, int]) -> list[ThreadPlace]:
    """One ThreadPlace per message, in order. `stored_parents` maps native id -> conversation id."""
    by_id = {m.native.id: m for m in messages}
    memo: dict[str, ThreadPlace] = {}

    def own_place(m: NormalisedMessage) -> ThreadPlace | str:
        """The place, or the id of an in-batch parent whose place decides it."""
        if m.is_private:
            return ThreadPlace(key=direct_key(m.thread.conversation_id or ""))
        if m.thread.root is not None:
            return ThreadPlace(key=thread_key(m.thread.root.id))
        parent = m.thread.parent
        if parent is None or parent.id == m.native.id:
            return ThreadPlace(key=thread_key(m.native.id))
        if parent.id in by_id:
            return parent.id
        if parent.id in stored_parents:
            return ThreadPlace(conversation_id=stored_parents[parent.id])
        return ThreadPlace(key=thread_key(parent.id))

    def resolve(m: NormalisedMessage) -> ThreadPlace:
        chain: list[str] = []
        current = m
        while current.native.id not in memo:
            step = own_place(current)
            if isinstance(step, ThreadPlace):
                memo[current.native.id] = step
                break
            chain.append(current.native.id)
            if len(chain) > MAX_DEPTH or step in chain:  # a cycle: the data is broken, keep it together
                memo[current.native.id] = ThreadPlace(key=thread_key(step))
                break
            current = by_id[step]
        place = memo[current.native.id]
        for native_id in chain:
            memo[native_id] = place
        return place

    return [resolve(m) for m in messages]


def provisional_keys(messages: Sequence[NormalisedMessage], places: Sequence[ThreadPlace]) -> dict[str, int]:
    """Keys of provisional threads that messages of this batch complete: key -> index of the message.

    A thread keyed `thread:<X>` whose conversation is not X's own must be merged into X's conversation.
    """
    wanted: dict[str, int] = {}
    for index, (m, place) in enumerate(zip(messages, places, strict=True)):
        if m.is_private:
            continue
        key = thread_key(m.native.id)
        if place.key != key:
            wanted[key] = index
    return wanted
