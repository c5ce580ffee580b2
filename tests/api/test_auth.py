"""Tokens: none, unknown, revoked, expired, another workspace's, a scope missing, a role that narrowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.activity import utcnow
from goodwill.actions.audit import Acting
from goodwill.actions.tokens import access_token_by_id, do_create_token, do_revoke_token, find_token
from goodwill.store.tables import AuditEntry, Teammate
from goodwill.store.tables_api import ApiToken
from tests.api.conftest import BASE, Api
from tests.conftest import TESTER


def test_no_token_or_an_unknown_one_is_401_with_a_json_error(api: Api) -> None:
    none = api.get("conversations", role=None)
    assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
    message = "send an API token: Authorization: Bearer <token>"
    assert none.json() == {"error": {"code": "unauthorized", "message": message}}
    for bad in ("gw_nottherightsecret", "x" * 500, api.tokens["owner"][:-1]):
        answer = api.call("GET", "conversations", token=bad)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    basic = api.client.get(f"{BASE}/conversations", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_a_revoked_or_expired_token_stops_working(api: Api) -> None:
    secret = api.token("Ada", ["read"])
    assert api.call("GET", "conversations", token=secret).status_code == 200
    with api.world.store.session() as session:
        ws = access_workspace(session, "acme")
        token = find_token(session, secret)
        assert token is not None
        assert do_revoke_token(session, ws, token, acting=TESTER) is True
        assert do_revoke_token(session, ws, token, acting=TESTER) is False  # idempotent: one audit row
    assert api.call("GET", "conversations", token=secret).status_code == 401
    expiring = api.token("Ada", ["read"], name="short")
    with api.world.store.session() as session:
        token = find_token(session, expiring)
        assert token is not None
        token.expires_at = utcnow() - timedelta(seconds=1)
    assert api.call("GET", "conversations", token=expiring).status_code == 401
    with api.world.store.reader() as session:
        revokes = session.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke")).all()
    assert len(revokes) == 1


def test_only_the_hash_is_stored_and_use_is_stamped(api: Api) -> None:
    secret = api.tokens["agent"]
    assert api.get("/api/v1/me", role="agent").status_code == 200
    with api.world.store.reader() as session:
        rows = session.scalars(select(ApiToken)).all()
        assert all(secret not in (r.secret_hash, r.prefix) for r in rows)
        used = find_token(session, secret)
        assert used is not None and used.last_used_at is not None and used.prefix == secret[:10]


def test_another_workspaces_token_sees_nothing_here_and_ours_nothing_there(api: Api) -> None:
    mine = api.get("conversations")
    assert mine.status_code == 200
    theirs = api.call("GET", "conversations", token=api.other)
    assert theirs.status_code == 404 and theirs.json()["error"]["message"] == "no workspace 'acme'"
    assert api.get("/api/v1/workspaces/other/conversations").status_code == 404
    # an id from the other workspace, asked for in ours: not found, same answer as an id that does not exist
    stray = api.get(f"conversations/{api.other_conversation}")
    missing = api.get("conversations/999999")
    assert stray.status_code == missing.status_code == 404
    assert stray.json()["error"]["code"] == "not_found"
    assert api.call("PATCH", f"conversations/{api.other_conversation}", json={"priority": 5}).status_code == 404


def test_a_scope_the_token_lacks_is_403_and_so_is_one_the_role_no_longer_allows(api: Api) -> None:
    read_only = api.token("Olive", ["read"])
    answer = api.call("POST", "rules", token=read_only, json={"name": "x", "conditions": {}, "actions": {}})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "scope"
    write_only = api.token("Olive", ["write"])
    assert api.call("GET", "conversations", token=write_only).json()["error"]["code"] == "scope"
    admin_token = api.token("Adam", ["read", "admin"])
    assert api.call("GET", "audit-log", token=admin_token).status_code == 200
    with api.world.store.session() as session:
        session.get_one(Teammate, api.world.team["Adam"]).role = "viewer"  # demoted: the token narrows at once
    demoted = api.call("GET", "audit-log", token=admin_token)
    assert demoted.status_code == 403 and demoted.json()["error"]["code"] == "role"
    me = api.call("GET", "/api/v1/me", token=admin_token).json()
    assert me["token_scopes"] == ["admin", "read"] and me["scopes"] == ["read"]


def test_a_token_cannot_hold_a_scope_beyond_its_role(api: Api) -> None:
    refused = api.call("POST", "tokens", json={"name": "x", "scopes": ["admin"], "teammate_id": api.world.team["Vic"]})
    assert refused.status_code == 422 and refused.json()["error"] == {
        "code": "invalid",
        "message": "a viewer cannot hold the 'admin' scope",
        "field": "scopes",
    }


def test_tokens_over_the_api_secret_shown_once_then_revoked(api: Api) -> None:
    made = api.call("POST", "tokens", json={"name": "zapier", "scopes": ["read", "reply"]})
    assert made.status_code == 201
    body = made.json()
    assert body["secret"].startswith("gw_") and body["scopes"] == ["read", "reply"]
    assert api.call("GET", "/api/v1/me", token=body["secret"]).json()["teammate"]["email"] == "olive@acme.test"
    listed = api.get("tokens").json()
    assert all("secret" not in t for t in listed["data"]) and body["id"] in [t["id"] for t in listed["data"]]
    assert api.get("tokens", role="viewer").json()["count"] == 1  # a viewer sees their own only
    assert api.call("DELETE", f"tokens/{body['id']}").status_code == 204
    assert api.call("GET", "/api/v1/me", token=body["secret"]).status_code == 401
    with api.world.store.reader() as session:
        ws = access_workspace(session, "acme")
        assert access_token_by_id(session, ws, body["id"]).revoked_at is not None
    expired = api.call("POST", "tokens", json={"name": "old", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"})
    assert expired.status_code == 422 and expired.json()["error"]["field"] == "expires_at"
    naive = api.call("POST", "tokens", json={"name": "old", "scopes": ["read"], "expires_at": "2030-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "body.expires_at"


def test_teammates_issue_their_own_tokens_and_only_managers_issue_others(api: Api) -> None:
    team = api.world.team
    with api.world.store.session() as session:
        ws = access_workspace(session, "acme")
        ada, ben = (session.get_one(Teammate, team[n]) for n in ("Ada", "Ben"))
        as_ada = Acting(label="ada@acme.test", teammate_id=ada.id)
        own = do_create_token(session, ws, ada, name="mine", scopes=["reply", "read"], acting=as_ada)
        assert own.token.scopes == ["read", "reply"] and own.token.created_by_id == ada.id
        with pytest.raises(PermissionError, match="only owners and admins"):
            do_create_token(session, ws, ben, name="bens", scopes=["read"], acting=as_ada)
        as_adam = Acting(label="adam@acme.test", teammate_id=team["Adam"])
        issued = do_create_token(session, ws, ben, name="bens", scopes=["read"], acting=as_adam)
        assert issued.token.teammate_id == ben.id
        for scopes, why in (([], "at least one scope"), (["root"], "unknown scope 'root'")):
            with pytest.raises(ValueError, match=why):
                do_create_token(session, ws, ada, name="x", scopes=scopes, acting=as_ada)
