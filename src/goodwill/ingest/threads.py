"""Which conversation each message of a batch belongs to.

A private message belongs to `direct:<private conversation id>`. A public message belongs to the thread of
its root: `thread:<root id>` when the network says the root (X conversation_id, Bluesky reply.root), else the
thread of its parent, found in the batch or the store. When the parent is nowhere yet, the message lands in a
provisional thread keyed by that missing parent, `thread:<parent id>`; when the parent arrives, the
provisional conversation is merged into the parent's (see `provisional_keys`). The same rule makes an X
thread whose root arrives last come out right: every reply already sits in `thread:<root id>`.

Under the brand's own post, each top-level comment starts a conversation of its own,
`thread:<post id>/<comment id>`, and the replies below it join it: thirty people commenting on one post are
thirty conversations, so answering one of them never hides the other twenty-nine. A post is known as the
brand's own when it is in the batch or the store as an outbound message with no parent, or when a reply
names it as both its root and its parent and says the brand wrote it (`parent_author_id`). Known limit: a
reply that names the post as its root and arrives before the comment it answers, while the post is not
known as ours yet, stays in the post's own conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from goodwill.domain.enums import Direction, Kind, Visibility
from goodwill.domain.message import NormalisedMessage

_DIRECT, _PRIVATE, _OUTBOUND = Kind.DIRECT, Visibility.DIRECT, Direction.OUTBOUND
MAX_DEPTH = 10_000  # a parent chain longer than this in one batch is treated as broken (cycle guard)


class ThreadPlace(NamedTuple):
    """Either a conversation key to find or create, or an existing conversation id (parent in the store).
    (A named tuple: one is made per message, and a frozen dataclass costs several times more to make.)"""

    key: str | None = None
    conversation_id: int | None = None


class Stored(NamedTuple):
    """What the planner needs to know of a stored message the batch refers to."""

    conversation_id: int
    own_post: bool  # an outbound message with no parent: a post of the brand's own


def thread_key(native_id: str) -> str:
    return f"thread:{native_id}"


def branch_key(post_id: str, comment_id: str) -> str:
    return f"thread:{post_id}/{comment_id}"


def direct_key(conversation_id: str) -> str:
    return f"direct:{conversation_id}"


def ids_to_look_up(messages: Sequence[NormalisedMessage]) -> list[str]:
    """Parents and roots the batch refers to and does not hold: they are looked up in the store."""
    in_batch = {m.native.id for m in messages}
    wanted = set()
    for m in messages:
        if m.kind is _DIRECT or m.visibility is _PRIVATE:  # m.is_private
            continue
        parent, root = m.thread.parent, m.thread.root
        if parent is not None and parent.id not in in_batch:
            wanted.add(parent.id)
        if root is not None and root.id not in in_batch:
            wanted.add(root.id)
    return sorted(wanted)


def _is_own_post(m: NormalisedMessage) -> bool:
    return m.direction is Direction.OUTBOUND and m.thread.parent is None and not m.is_private


def plan_threads(
    messages: Sequence[NormalisedMessage], stored: dict[str, Stored], *, account_id: str = ""
) -> list[ThreadPlace]:
    """One ThreadPlace per message, in order. `stored`: the store's messages the batch refers to, by id."""
    by_id = {m.native.id: m for m in messages}
    memo: dict[str, ThreadPlace] = {}

    def own_post(native_id: str) -> bool:
        m = by_id.get(native_id)
        if m is not None:  # _is_own_post, inline (this runs for most messages)
            return (
                m.direction is _OUTBOUND
                and m.thread.parent is None
                and m.kind is not _DIRECT
                and m.visibility is not _PRIVATE
            )
        found = stored.get(native_id)
        return found is not None and found.own_post

    def under_own_post(m: NormalisedMessage) -> bool:
        root, parent = m.thread.root, m.thread.parent
        if root is None or root.id == m.native.id:
            return False
        said = (
            parent is not None and parent.id == root.id and bool(account_id) and m.thread.parent_author_id == account_id
        )
        return said or own_post(root.id)

    def own_place(m: NormalisedMessage) -> ThreadPlace | str:
        """The place, or the id of an in-batch parent whose place decides it."""
        if m.kind is _DIRECT or m.visibility is _PRIVATE:  # m.is_private
            return ThreadPlace(key=direct_key(m.thread.conversation_id or ""))
        root, parent = m.thread.root, m.thread.parent
        ours = root is not None and under_own_post(m)
        if root is not None and ours and (parent is None or parent.id == root.id):
            return ThreadPlace(key=branch_key(root.id, m.native.id))  # a top-level comment on our post
        if parent is not None and parent.id != m.native.id:
            if own_post(parent.id):
                return ThreadPlace(key=branch_key(parent.id, m.native.id))
            if parent.id in by_id:
                return parent.id  # a known parent decides, whatever the root
            if parent.id in stored:
                return ThreadPlace(conversation_id=stored[parent.id].conversation_id)
            if root is not None and not ours:
                return ThreadPlace(key=thread_key(root.id))  # the network names the thread: wait there
            return ThreadPlace(key=thread_key(parent.id))  # provisional, merged when the parent arrives
        if root is not None and root.id != m.native.id:
            return ThreadPlace(key=thread_key(root.id))
        return ThreadPlace(key=thread_key(m.native.id))

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
        if m.kind is _DIRECT or m.visibility is _PRIVATE:  # m.is_private, inline: once per message
            continue
        key = "thread:" + m.native.id  # thread_key
        if place.key != key:
            wanted[key] = index
    return wanted
