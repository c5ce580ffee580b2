"""The inbox and a conversation: the list most urgent first with filters and SLA clocks, the timeline, the
composer (suggested replies, the tone guard live, approval) and the workflow buttons. Each POST calls one
library action and redirects back (post/redirect/get)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.activity import access_conversation_by_id, access_teammate_by_id
from goodwill.actions.approvals import HELD
from goodwill.actions.conversations import do_add_note, do_assign, do_reopen, do_resolve, do_snooze
from goodwill.actions.replies import do_reply
from goodwill.actions.workspaces import NotFound
from goodwill.domain.enums import ConversationStatus, Intent, Network, Role
from goodwill.inbox.queries import InboxFilter, list_inbox, show_conversation
from goodwill.replies.context import check_reply
from goodwill.replies.suggest import suggest_replies
from goodwill.store.tables import Conversation, Teammate, Workspace
from goodwill.store.tables_replies import Outbox
from goodwill.web.pages import PageError, came_from, can, page, store_of, viewer
from goodwill.web.render import html, redirect

PAGE = 50
Text = Annotated[str, Form(max_length=10_000)]


@page("GET", "/inbox", role="viewer")
def inbox(
    request: Request,
    status: str = "open",
    intent: str = "",
    assignee: str = "",
    network: str = "",
    breached: bool = False,
    answered: Annotated[bool, Query(alias="all")] = False,
    number: Annotated[int, Query(alias="page")] = 1,
) -> HTMLResponse:
    me = viewer(request)
    number = max(1, min(number, 1000))
    filters = InboxFilter(
        status=status if status in {s.value for s in ConversationStatus} else None,
        needs_reply_only=not answered,
        assignee=str(me.teammate_id) if assignee == "me" else assignee or None,
        intent=intent if intent in {i.value for i in Intent} else None,
        network=network if network in {n.value for n in Network} else None,
        breached_only=breached,
    )
    now = datetime.now(UTC)
    with store_of(request).reader() as session:
        try:
            items, total = list_inbox(
                session, workspace=me.workspace_slug, filters=filters, limit=PAGE, offset=(number - 1) * PAGE, now=now
            )
        except NotFound:
            items, total = [], 0
        team = _team(session, me.workspace_id)
    chosen = {"status": status, "intent": intent, "assignee": assignee, "network": network}
    base = urlencode({**chosen, **({"breached": "true"} if breached else {}), **({"all": "true"} if answered else {})})
    return html(
        request, "inbox.html", items=items, total=total, page=number, pages=max(1, -(-total // PAGE)), now=now,
        base=base, chosen=chosen, breached=breached, all=answered, team=team, statuses=[*ConversationStatus, "any"],
        intents=list(Intent), networks=list(Network), can_write=can(me, Role.AGENT.value),
    )  # fmt: skip


def _team(session: Session, workspace_id: int) -> list[tuple[int, str, str]]:
    rows = session.execute(
        select(Teammate.id, Teammate.name, Teammate.role)
        .where(Teammate.workspace_id == workspace_id)
        .order_by(Teammate.name)
    )
    return [(i, n, r) for i, n, r in rows]


@page("GET", "/conversations/{conversation_id}", role="viewer")
def conversation(request: Request, conversation_id: int) -> HTMLResponse:
    me = viewer(request)
    now = datetime.now(UTC)
    with store_of(request).reader() as session:
        view = show_conversation(session, workspace=me.workspace_slug, conversation_id=conversation_id, now=now)
        ws = session.get_one(Workspace, me.workspace_id)
        conv = session.get_one(Conversation, conversation_id)
        writer = can(me, Role.AGENT.value)
        suggestions = suggest_replies(session, ws, conv, teammate_id=me.teammate_id, now=now) if writer else []
        held = session.scalar(
            select(Outbox.id).where(Outbox.conversation_id == conv.id, Outbox.status == HELD).limit(1)
        )
        team = [t for t in _team(session, me.workspace_id) if t[2] != Role.VIEWER.value]
    return html(
        request, "conversation.html", view=view, c=view.summary, person_id=conv.person_id, now=now,
        suggestions=suggestions, can_write=writer, team=team, held=held, key=uuid.uuid4().hex,
    )  # fmt: skip


@contextmanager
def _acting_on(request: Request, conversation_id: int) -> Iterator[tuple[Session, Workspace, Conversation]]:
    """The viewer's workspace and conversation in one transaction; a conversation of another workspace is 404."""
    me = viewer(request)
    with store_of(request).session() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        yield session, ws, access_conversation_by_id(session, ws, conversation_id)


def _back(conversation_id: int) -> str:
    return f"/conversations/{conversation_id}"


@page("POST", "/conversations/{conversation_id}/reply", role="agent")
def reply(
    request: Request, conversation_id: int, text: Text, key: Annotated[str, Form(max_length=64)] = ""
) -> RedirectResponse:
    with _acting_on(request, conversation_id) as (session, ws, conv):
        row = do_reply(session, ws, conv, text, acting=viewer(request).acting, idempotency_key=key or None)
        held = row.status == HELD
    return redirect(request, _back(conversation_id), "Reply held for approval." if held else "Reply queued.")


@page("POST", "/conversations/{conversation_id}/check", role="agent")
def check(request: Request, conversation_id: int, text: Text) -> JSONResponse:
    """The tone guard's findings for a draft, as JSON for the composer (app.js prints them as text)."""
    with _acting_on(request, conversation_id) as (session, ws, conv):
        findings = check_reply(session, ws, conv, text, teammate_id=viewer(request).teammate_id)
    return JSONResponse({"data": [f.as_dict() for f in findings], "count": len(findings)})


@page("POST", "/conversations/{conversation_id}/assign", role="agent")
def assign(request: Request, conversation_id: int, to: Annotated[str, Form(max_length=320)]) -> RedirectResponse:
    me = viewer(request)
    with _acting_on(request, conversation_id) as (session, ws, conv):
        who = None if to in ("", "none") else access_teammate_by_id(session, ws, me.teammate_id if to == "me" else to)
        do_assign(session, conv, who, acting=me.acting)
    return redirect(request, _back_to(request, conversation_id), "Assigned." if who else "Unassigned.")


SNOOZES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1d": timedelta(days=1), "reply": None}


@page("POST", "/conversations/{conversation_id}/status", role="agent")
def status(
    request: Request,
    conversation_id: int,
    to: Annotated[str, Form(max_length=16)],
    snooze: Annotated[str, Form()] = "reply",
) -> RedirectResponse:
    acting = viewer(request).acting
    with _acting_on(request, conversation_id) as (session, _ws, conv):
        if to == "resolved":
            do_resolve(session, conv, acting=acting)
        elif to == "open":
            do_reopen(session, conv, acting=acting)
        elif to == "snoozed" and snooze in SNOOZES:
            wait = SNOOZES[snooze]
            do_snooze(session, conv, until=datetime.now(UTC) + wait if wait else None, acting=acting)
        else:
            raise PageError(400, "status is resolved, open or snoozed (1h, 4h, 1d or until the next reply)")
    return redirect(request, _back_to(request, conversation_id), f"Conversation {to}.")


@page("POST", "/conversations/{conversation_id}/note", role="agent")
def note(request: Request, conversation_id: int, text: Text) -> RedirectResponse:
    with _acting_on(request, conversation_id) as (session, _ws, conv):
        do_add_note(session, conv, text, acting=viewer(request).acting)
    return redirect(request, _back(conversation_id), "Note added.")


def _back_to(request: Request, conversation_id: int) -> str:
    """Back to the page the button was pressed on (the inbox or the conversation)."""
    path = came_from(request)
    return path if path.startswith("/inbox") else _back(conversation_id)
