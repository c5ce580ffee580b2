"""Every route as every role, and without a token, with another workspace's token, with a scope missing.

`ROUTES` lists every REST route with the scope it needs (and, where the library narrows it further, the
roles that may); a route added to the app without an entry here fails the completeness test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id
from goodwill.actions.approvals import do_set_approval_policy
from goodwill.actions.audit import Acting
from goodwill.actions.goals import do_set_goal
from goodwill.actions.policy import do_create_rule
from goodwill.actions.replies import do_reply
from goodwill.actions.tokens import ROLE_SCOPES, do_create_token
from goodwill.api.app import create_app
from goodwill.api.rest import PREFIX
from goodwill.store.tables import Conversation, Message, Post, Teammate
from goodwill.store.tables_replies import ReplyApproval
from tests.api.conftest import ROLES, Api
from tests.conftest import TESTER
from tests.inbox.conftest import NOW

ADMINS = {"owner", "admin"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /api/v1/workspaces/acme unless it starts with /
    scope: str
    roles: frozenset[str] | None = None  # the library narrows the scope to these roles
    body: dict[str, Any] | None = None


ROUTES = [
    Route("GET", "/me", "any"),
    Route("GET", "/workspaces", "read"),
    Route("GET", "", "read"),
    Route("GET", "channels", "read"),
    Route("GET", "channels/{channel_id}", "read"),
    Route("GET", "teammates", "read"),
    Route("GET", "conversations", "read"),
    Route("GET", "conversations/{conversation_id}", "read"),
    Route("GET", "conversations/{conversation_id}/messages", "read"),
    Route("GET", "conversations/{conversation_id}/suggestions", "read"),
    Route("POST", "conversations/{conversation_id}/check", "read", body={"text": "Sorry! DM us your order number."}),
    Route("PATCH", "conversations/{conversation_id}", "write", body={"priority": 55, "add_tags": ["billing"]}),
    Route("POST", "conversations/{conversation_id}/notes", "write", body={"text": "looking into it @ben"}),
    Route("POST", "conversations/{conversation_id}/lock", "write"),
    Route("POST", "conversations/{conversation_id}/replies", "reply", body={"text": "So sorry, Ann: on it now."}),
    Route("GET", "messages/{message_id}", "read"),
    Route("POST", "messages/{message_id}/triage", "write", body={"intent": "question"}),
    Route("GET", "replies", "read"),
    Route("GET", "replies/{reply_id}", "read"),
    Route("POST", "replies/{reply_id}/retry", "reply"),
    Route("GET", "approvals", "read"),
    Route("GET", "approvals/{approval_id}", "read"),
    Route("POST", "approvals/{edit_approval_id}/edit", "reply", frozenset(ADMINS), body={"text": "Edited reply."}),
    Route("POST", "approvals/{approval_id}/approve", "reply", frozenset(ADMINS), body={"note": "fine"}),
    Route("POST", "approvals/{reject_approval_id}/reject", "reply", frozenset(ADMINS), body={"note": "no"}),
    Route("GET", "people", "read"),
    Route("GET", "people/{person_id}", "read"),
    Route("GET", "posts", "read"),
    Route("GET", "posts/{post_id}", "read"),
    Route("GET", "rules", "read"),
    Route("GET", "rules/{rule_id}", "read"),
    Route(
        "POST",
        "rules",
        "admin",
        body={"name": "refunds", "conditions": {"keyword": ["refund"]}, "actions": {"tag": ["refund"]}},
    ),
    Route("PATCH", "rules/{rule_id}", "admin", body={"enabled": False}),
    Route("GET", "goals", "read"),
    Route("PUT", "goals/{metric}", "admin", body={"target": "90%"}),
    Route("GET", "audit", "read"),
    Route("GET", "audit-log", "admin"),
    Route("GET", "tokens", "read"),
    Route("POST", "tokens", "admin", body={"name": "ci", "scopes": ["read"]}),
    Route("DELETE", "tokens/{token_id}", "admin"),
    Route("DELETE", "goals/{goal_to_remove}", "admin"),
    Route("DELETE", "rules/{rule_to_delete}", "admin"),
]


def _template(route: Route) -> str:
    """The route's path as the app declares it."""
    names = {
        "{edit_approval_id}": "{approval_id}",
        "{reject_approval_id}": "{approval_id}",
        "{goal_to_remove}": "{metric}",
        "{rule_to_delete}": "{rule_id}",
    }
    path = route.path
    for name, declared in names.items():
        path = path.replace(name, declared)
    if path.startswith("/"):
        return f"{PREFIX}{path}"
    return f"{PREFIX}/workspaces/{{slug}}" + (f"/{path}" if path else "")


def test_every_route_of_the_app_is_walked(api: Api) -> None:
    paths = create_app(api.world.store).openapi()["paths"]
    declared = {(method.upper(), path) for path, ops in paths.items() if path.startswith(PREFIX) for method in ops}
    walked = {(r.method, _template(r)) for r in ROUTES}
    assert declared == walked


def _state(api: Api) -> dict[str, Any]:
    """Objects for every route: a held reply per approval route, a failed reply, rules, a goal, a token."""
    store, team = api.world.store, api.world.team
    ann = api.world.conversation_of("1").id
    bob = api.world.conversation_of("2").id
    cat = api.world.conversation_of("3").id
    ada = Acting(label="ada@acme.test", teammate_id=team["Ada"])
    with store.session() as session:
        ws = access_workspace(session, "acme")
        do_set_approval_policy(session, ws, rules=[{"role": "agent"}], acting=TESTER)
        held = [
            do_reply(session, ws, access_conversation_by_id(session, ws, bob), f"Reply {i}", acting=ada)
            for i in range(3)
        ]
        failed = do_reply(
            session, ws, access_conversation_by_id(session, ws, cat), "Thank you!", acting=TESTER, now=NOW
        )
        failed.status = "failed"
        session.flush()
        approvals = [session.scalar(select(ReplyApproval.id).where(ReplyApproval.outbox_id == o.id)) for o in held]
        rules = [
            do_create_rule(session, ws, name=n, conditions={"keyword": [n]}, actions={"priority": 50}, acting=TESTER)
            for n in ("late", "broken")
        ]
        do_set_goal(session, ws, metric="response_rate", target="90%", acting=TESTER)
        ben = session.get_one(Teammate, team["Ben"])
        spare = do_create_token(session, ws, ben, name="spare", scopes=["read"], acting=TESTER).token
        conversation = session.get_one(Conversation, ann)
        post = Post(
            workspace_id=ws.id,
            channel_id=conversation.channel_id,
            status="draft",
            text="New blend out Friday",
            created_at=NOW,
        )
        session.add(post)
        session.flush()
        message = session.scalar(select(Message.id).where(Message.native_id == "1"))
        return {
            "channel_id": conversation.channel_id,
            "conversation_id": ann,
            "message_id": message,
            "reply_id": failed.id,
            "approval_id": approvals[0],
            "edit_approval_id": approvals[1],
            "reject_approval_id": approvals[2],
            "person_id": conversation.person_id,
            "post_id": post.id,
            "rule_id": rules[0].id,
            "rule_to_delete": rules[1].id,
            "metric": "posts_per_week",
            "goal_to_remove": "response_rate",
            "token_id": spare.id,
        }


def _path(route: Route, ids: dict[str, Any]) -> str:
    """The full URL path: the template with slug acme and the ids filled in."""
    path = route.path.format(**ids)
    return f"{PREFIX}{path}" if path.startswith("/") else f"{PREFIX}/workspaces/acme" + (f"/{path}" if path else "")


def _allowed(route: Route, role: str) -> bool:
    if route.scope == "any":
        return True
    return route.scope in ROLE_SCOPES[role] and (route.roles is None or role in route.roles)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as_every_role(api: Api, role: str) -> None:
    ids = _state(api)
    for route in ROUTES:
        answer = api.call(route.method, _path(route, ids), role, json=route.body)
        where = f"{route.method} {route.path} as {role}: {answer.status_code} {answer.text[:200]}"
        if _allowed(route, role):
            assert 200 <= answer.status_code < 300, where
        else:
            assert answer.status_code == 403, where
            assert answer.json()["error"]["code"] in ("scope", "role", "forbidden"), where


def test_every_route_refuses_no_token_another_workspace_and_a_missing_scope(api: Api) -> None:
    ids = _state(api)
    stranger = api.other
    only_reply = api.token("Olive", ["reply"])
    only_read = api.token("Olive", ["read"])
    for route in ROUTES:
        path = _path(route, ids)
        assert api.call(route.method, path, role=None, json=route.body).status_code == 401, route
        if not route.path.startswith("/"):
            assert api.call(route.method, path, token=stranger, json=route.body).status_code == 404, route
        if route.scope != "any":
            lacking = only_reply if route.scope != "reply" else only_read
            answer = api.call(route.method, path, token=lacking, json=route.body)
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope", route
