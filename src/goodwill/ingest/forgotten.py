"""Tombstones of forgotten people: what keeps a re-import or a sync from bringing them back.

A tombstone is kept in `Workspace.settings["forgotten"]` (no table of its own; see docs/data-safety.md):
a random salt and salted SHA-256 digests (80 bits, hex) of
  - `a|network|id_scope|native_id`: each of the person's identities (their future messages are dropped too),
  - `m|channel_id|native_id`: each message deleted with them (theirs, and the brand's answers to them),
  - `c|channel_id|private conversation id`: each private conversation with them,
  - `s|string`: their handles, display names and native ids, lower-cased (to redact mentions of them).
No handle, name or text is kept: the digests only recognise the same account, message or name when it comes
again.

At ingest (`drop_forgotten`) a message is dropped when its author, itself, its parent, or its private
conversation is in the tombstone, or when its parent is dropped from the same batch (a reply chain below a
forgotten message goes with it). The messages kept have mentions of the forgotten person redacted (`redact`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select

from goodwill.domain.message import NormalisedMessage
from goodwill.store.tables import Workspace

KEY = "forgotten"
DIGEST_CHARS = 20
REDACTED = "[forgotten]"
MAX_NAME = 300  # longer strings are text, never a name: only their @mentions are looked at
# @mentions as networks write them: @bob, @alice.bsky.social, @alice@mastodon.social
MENTION = re.compile(r"@([A-Za-z0-9_][\w.\-]*(?:@[A-Za-z0-9][\w.\-]*)?)")
Matcher = Callable[[str], bool]


def digest(salt: str, key: str) -> str:
    return hashlib.sha256(f"{salt}|{key}".encode()).hexdigest()[:DIGEST_CHARS]


def author_key(network: str, id_scope: str | None, native_id: str) -> str:
    return f"a|{network}|{id_scope or ''}|{native_id}"


def message_key(channel_id: int, native_id: str) -> str:
    return f"m|{channel_id}|{native_id}"


def private_key(channel_id: int, conversation_id: str) -> str:
    return f"c|{channel_id}|{conversation_id}"


def string_key(value: str) -> str:
    return f"s|{value.strip().lower()}"


def redact(value: Any, forgotten: Matcher) -> Any:
    """`value` (a string or JSON) with every string equal to a forgotten name, and every @mention of one,
    replaced by "[forgotten]". Returns the same object when nothing matched (callers compare by identity)."""
    if isinstance(value, str):
        if len(value) <= MAX_NAME and (forgotten(value) or (value.startswith("@") and forgotten(value[1:]))):
            return REDACTED
        if "@" not in value:
            return value

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            trimmed = name.rstrip(".-")  # "@bob." ends a sentence
            if forgotten(name):
                return "@" + REDACTED
            if trimmed != name and forgotten(trimmed):
                return "@" + REDACTED + name[len(trimmed) :]
            return match.group(0)

        changed = MENTION.sub(one, value)
        return value if changed == value else changed
    if isinstance(value, dict):
        out = {k: redact(v, forgotten) for k, v in value.items()}
        return value if all(out[k] is value[k] for k in value) else out
    if isinstance(value, list):
        items = [redact(v, forgotten) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def extended(tombstone: dict[str, Any] | None, salt: str, keys: Iterable[str]) -> dict[str, Any]:
    """The tombstone with `keys` added (a new dict: JSON columns see the change)."""
    current = dict(tombstone or {})
    salt = str(current.get("salt") or salt)
    digests = set(current.get("digests") or [])
    digests.update(digest(salt, key) for key in keys)
    return {"salt": salt, "digests": sorted(digests)}


def load(conn: Connection, workspace_id: int) -> tuple[str, frozenset[str]] | None:
    settings = conn.execute(select(Workspace.settings).where(Workspace.id == workspace_id)).scalar()
    tombstone = (settings or {}).get(KEY)
    if not tombstone or not tombstone.get("digests"):
        return None
    return str(tombstone["salt"]), frozenset(tombstone["digests"])


def drop_forgotten(
    conn: Connection, *, workspace_id: int, channel_id: int, messages: Sequence[NormalisedMessage]
) -> tuple[list[NormalisedMessage], int]:
    """The messages to keep, and how many were dropped as belonging to a forgotten person."""
    loaded = load(conn, workspace_id)
    if loaded is None or not messages:
        return list(messages), 0
    salt, digests = loaded

    def known(key: str) -> bool:
        return digest(salt, key) in digests

    dropped: set[str] = set()
    for m in messages:
        parent = m.thread.parent.id if m.thread.parent else None
        if (
            known(author_key(m.network.value, m.author.id_scope, m.author.native_id))
            or known(message_key(channel_id, m.native.id))
            or (parent is not None and known(message_key(channel_id, parent)))
            or (m.thread.conversation_id is not None and known(private_key(channel_id, m.thread.conversation_id)))
        ):
            dropped.add(m.native.id)
    changed = bool(dropped)
    while changed:  # replies below a dropped message, in any order within the batch
        changed = False
        for m in messages:
            if m.native.id not in dropped and m.thread.parent is not None and m.thread.parent.id in dropped:
                dropped.add(m.native.id)
                changed = True
    kept = [m for m in messages if m.native.id not in dropped]
    for m in kept:
        _scrub(m, lambda text: digest(salt, string_key(text)) in digests)
    return kept, len(messages) - len(kept)


def _scrub(m: NormalisedMessage, forgotten: Matcher) -> None:
    """Redact mentions of forgotten people in a message that is kept (in place: it is about to be stored)."""
    m.text = redact(m.text, forgotten)
    m.text_raw = redact(m.text_raw, forgotten)
    m.raw = redact(m.raw, forgotten)
    m.raw_envelope = redact(m.raw_envelope, forgotten)
    for entity in m.entities:
        entity.value = redact(entity.value, forgotten)
    for actor in m.recipients:
        if forgotten(actor.native_id) or (actor.handle and forgotten(actor.handle)):
            actor.native_id, actor.handle, actor.display_name, actor.raw = REDACTED, REDACTED, None, None
