"""Conversation workflow: assign, status (open, waiting, snoozed, resolved), tags, notes, priority, hide.

Each `do_*` runs in the caller's session (one transaction), writes an audit row and an activity row in the
conversation's timeline, and queues its event to be sent after commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_write, notify, record_activity, send_after_commit, utcnow
from goodwill.actions.audit import Acting, audit
from goodwill.domain.enums import ConversationStatus, Role
from goodwill.events import ConversationAssigned, ConversationStatusChanged, NoteAdded
from goodwill.inbox import sla
from goodwill.inbox.model import ActivityKind
from goodwill.store.tables import Activity, Conversation, ConversationLock, ConversationTag, Teammate, Workspace

TAG = re.compile(r"^[\w][\w:.-]{0,63}$")
MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9][\w.+-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")


def _audit(session: Session, conversation: Conversation, acting: Acting, action: str, **data: object) -> None:
    audit(
        session,
        workspace_id=conversation.workspace_id,
        acting=acting,
        action=f"conversation.{action}",
        object_type="conversation",
        object_id=conversation.id,
        data=dict(data),
    )


def _check(session: Session, conversation: Conversation, acting: Acting) -> None:
    check_can_write(session, session.get_one(Workspace, conversation.workspace_id), acting)


def do_assign(session: Session, conversation: Conversation, assignee: Teammate | None, *, acting: Acting) -> bool:
    """Assign to `assignee` (None: unassign). Idempotent: returns False when nothing changed."""
    _check(session, conversation, acting)
    if assignee is not None and assignee.workspace_id != conversation.workspace_id:
        raise PermissionError("the assignee belongs to another workspace")
    if assignee is not None and assignee.role == Role.VIEWER.value:
        raise ValueError(f"{assignee.email} is a viewer and cannot be assigned conversations")
    new_id = assignee.id if assignee else None
    if conversation.assignee_id == new_id:
        return False
    previous = conversation.assignee_id
    conversation.assignee_id = new_id
    kind = ActivityKind.ASSIGNED if assignee else ActivityKind.UNASSIGNED
    data = {"from": previous, "to": new_id, "to_name": assignee.name if assignee else None}
    row = record_activity(session, conversation, kind, acting=acting, data=data)
    if assignee is not None and acting.teammate_id != assignee.id:
        notify(session, conversation, [assignee.id], "assigned", row)
    _audit(session, conversation, acting, "assign", **data)
    send_after_commit(session, ConversationAssigned(conversation.workspace_id, conversation.id, new_id))
    return True


def do_set_status(
    session: Session,
    conversation: Conversation,
    status: ConversationStatus,
    *,
    acting: Acting,
    snooze_until: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """Move to `status`. Snoozed until `snooze_until`, or (None) until the customer's next message.

    Resolving releases the collision lock and stops the SLA clock; reopening restarts it.
    """
    _check(session, conversation, acting)
    now = now or utcnow()
    if snooze_until is not None and status is not ConversationStatus.SNOOZED:
        raise ValueError("only a snoozed conversation has a wake-up time")
    if snooze_until is not None and snooze_until <= now:
        raise ValueError("snooze until a time in the future")
    if conversation.status == status.value and conversation.snoozed_until == snooze_until:
        return False
    previous = conversation.status
    conversation.status = status.value
    conversation.snoozed_until = snooze_until
    if status is ConversationStatus.RESOLVED:
        conversation.resolved_at = now
        session.execute(delete(ConversationLock).where(ConversationLock.conversation_id == conversation.id))
    elif previous == ConversationStatus.RESOLVED.value:
        conversation.resolved_at = None
    sla.refresh(session, conversation, now=now)
    data: dict[str, object] = {"from": previous, "to": status.value}
    if snooze_until is not None:
        data["until"] = snooze_until.isoformat()
    elif status is ConversationStatus.SNOOZED:
        data["until"] = "next message"
    record_activity(session, conversation, ActivityKind.STATUS, acting=acting, data=data, at=now)
    _audit(session, conversation, acting, "status", **data)
    send_after_commit(session, ConversationStatusChanged(conversation.workspace_id, conversation.id, status.value))
    return True


def do_resolve(session: Session, conversation: Conversation, *, acting: Acting) -> bool:
    return do_set_status(session, conversation, ConversationStatus.RESOLVED, acting=acting)


def do_reopen(session: Session, conversation: Conversation, *, acting: Acting) -> bool:
    return do_set_status(session, conversation, ConversationStatus.OPEN, acting=acting)


def do_snooze(
    session: Session, conversation: Conversation, *, until: datetime | None, acting: Acting, now: datetime | None = None
) -> bool:
    return do_set_status(session, conversation, ConversationStatus.SNOOZED, acting=acting, snooze_until=until, now=now)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = tag.strip().lower().lstrip("#")
        if not TAG.match(tag):
            raise ValueError(f"tag {tag!r}: use letters, digits, and - _ . : (at most 64)")
        cleaned.append(tag)
    return list(dict.fromkeys(cleaned))


def tags_of(session: Session, conversation_id: int) -> list[str]:
    return sorted(
        session.scalars(select(ConversationTag.tag).where(ConversationTag.conversation_id == conversation_id))
    )


def do_tag(session: Session, conversation: Conversation, tags: Iterable[str], *, acting: Acting) -> list[str]:
    """Add tags; returns the ones that were new (idempotent)."""
    _check(session, conversation, acting)
    wanted = _clean_tags(tags)
    added = [t for t in wanted if t not in set(tags_of(session, conversation.id))]
    if not added:
        return []
    session.add_all(ConversationTag(conversation_id=conversation.id, tag=t) for t in added)
    record_activity(session, conversation, ActivityKind.TAGGED, acting=acting, data={"tags": added})
    _audit(session, conversation, acting, "tag", tags=added)
    return added


def do_untag(session: Session, conversation: Conversation, tags: Iterable[str], *, acting: Acting) -> list[str]:
    _check(session, conversation, acting)
    wanted = _clean_tags(tags)
    removed = [t for t in wanted if t in set(tags_of(session, conversation.id))]
    if not removed:
        return []
    session.execute(
        delete(ConversationTag).where(
            ConversationTag.conversation_id == conversation.id, ConversationTag.tag.in_(removed)
        )
    )
    record_activity(session, conversation, ActivityKind.UNTAGGED, acting=acting, data={"tags": removed})
    _audit(session, conversation, acting, "untag", tags=removed)
    return removed


def mentioned(session: Session, workspace_id: int, text: str) -> list[Teammate]:
    """Teammates named in `text` as @email, @local-part (before the @ of the address) or @first-name."""
    names = {m.lower() for m in MENTION.findall(text)}
    if not names:
        return []
    found = []
    for teammate in session.scalars(select(Teammate).where(Teammate.workspace_id == workspace_id)):
        email = teammate.email.lower()
        first = teammate.name.split()[0].lower() if teammate.name.strip() else ""
        if names & {email, email.split("@")[0], first}:
            found.append(teammate)
    return found


def do_add_note(session: Session, conversation: Conversation, text: str, *, acting: Acting) -> Activity:
    """An internal note (never sent to the customer); each @mentioned teammate gets a notification."""
    _check(session, conversation, acting)
    text = text.strip()
    if not text:
        raise ValueError("a note needs some text")
    people = mentioned(session, conversation.workspace_id, text)
    ids = [t.id for t in people]
    row = record_activity(session, conversation, ActivityKind.NOTE, acting=acting, text=text, data={"mentions": ids})
    notify(session, conversation, [i for i in ids if i != acting.teammate_id], "mention", row)
    _audit(session, conversation, acting, "note", activity_id=row.id, mentions=ids)
    send_after_commit(session, NoteAdded(conversation.workspace_id, conversation.id, tuple(ids)))
    return row


def do_set_priority(session: Session, conversation: Conversation, priority: int, *, acting: Acting) -> bool:
    _check(session, conversation, acting)
    if not 0 <= priority <= 100:
        raise ValueError("priority runs from 0 to 100")
    if conversation.priority == priority:
        return False
    data = {"from": conversation.priority, "to": priority}
    conversation.priority = priority
    record_activity(session, conversation, ActivityKind.PRIORITY, acting=acting, data=data)
    _audit(session, conversation, acting, "priority", **data)
    return True


def do_hide(session: Session, conversation: Conversation, *, hidden: bool = True, acting: Acting) -> bool:
    """Hide from the inbox (spam) or show again. The platform is not touched."""
    _check(session, conversation, acting)
    if conversation.is_hidden == hidden:
        return False
    conversation.is_hidden = hidden
    record_activity(session, conversation, ActivityKind.HIDDEN, acting=acting, data={"hidden": hidden})
    _audit(session, conversation, acting, "hide", hidden=hidden)
    return True
