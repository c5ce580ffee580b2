"""Nudges: stored from goodwill.relationships.nudges, then done, snoozed or dismissed by teammates.

`do_refresh_nudges` is idempotent: a nudge is stored once per occasion (its key); an open nudge whose
occasion has passed (the praise was thanked, the person wrote back) is closed as `expired`; a snoozed one
whose time has come is open again. Decisions are audited (object "nudge").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, send_after_commit, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import NotFound
from goodwill.events import NudgeChanged
from goodwill.relationships.nudges import Candidate, draft_for, find_nudges
from goodwill.store.tables import Workspace
from goodwill.store.tables_relationships import Nudge

STATUSES = ("open", "done", "snoozed", "dismissed", "expired")


@dataclass(slots=True)
class NudgeRefresh:
    created: int = 0
    expired: int = 0
    woken: int = 0


def access_nudge_by_id(session: Session, workspace: Workspace, nudge_id: int) -> Nudge:
    nudge = session.get(Nudge, nudge_id)
    if nudge is None or nudge.workspace_id != workspace.id:
        raise NotFound(f"no nudge {nudge_id} in workspace {workspace.slug!r}")
    return nudge


def _row(workspace_id: int, c: Candidate, now: datetime) -> Nudge:
    return Nudge(
        workspace_id=workspace_id,
        person_id=c.person_id,
        kind=c.kind,
        key=c.key,
        why=c.why,
        draft=c.draft,
        conversation_id=c.conversation_id,
        message_id=c.message_id,
        score=c.score,
        status="open",
        due_at=c.due_at,
        snoozed_until=None,
        created_at=now,
        decided_at=None,
    )


def store_candidates(
    session: Session,
    workspace: Workspace,
    candidates: list[Candidate],
    *,
    kinds: tuple[str, ...],
    now: datetime,
    drafts: bool = False,
) -> NudgeRefresh:
    """Insert new candidates (drafting them first when `drafts`: only new ones, drafting costs a few
    queries each); expire open nudges of `kinds` that are no longer due; wake snoozed ones."""
    report = NudgeRefresh()
    known = {n.key: n for n in session.scalars(select(Nudge).where(Nudge.workspace_id == workspace.id))}
    wanted = {c.key for c in candidates}
    for c in candidates:
        if c.key not in known:
            if drafts and c.draft is None:
                c.draft = draft_for(session, workspace, c, now=now)
            session.add(_row(workspace.id, c, now))
            report.created += 1
    for key, nudge in known.items():
        if nudge.kind not in kinds:
            continue
        if nudge.status == "open" and key not in wanted:
            nudge.status, nudge.decided_at = "expired", now
            report.expired += 1
        elif nudge.status == "snoozed" and nudge.snoozed_until is not None and nudge.snoozed_until <= now:
            nudge.status, nudge.snoozed_until = ("open", None) if key in wanted else ("expired", None)
            report.woken += key in wanted
    return report


def do_refresh_nudges(
    session: Session, workspace: Workspace, *, acting: Acting, now: datetime | None = None
) -> NudgeRefresh:
    """Store the nudges due now (see the module doc)."""
    check_can_write(session, workspace, acting)
    now = now or utcnow()
    kinds = ("thank", "follow_up", "welcome", "reconnect", "reach_out")
    found = find_nudges(session, workspace, now=now, drafts=False)
    report = store_candidates(session, workspace, found, kinds=kinds, now=now, drafts=True)
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action="nudge.refresh",
        object_type="workspace",
        object_id=workspace.id,
        data={"created": report.created, "expired": report.expired, "woken": report.woken},
    )
    return report


def do_set_nudge_status(
    session: Session,
    workspace: Workspace,
    nudge: Nudge,
    status: str,
    *,
    until: datetime | None = None,
    acting: Acting,
    now: datetime | None = None,
) -> bool:
    """done, snoozed (until a time in the future), dismissed, or open again. False when nothing changed."""
    check_can_write(session, workspace, acting)
    if nudge.workspace_id != workspace.id:
        raise NotFound(f"no nudge {nudge.id} in workspace {workspace.slug!r}")
    if status not in ("open", "done", "snoozed", "dismissed"):
        raise ValueError(f"nudge status {status!r}: use done, snoozed, dismissed or open")
    now = now or utcnow()
    if status == "snoozed":
        if until is None or until <= now:
            raise ValueError("snooze a nudge until a time in the future")
    elif until is not None:
        raise ValueError("only a snoozed nudge has a wake-up time")
    if nudge.status == status and nudge.snoozed_until == until:
        return False
    before = nudge.status
    nudge.status, nudge.snoozed_until = status, until
    nudge.decided_at, nudge.decided_by_id = now, acting.teammate_id
    data: dict[str, object] = {"from": before, "to": status, "kind": nudge.kind, "person": nudge.person_id}
    if until is not None:
        data["until"] = until.isoformat()
    audit(
        session,
        workspace_id=workspace.id,
        acting=acting,
        action=f"nudge.{status}",
        object_type="nudge",
        object_id=nudge.id,
        data=data,
    )
    send_after_commit(session, NudgeChanged(workspace.id, nudge.id, status))
    return True
