"""The audit report with its charts, reply approvals, and settings (channels and their health, team, SLA,
rules, goals, one's own password)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from goodwill.actions.accounts import do_set_password
from goodwill.actions.approvals import access_approval_by_id, do_approve_reply, do_reject_reply, list_approvals
from goodwill.actions.goals import do_remove_goal, do_set_goal
from goodwill.actions.team import do_add_teammate
from goodwill.analytics.goals import METRICS, goals_of
from goodwill.domain.enums import Role
from goodwill.store.tables import Channel, Conversation, Rule, SlaPolicy, Teammate, Workspace
from goodwill.store.tables_replies import Outbox
from goodwill.web.pages import can, page, store_of, viewer
from goodwill.web.render import html, redirect

# The report is a self-contained page with inline styles and SVG charts and no script: it is shown in a
# sandboxed frame under its own policy, which allows inline styles there and nothing else.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
PERIODS = ("30d", "90d", "180d", "365d")


@page("GET", "/audit", role="viewer")
def audit(request: Request, since: str = "90d") -> HTMLResponse:
    return html(request, "audit.html", since=since if since in PERIODS else "90d", periods=PERIODS)


@page("GET", "/audit/report", role="viewer")
def audit_report(request: Request, since: str = "90d") -> HTMLResponse:
    from goodwill.analytics.html import render
    from goodwill.analytics.report import audit as build

    me = viewer(request)
    with store_of(request).reader() as session:
        report = build(session, workspace=me.workspace_slug, since=since if since in PERIODS else "90d")
    headers = {"content-security-policy": REPORT_CSP, "x-frame-options": "SAMEORIGIN", "cache-control": "no-store"}
    return HTMLResponse(render(report), headers=headers)


@page("GET", "/approvals", role="viewer")
def approvals(request: Request) -> HTMLResponse:
    me = viewer(request)
    with store_of(request).reader() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        rows = [
            (a, session.get_one(Outbox, a.outbox_id), session.get_one(Conversation, a.conversation_id))
            for a in list_approvals(session, ws)
        ]
    return html(request, "approvals.html", rows=rows, can_decide=can(me, Role.AGENT.value))


@page("POST", "/approvals/{approval_id}", role="agent")
def decide(
    request: Request,
    approval_id: int,
    decision: Annotated[str, Form(max_length=16)],
    text: Annotated[str, Form(max_length=10_000)] = "",
    note: Annotated[str, Form(max_length=2_000)] = "",
) -> RedirectResponse:
    """Approve (perhaps with edited text) or reject a held reply; the library checks the approver."""
    me = viewer(request)
    with store_of(request).session() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        approval = access_approval_by_id(session, ws, approval_id)
        if decision == "approve":
            do_approve_reply(session, ws, approval, acting=me.acting, text=text or None, note=note or None)
        elif decision == "reject":
            do_reject_reply(session, ws, approval, acting=me.acting, note=note or None)
        else:
            raise ValueError("the decision is approve or reject")
    return redirect(request, "/approvals", f"Reply {decision}d.")


@page("GET", "/settings", role="viewer")
def settings(request: Request) -> HTMLResponse:
    me = viewer(request)
    with store_of(request).reader() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        channels = list(session.scalars(select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.id)))
        team = list(session.scalars(select(Teammate).where(Teammate.workspace_id == ws.id).order_by(Teammate.name)))
        slas = list(
            session.scalars(select(SlaPolicy).where(SlaPolicy.workspace_id == ws.id).order_by(SlaPolicy.intent))
        )
        rules = list(session.scalars(select(Rule).where(Rule.workspace_id == ws.id).order_by(Rule.position, Rule.id)))
        goals = goals_of(ws)
        hours = (ws.settings or {}).get("business_hours") or "24/7"
    return html(
        request, "settings.html", ws=ws, channels=channels, team=team, slas=slas, rules=rules, goals=goals,
        hours=hours, metrics=list(METRICS.values()), roles=list(Role), manager=can(me, Role.ADMIN.value),
    )  # fmt: skip


@page("POST", "/settings/password", role="viewer")
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
) -> RedirectResponse:
    """Change one's own password (knowing the current one); other sessions end, this one too: sign in again."""
    from goodwill.actions.accounts import password_matches

    me = viewer(request)
    with store_of(request).session() as session:
        mate = session.get_one(Teammate, me.teammate_id)
        if not password_matches(mate.password_hash, current):
            raise ValueError("the current password is wrong")
        do_set_password(session, mate, new, acting=me.acting)
    return redirect(request, "/login", "Password changed: sign in with the new one.")


@page("POST", "/settings/goals", role="admin")
def set_goal(
    request: Request,
    metric: Annotated[str, Form(max_length=64)],
    target: Annotated[str, Form(max_length=32)] = "",
    remove: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    me = viewer(request)
    with store_of(request).session() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        if remove:
            do_remove_goal(session, ws, metric=metric, acting=me.acting)
        else:
            do_set_goal(session, ws, metric=metric, target=target, acting=me.acting)
    return redirect(request, "/settings", "Goal removed." if remove else "Goal set.")


@page("POST", "/settings/team", role="admin")
def add_teammate(
    request: Request,
    email: Annotated[str, Form(max_length=320)],
    name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=16)],
    password: Annotated[str, Form(max_length=1024)],
) -> RedirectResponse:
    """Add a teammate with a first password (they change it under Settings)."""
    me = viewer(request)
    with store_of(request).session() as session:
        ws = session.get_one(Workspace, me.workspace_id)
        wanted = Role(role)
        if wanted is Role.OWNER and me.role != Role.OWNER.value:
            raise PermissionError("only an owner adds another owner")
        mate = do_add_teammate(session, ws, email=email, name=name.strip() or email, role=wanted, acting=me.acting)
        if mate.password_hash is not None:
            raise ValueError(f"{mate.email} is already a teammate")
        do_set_password(session, mate, password, acting=me.acting)
    return redirect(request, "/settings", "Teammate added.")
