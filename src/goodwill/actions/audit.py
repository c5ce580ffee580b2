"""The audit log: one append-only row per action, in the action's own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from goodwill.store.tables import AuditEntry


@dataclass(frozen=True, slots=True)
class Acting:
    """Who performs an action: a teammate, or the system under a label."""

    label: str
    teammate_id: int | None = None

    @classmethod
    def system(cls, what: str) -> Acting:
        return cls(label=f"system:{what}")


CLI = Acting(label="cli")


def audit(
    session: Session,
    *,
    workspace_id: int | None,
    acting: Acting,
    action: str,
    object_type: str,
    object_id: object = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            workspace_id=workspace_id,
            actor_id=acting.teammate_id,
            actor_label=acting.label,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            data=data or {},
            created_at=datetime.now(UTC),
        )
    )
