"""The local connector: a pretend network that records what it "posted" in a JSON Lines file per channel.

Used by the tests and the demo world to send replies without a real platform. Like a platform that takes
idempotency keys, it dedupes on the key: sending the same key twice returns the first post. The file
lives at the channel's `config["local_path"]`, else `<data dir>/local-network/channel-<id>.jsonl`.

Failure injection for tests, in the channel's config: `local_fail` = "refused" | "auth" (always) or
"transient:N" (the first N attempts of each key fail with a 503).
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from goodwill.connectors import registry
from goodwill.connectors.base import (
    AuthExpired,
    Capability,
    ChannelContext,
    Fetched,
    Outgoing,
    Refused,
    Sent,
    TransientError,
)
from goodwill.domain.enums import Network
from goodwill.domain.message import NativeRef

NAME = "local"


def posts_path(channel: ChannelContext) -> Path:
    configured = channel.config.get("local_path")
    if configured:
        return Path(configured)
    from goodwill.settings import get_settings

    return get_settings().data_dir / "local-network" / f"channel-{channel.channel_id}.jsonl"


def read_posts(path: Path) -> list[dict[str, Any]]:
    """Every record in the file: posts, and failed attempts (`"failed": true`)."""
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


class LocalConnector:
    network = Network.OTHER
    capabilities = frozenset({Capability.REPLY, Capability.DIRECT, Capability.POST})

    def fetch(self, channel: ChannelContext, cursor: dict[str, Any]) -> Fetched:
        return Fetched(messages=[], cursor=cursor)

    def posted(self, channel: ChannelContext) -> list[dict[str, Any]]:
        return [r for r in read_posts(posts_path(channel)) if not r.get("failed")]

    def lookup(self, channel: ChannelContext, idempotency_key: str) -> Sent | None:
        return _find(read_posts(posts_path(channel)), idempotency_key)

    def send(self, channel: ChannelContext, outgoing: Outgoing) -> Sent:
        path = posts_path(channel)
        with _locked(path):
            records = read_posts(path)
            found = _find(records, outgoing.idempotency_key)
            if found is not None:
                return found
            _maybe_fail(channel, path, outgoing, records)
            record = {
                "id": f"local-{uuid.uuid4().hex[:16]}",
                "idempotency_key": outgoing.idempotency_key,
                "text": outgoing.text,
                "in_reply_to": outgoing.in_reply_to.native.id if outgoing.in_reply_to else None,
                "private_conversation_id": outgoing.private_conversation_id,
                "media": list(outgoing.media),
                "created_at": datetime.now(UTC).isoformat(),
            }
            _append(path, record)
        sent = _find([record], outgoing.idempotency_key)
        assert sent is not None
        return sent


def _find(records: list[dict[str, Any]], key: str) -> Sent | None:
    for record in records:
        if record.get("idempotency_key") == key and not record.get("failed"):
            return Sent(NativeRef(record["id"]), datetime.fromisoformat(record["created_at"]), record)
    return None


def _maybe_fail(channel: ChannelContext, path: Path, outgoing: Outgoing, records: list[dict[str, Any]]) -> None:
    mode = str(channel.config.get("local_fail") or "")
    if mode == "refused":
        raise Refused("the local network refused the reply", platform_error={"status": 403, "error": "blocked"})
    if mode == "auth":
        raise AuthExpired("the local network wants a new token", platform_error={"status": 401})
    if mode.startswith("transient:"):
        failures = sum(1 for r in records if r.get("failed") and r.get("idempotency_key") == outgoing.idempotency_key)
        if failures < int(mode.split(":")[1]):
            _append(path, {"failed": True, "idempotency_key": outgoing.idempotency_key})
            raise TransientError("the local network is busy", platform_error={"status": 503})


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("ab") as handle:
        handle.write(orjson.dumps(record) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


registry.register(NAME, LocalConnector)
