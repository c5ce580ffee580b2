"""The team: teammates with roles, away status, seats in automatic assignment, workspace inbox settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import do_write_settings
from goodwill.domain.enums import Role
from goodwill.inbox.sla import parse_hours
from goodwill.store.tables import Seat, Teammate, Workspace

DEFAULT_CAPACITY = 20


def do_add_teammate(
    session: Session, workspace: Workspace, *, email: str, name: str, role: Role, acting: Acting
) -> Teammate:
    """Add a teammate. Idempotent on e-mail: an existing teammate is returned unchanged."""
    check_can_manage(session, workspace, acting)
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    existing = session.scalar(select(Teammate).where(Teammate.workspace_id == workspace.id, Teammate.email == email))
    if existing is not None:
        return existing
    teammate = Teammate(
        workspace_id=workspace.id, email=email, name=name, role=role.value, is_away=False, created_at=utcnow()
    )
    session.add(teammate)
    session.flush()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="teammate.create",
        object_type="teammate",
        object_id=teammate.id,
        data={"email": email, "role": role.value},
    )
    return teammate


def do_set_away(session: Session, teammate: Teammate, *, away: bool, acting: Acting) -> bool:
    """Away teammates get no automatic assignments. Coming back, they rejoin the round robin at their old
    turn: the next conversation is theirs, then they take turns like everyone else (never a flood)."""
    if teammate.is_away == away:
        return False
    teammate.is_away = away
    audit(
        session,
        workspace_id=teammate.workspace_id,
        acting=acting,
        action="teammate.away" if away else "teammate.back",
        object_type="teammate",
        object_id=teammate.id,
    )
    return True


def seat_of(session: Session, teammate: Teammate) -> Seat:
    seat = session.get(Seat, teammate.id)
    if seat is None:
        seat = Seat(
            teammate_id=teammate.id,
            workspace_id=teammate.workspace_id,
            auto_assign=teammate.role == Role.AGENT.value,
            capacity=None,
            last_assigned_at=None,
        )
        session.add(seat)
        session.flush()
    return seat


def do_set_seat(
    session: Session,
    workspace: Workspace,
    teammate: Teammate,
    *,
    capacity: int | None = None,
    auto_assign: bool | None = None,
    acting: Acting,
) -> Seat:
    """A teammate's capacity (open conversations at most) and whether automatic assignment picks them."""
    check_can_manage(session, workspace, acting)
    if capacity is not None and capacity < 0:
        raise ValueError("capacity is a number of conversations, 0 or more")
    if auto_assign and teammate.role == Role.VIEWER.value:
        raise ValueError(f"{teammate.email} is a viewer and cannot take conversations")
    seat = seat_of(session, teammate)
    if capacity is not None:
        seat.capacity = capacity
    if auto_assign is not None:
        seat.auto_assign = auto_assign
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="teammate.seat",
        object_type="teammate",
        object_id=teammate.id,
        data={"capacity": seat.capacity, "auto_assign": seat.auto_assign},
    )
    return seat


def inbox_settings(workspace: Workspace) -> dict[str, Any]:
    settings: dict[str, Any] = (workspace.settings or {}).get("inbox") or {}
    return {"auto_assign": False, "capacity": DEFAULT_CAPACITY, **settings}


def do_set_inbox_settings(
    session: Session,
    workspace: Workspace,
    *,
    auto_assign: bool | None = None,
    capacity: int | None = None,
    business_hours: str | None = None,
    acting: Acting,
) -> dict[str, Any]:
    """Workspace inbox policy: automatic assignment on or off, default capacity, business hours."""
    check_can_manage(session, workspace, acting)
    inbox = dict((workspace.settings or {}).get("inbox") or {})
    if auto_assign is not None:
        inbox["auto_assign"] = auto_assign
    if capacity is not None:
        if capacity < 0:
            raise ValueError("capacity is a number of conversations, 0 or more")
        inbox["capacity"] = capacity
    hours = (
        parse_hours(business_hours) if business_hours is not None else (workspace.settings or {}).get("business_hours")
    )
    changes = {"inbox": inbox, "business_hours": hours}  # None leaves business hours unset (24/7)
    do_write_settings(session, workspace, changes, action="workspace.inbox_settings", acting=acting)
    return dict(workspace.settings)


def touch_turn(seat: Seat, now: datetime) -> None:
    seat.last_assigned_at = now
