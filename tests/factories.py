"""Build normalised messages for tests, by keyword, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goodwill.domain import Actor, Direction, Kind, NativeRef, Network, NormalisedMessage, ThreadRefs, Visibility

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def msg(
    native_id: str,
    *,
    text: str = "hello",
    author: str = "u1",
    minutes: float = 0,
    parent: str | None = None,
    root: str | None = None,
    dm: str | None = None,
    out: bool = False,
    network: Network = Network.X,
    followers: int | None = None,
    handle: str | None = None,
) -> NormalisedMessage:
    direction = Direction.OUTBOUND if out else Direction.INBOUND
    kind = Kind.OWN if out else Kind.DIRECT if dm else Kind.REPLY if parent else Kind.MENTION
    return NormalisedMessage(
        network=network,
        native=NativeRef(id=native_id),
        kind=kind,
        direction=direction,
        author=Actor(
            native_id="brand" if out else author,
            handle=handle or ("acme" if out else author),
            followers=followers,
            is_self=out,
        ),
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        visibility=Visibility.DIRECT if dm else Visibility.PUBLIC,
        thread=ThreadRefs(
            root=NativeRef(root) if root else None,
            parent=NativeRef(parent) if parent else None,
            conversation_id=dm,
        ),
        raw={"id": native_id, "text": text},
    )
