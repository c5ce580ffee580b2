"""Helpers every inbox action shares: activity rows in the timeline, notifications, events after commit,
and the permission checks (`check_*`) and lookups (`access_*_by_id`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import events
from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import Role
from goodwill.inbox.model import ActivityKind
from goodwill.store.tables import Activity, Conversation, Notification, Teammate, Workspace

WRITERS = (Role.OWNER.value, Role.ADMIN.value, Role.AGENT.value)
MANAGERS = (Role.OWNER.value, Role.ADMIN.value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def access_conversation_by_id(session: Session, workspace: Workspace, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id} in workspace {workspace.slug!r}")
    if conversation.workspace_id != workspace.id:
        raise NotFound(f"no conversation {conversation_id} in workspace {workspace.slug!r}")
    return conversation


def access_teammate_by_id(session: Session, workspace: Workspace, who: str | int) -> Teammate:
    """A teammate by id or e-mail address."""
    query = select(Teammate).where(Teammate.workspace_id == workspace.id)
    if isinstance(who, int) or str(who).isdigit():
        query = query.where(Teammate.id == int(who))
    else:
        query = query.where(Teammate.email == str(who).strip().lower())
    teammate = session.scalar(query)
    if teammate is None:
        raise NotFound(f"no teammate {who!r} in workspace {workspace.slug!r}")
    return teammate


def acting_teammate(session: Session, workspace: Workspace, who: str | int) -> Acting:
    teammate = access_teammate_by_id(session, workspace, who)
    return Acting(label=teammate.email, teammate_id=teammate.id)


def check_can_write(session: Session, workspace: Workspace, acting: Acting) -> None:
    """Teammates act on conversations unless they are viewers; the system and the CLI's owner always may."""
    if acting.teammate_id is None:
        return
    teammate = session.get(Teammate, acting.teammate_id)
    if teammate is None or teammate.workspace_id != workspace.id:
        raise PermissionError(f"{acting.label} is not a teammate in workspace {workspace.slug!r}")
    if teammate.role not in WRITERS:
        raise PermissionError(f"{acting.label} is a {teammate.role}: viewers cannot change conversations")


def check_can_manage(session: Session, workspace: Workspace, acting: Acting) -> None:
    """Team, rules and SLA policy: owners and admins (and the system, and the CLI's owner)."""
    if acting.teammate_id is None:
        return
    teammate = session.get(Teammate, acting.teammate_id)
    if teammate is None or teammate.workspace_id != workspace.id:
        raise PermissionError(f"{acting.label} is not a teammate in workspace {workspace.slug!r}")
    if teammate.role not in MANAGERS:
        raise PermissionError(f"{acting.label} is a {teammate.role}: only owners and admins change this")


def record_activity(
    session: Session,
    conversation: Conversation,
    kind: ActivityKind,
    *,
    acting: Acting,
    data: dict[str, Any] | None = None,
    text: str | None = None,
    at: datetime | None = None,
) -> Activity:
    row = Activity(
        workspace_id=conversation.workspace_id,
        conversation_id=conversation.id,
        kind=kind.value,
        actor_id=acting.teammate_id,
        actor_label=acting.label,
        text=text,
        data=data or {},
        created_at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def notify(
    session: Session, conversation: Conversation, teammate_ids: list[int], kind: str, activity: Activity | None
) -> None:
    for teammate_id in dict.fromkeys(teammate_ids):
        session.add(
            Notification(
                workspace_id=conversation.workspace_id,
                teammate_id=teammate_id,
                conversation_id=conversation.id,
                activity_id=activity.id if activity else None,
                kind=kind,
                created_at=utcnow(),
                read_at=None,
            )
        )


def _send_pending(session: Session) -> None:
    pending = session.info.pop("goodwill_events", [])
    events.send(pending)


def _drop_pending(session: Session) -> None:
    session.info.pop("goodwill_events", None)


def send_after_commit(session: Session, *new: events.Event) -> None:
    """Queue events on the session: sent once its transaction commits, dropped if it rolls back."""
    if "goodwill_events" not in session.info:
        session.info["goodwill_events"] = []
        if not sa_event.contains(session, "after_commit", _send_pending):
            sa_event.listen(session, "after_commit", _send_pending)
            sa_event.listen(session, "after_rollback", _drop_pending)
    session.info["goodwill_events"].extend(new)
