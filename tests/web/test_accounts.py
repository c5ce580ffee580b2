"""Passwords, sign-in limits (stored, so shared by every process), sessions and sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from goodwill.actions.accounts import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    RateLimited,
    SignInRefused,
    authenticate,
    do_set_password,
    do_start_session,
    do_touch_session,
    password_matches,
    viewer_of,
)
from goodwill.actions.audit import Acting
from goodwill.api.app import create_app
from goodwill.store.tables import AuditEntry, Teammate
from goodwill.store.tables_web import WebSession
from tests.web.conftest import PASSWORD, Site, csrf_of


def _try(client, email: str, password: str):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf": csrf_of(form.text)}, follow_redirects=False
    )


def test_login_wrong_password_then_right_one(site: Site) -> None:
    client = site.client()
    bad = _try(client, "agent@acme.test", "wrong password")
    assert bad.status_code == 401 and "wrong e-mail or password" in bad.text
    assert _try(client, "nobody@acme.test", PASSWORD).status_code == 401
    ok = _try(client, "Agent@Acme.test ", PASSWORD)
    assert ok.status_code == 303 and ok.headers["location"] == "/inbox"
    assert client.get("/inbox").status_code == 200
    with site.store.reader() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("login.%"))))
        stored = session.scalar(select(Teammate.password_hash).where(Teammate.email == "agent@acme.test"))
    assert actions == ["login.bad", "login.bad", "login.ok"]
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_login_is_limited_per_account_across_processes(site: Site) -> None:
    client = site.client()
    for _ in range(ACCOUNT_LIMIT):
        assert _try(client, "owner@acme.test", "guess guess").status_code == 401
    limited = _try(client, "owner@acme.test", PASSWORD)  # even the right password waits
    assert limited.status_code == 429 and "too many failed sign-ins" in limited.text
    from fastapi.testclient import TestClient

    elsewhere = TestClient(create_app(site.store))  # another process: the limit is in the database
    assert _try(elsewhere, "owner@acme.test", PASSWORD).status_code == 429
    assert _try(client, "agent@acme.test", PASSWORD).status_code == 303  # other accounts are not limited


def test_login_is_limited_per_address(site: Site) -> None:
    with site.store.session() as session:
        for i in range(ADDRESS_LIMIT):
            with pytest.raises(SignInRefused):
                authenticate(session, email=f"spray{i}@acme.test", password="x", ip="10.0.0.9")
    with site.store.session() as session, pytest.raises(RateLimited) as caught:
        authenticate(session, email="agent@acme.test", password=PASSWORD, ip="10.0.0.9")
    assert timedelta(0) < caught.value.retry_after <= timedelta(minutes=15)
    with site.store.session() as session:
        assert authenticate(session, email="agent@acme.test", password=PASSWORD, ip="10.0.0.10").email


def test_passwords_are_checked_and_changing_one_ends_sessions(site: Site) -> None:
    with site.store.session() as session:
        mate = session.get_one(Teammate, site.team["agent"])
        with pytest.raises(ValueError, match="at least 10"):
            do_set_password(session, mate, "short", acting=Acting("test"))
        with pytest.raises(PermissionError):
            do_set_password(session, mate, "a new password", acting=Acting("viewer", site.team["viewer"]))
    client = site.client("agent")
    assert client.get("/inbox").status_code == 200
    with site.store.session() as session:
        do_set_password(session, session.get_one(Teammate, site.team["agent"]), "a new password", acting=Acting("t"))
        assert (
            session.scalar(
                select(func.count()).select_from(WebSession).where(WebSession.teammate_id == site.team["agent"])
            )
            == 0
        )
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    assert not password_matches(None, "") and not password_matches("garbage", "x")


def test_session_token_is_stored_hashed_and_expires(site: Site) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with site.store.session() as session:
        signed = do_start_session(
            session, session.get_one(Teammate, site.team["owner"]), ip="1.2.3.4", user_agent="t", now=now
        )
    with site.store.session() as session:
        assert session.get(WebSession, signed.token) is None
        seen = viewer_of(session, signed.token, now=now + timedelta(days=1))
        assert seen is not None and seen.touch_due and seen.teammate_id == site.team["owner"]
        assert not viewer_of(session, signed.token, now=now + timedelta(minutes=1)).touch_due  # type: ignore[union-attr]
        assert viewer_of(session, signed.token, now=now + timedelta(days=8)) is None  # idle too long
        do_touch_session(session, signed.token, now=now + timedelta(days=6))
    with site.store.session() as session:
        assert viewer_of(session, signed.token, now=now + timedelta(days=8)) is not None  # the touch slid it on
        assert viewer_of(session, signed.token, now=now + timedelta(days=30)) is None
        assert viewer_of(session, "not a token", now=now) is None


def test_sign_out_ends_the_session(site: Site) -> None:
    client = site.client("agent")
    csrf = csrf_of(client.get("/inbox").text)
    cookie = client.cookies.get("gw_session")
    assert client.post("/logout", data={"csrf": csrf}).status_code == 200
    client.cookies.set("gw_session", cookie or "")
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_next_after_login_stays_on_this_site(site: Site) -> None:
    client = site.client()
    page = client.get("/inbox?intent=complaint", follow_redirects=True)
    assert 'name="next" value="/inbox?intent=complaint"' in page.text
    form = client.get("/login")
    done = client.post(
        "/login",
        data={"email": "agent@acme.test", "password": PASSWORD, "csrf": csrf_of(form.text), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert done.headers["location"] == "/inbox"
