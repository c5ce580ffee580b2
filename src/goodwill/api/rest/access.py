"""The only way a route gets an object: by id, within the caller's workspace, else NotFound (404, the same
answer whether the object is elsewhere or nowhere). The library's own `access_*` are used where they exist;
people, posts and queued replies have theirs here until their libraries grow them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from goodwill.actions.activity import access_conversation_by_id, access_teammate_by_id
from goodwill.actions.approvals import access_approval_by_id
from goodwill.actions.policy import access_rule_by_id
from goodwill.actions.tokens import access_token_by_id
from goodwill.actions.triage import access_message_by_id
from goodwill.actions.workspaces import NotFound, access_channel
from goodwill.store.tables import Person, Post, Workspace
from goodwill.store.tables_replies import Outbox


def access_person_by_id(session: Session, workspace: Workspace, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace.id:
        raise NotFound(f"no person {person_id} in workspace {workspace.slug!r}")
    return person


def access_post_by_id(session: Session, workspace: Workspace, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None or post.workspace_id != workspace.id:
        raise NotFound(f"no post {post_id} in workspace {workspace.slug!r}")
    return post


def access_reply_by_id(session: Session, workspace: Workspace, reply_id: int) -> Outbox:
    row = session.get(Outbox, reply_id)
    if row is None or row.workspace_id != workspace.id:
        raise NotFound(f"no reply {reply_id} in workspace {workspace.slug!r}")
    return row


__all__ = [
    "access_approval_by_id",
    "access_channel",
    "access_conversation_by_id",
    "access_message_by_id",
    "access_person_by_id",
    "access_post_by_id",
    "access_reply_by_id",
    "access_rule_by_id",
    "access_teammate_by_id",
    "access_token_by_id",
]
