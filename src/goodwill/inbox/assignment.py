"""Automatic assignment: round robin over the teammates who take conversations, within their capacity.

Eligible: a seat with auto_assign (agents by default), not away, fewer open conversations than their
capacity. The turn goes to whoever was auto-assigned least recently (never: first). An agent coming back
from away keeps their old turn, so they get the next conversation and then take turns: fair, and never
flooded with the backlog (a least-loaded rule would hand them everything until they caught up).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import utcnow
from goodwill.actions.audit import Acting
from goodwill.actions.conversations import do_assign
from goodwill.actions.team import inbox_settings, seat_of, touch_turn
from goodwill.domain.enums import Role
from goodwill.inbox.model import OPEN_STATES
from goodwill.store.tables import Conversation, Seat, Teammate, Workspace

ASSIGNER = Acting.system("assign")
NEVER = datetime.min.replace(tzinfo=UTC)


def open_load(session: Session, workspace_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Conversation.assignee_id, func.count())
        .where(
            Conversation.workspace_id == workspace_id,
            Conversation.assignee_id.is_not(None),
            Conversation.status.in_(OPEN_STATES),
        )
        .group_by(Conversation.assignee_id)
    ).tuples()
    return {int(assignee): int(count) for assignee, count in rows if assignee is not None}


def pick_assignee(session: Session, workspace: Workspace, *, exclude: int | None = None) -> Teammate | None:
    default_capacity = int(inbox_settings(workspace)["capacity"])
    load = open_load(session, workspace.id)
    rows = session.execute(
        select(Teammate, Seat)
        .outerjoin(Seat, Seat.teammate_id == Teammate.id)
        .where(Teammate.workspace_id == workspace.id, Teammate.is_away.is_(False), Teammate.role != Role.VIEWER.value)
    ).tuples()
    candidates = []
    for teammate, seat in rows:
        takes = seat.auto_assign if seat is not None else teammate.role == Role.AGENT.value
        capacity = seat.capacity if seat is not None and seat.capacity is not None else default_capacity
        if not takes or teammate.id == exclude or load.get(teammate.id, 0) >= capacity:
            continue
        turn = seat.last_assigned_at if seat is not None and seat.last_assigned_at else NEVER
        candidates.append((turn, teammate.id, teammate))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


def do_auto_assign(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    *,
    acting: Acting = ASSIGNER,
    exclude: int | None = None,
    now: datetime | None = None,
) -> Teammate | None:
    """Assign to the next teammate in the round robin; None when nobody can take it (all away or full)."""
    teammate = pick_assignee(session, workspace, exclude=exclude)
    if teammate is None:
        return None
    do_assign(session, conversation, teammate, acting=acting)
    latest = session.scalar(select(func.max(Seat.last_assigned_at)).where(Seat.workspace_id == workspace.id))
    now = now or utcnow()
    # turns strictly increase, even for many assignments in one job run with the same clock
    touch_turn(seat_of(session, teammate), max(now, latest + timedelta(microseconds=1)) if latest else now)
    return teammate
