"""LinkedIn Comment entities (`/rest/socialActions/{urn}/comments`, Social Actions compliance events) ->
NormalisedMessage. Pure functions, no I/O.

A comment's id is its URN `urn:li:comment:(<object urn>,<comment id>)`; the thread root is the post it is on
(`object`), the parent the top-level comment it answers (`parentComment`: LinkedIn threads are two levels
deep, a reply to a reply hangs under the top-level comment). Authors are person or organisation URNs, which
are global; the brand's organisation URN marks its own comments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from goodwill.connectors.timestamps import epoch_ms
from goodwill.domain.enums import Direction, Kind, Network
from goodwill.domain.message import Actor, Entity, NativeRef, NormalisedMessage, ThreadRefs


def parse_time(value: object, *, field: str, item: str) -> datetime | None:
    """Epoch milliseconds (LinkedIn's `time`), None when absent; InvalidMessage naming `field` and `item` for
    anything else or a time out of range (goodwill.connectors.timestamps)."""
    if value is None or value == "":
        return None
    return epoch_ms(value, field=field, item=item)


def comment_urn(comment: dict[str, Any]) -> str:
    if comment.get("$URN"):
        return str(comment["$URN"])
    native = str(comment.get("id") or "")
    if native.startswith("urn:li:comment:"):
        return native
    return f"urn:li:comment:({comment.get('object')},{native})"


def _entities(message: dict[str, Any]) -> list[Entity]:
    found = []
    for attribute in message.get("attributes") or []:
        value = attribute.get("value") or {}
        target: dict[str, Any] = next(iter(value.values()), {}) if isinstance(value, dict) else {}
        urn = next((v for v in target.values() if isinstance(v, str) and v.startswith("urn:li:")), None)
        start, length = attribute.get("start"), attribute.get("length")
        end = start + length if isinstance(start, int) and isinstance(length, int) else None
        found.append(Entity("mention", str(urn or value), start, end, "chars", urn))
    return found


def comment_message(
    comment: dict[str, Any], *, org_urn: str, source: dict[str, Any], envelope: dict[str, Any] | None = None
) -> NormalisedMessage:
    actor = str(comment.get("actor") or (comment.get("created") or {}).get("actor") or "")
    is_self = actor == org_urn
    parent = comment.get("parentComment")
    message = comment.get("message") or {}
    item = f"LinkedIn comment {comment_urn(comment)}"
    created = parse_time((comment.get("created") or {}).get("time"), field="created.time", item=item)
    created = created or datetime.now(UTC)
    modified = parse_time((comment.get("lastModified") or {}).get("time"), field="lastModified.time", item=item)
    summary = comment.get("commentsSummary") or {}
    likes = comment.get("likesSummary") or {}
    metrics = {
        k: v
        for k, v in {
            "comment_count": summary.get("aggregatedTotalComments"),
            "like_count": likes.get("totalLikes"),
        }.items()
        if isinstance(v, int)
    }
    return NormalisedMessage(
        network=Network.LINKEDIN,
        native=NativeRef(id=comment_urn(comment)),
        kind=Kind.OWN if is_self else Kind.REPLY if parent else Kind.COMMENT,
        direction=Direction.OUTBOUND if is_self else Direction.INBOUND,
        author=Actor(
            native_id=actor,
            display_name=None,
            is_self=is_self,
            raw=comment.get("actor~") if isinstance(comment.get("actor~"), dict) else None,
        ),
        text=str(message.get("text") or ""),
        created_at=created,
        thread=ThreadRefs(
            root=NativeRef(id=str(comment.get("object"))) if comment.get("object") else None,
            parent=NativeRef(id=str(parent)) if parent else None,
            depth_limit=2,
        ),
        entities=_entities(message),
        edited_at=modified if modified and modified != created else None,
        is_deleted=bool(comment.get("deleted")),
        metrics=metrics or None,
        source=source,
        raw=comment,
        raw_envelope=envelope,
    )


def compliance_event(event: dict[str, Any], *, org_urn: str) -> NormalisedMessage | None:
    """A Social Actions compliance event for a comment (`resourceName: socialActions/comments`)."""
    if event.get("resourceName") != "socialActions/comments" or not isinstance(event.get("activity"), dict):
        return None
    source = {"transport": "compliance", "endpoint": str(event.get("method")), "event_id": str(event.get("activityId"))}
    envelope = {k: v for k, v in event.items() if k != "activity"}
    message = comment_message(event["activity"], org_urn=org_urn, source=source, envelope=envelope)
    message.is_deleted = event.get("method") == "DELETE"
    return message
