"""The strategy audit ("is our social strategy working?") and the audit log of every action."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from goodwill.analytics.report import audit as strategy_audit
from goodwill.api.rest import convert
from goodwill.api.rest.deps import Admin, Limit, Reader, StoreDep
from goodwill.api.rest.errors import ApiError, field_errors, referenced
from goodwill.api.rest.schemas.audit import AuditEntryPublic
from goodwill.api.rest.schemas.common import CursorPage, ShortText
from goodwill.store.tables import AuditEntry

router = APIRouter(prefix="/workspaces/{slug}", tags=["audit"])
Moment = Annotated[ShortText | None, Query(description="90d, 12w, 6m, 1y, 36h, or an ISO date")]


@router.get("/audit", response_model=dict[str, Any], summary="The strategy audit report (docs/audit.md)")
def audit_report(
    principal: Reader,
    store: StoreDep,
    since: Moment = "90d",
    until: Moment = None,
    channel: Annotated[ShortText | None, Query(description="A channel's id, handle or network")] = None,
    compare: bool = True,
) -> dict[str, Any]:
    with store.reader() as session, field_errors("since"), referenced("channel"):
        return strategy_audit(
            session, workspace=principal.slug, since=since, until=until, channel=channel, compare=compare
        )


def _cursor(value: str | None) -> int | None:
    """The cursor is opaque to clients: the last id seen, encoded."""
    if value is None:
        return None
    try:
        padded = value + "=" * (-len(value) % 4)
        decoded = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode("ascii")
        if not decoded.startswith("a") or not decoded[1:].isdigit() or len(decoded) > 20:
            raise ValueError(decoded)
        return int(decoded[1:])
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiError(422, "cursor: pass back a next_cursor this API gave", field="cursor") from None


def _encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"a{last_id}".encode("ascii")).decode("ascii").rstrip("=")


@router.get("/audit-log", response_model=CursorPage[AuditEntryPublic], summary="Every action, newest first")
def audit_log(
    principal: Admin,
    store: StoreDep,
    action: Annotated[ShortText | None, Query(description="Only this action, e.g. conversation.assign")] = None,
    object_type: ShortText | None = None,
    cursor: Annotated[ShortText | None, Query(description="next_cursor of the previous page")] = None,
    limit: Limit = 50,
) -> CursorPage[AuditEntryPublic]:
    query = select(AuditEntry).where(AuditEntry.workspace_id == principal.workspace_id)
    before = _cursor(cursor)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    with store.reader() as session:
        rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    data = [convert.audit_entry(e) for e in rows]
    return CursorPage(data=data, count=len(data), next_cursor=_encode(rows[-1].id) if more else None)
