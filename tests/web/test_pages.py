"""The dashboard through HTTP (FastAPI's TestClient): every route as every role, CSRF, headers, the workflow."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from goodwill.actions import access_workspace
from goodwill.actions.approvals import do_set_approval_policy
from goodwill.store.tables import Activity, Message, Workspace
from goodwill.store.tables_replies import Outbox, ReplyApproval
from goodwill.web import ROUTE_ROLES
from goodwill.web.pages import RANK
from tests.conftest import TESTER
from tests.web.conftest import PASSWORD, ROLES, Site, assert_no_active_content, csrf_of

# Routes that change the client's own session go last (a password change signs the browser out).
LAST = {("POST", "/settings/password"): 1, ("POST", "/logout"): 2}


def _held_approval(site: Site) -> int:
    """A reply by the agent held for approval (the policy holds every agent's reply)."""
    with site.store.session() as session:
        do_set_approval_policy(session, access_workspace(session, "acme"), rules=[{"role": "agent"}], acting=TESTER)
    agent = site.client("agent")
    page = agent.get(f"/conversations/{site.conversations['q1']}")
    agent.post(
        f"/conversations/{site.conversations['q1']}/reply",
        data={"csrf": csrf_of(page.text), "text": "Yes, we ship to Canada in 5 days.", "key": uuid.uuid4().hex},
    )
    with site.store.reader() as session:
        approval = session.scalar(select(ReplyApproval.id))
    assert approval is not None
    return approval


def _concrete(path: str, site: Site, approval: int) -> str:
    with site.store.reader() as session:
        person = session.scalar(select(Message.identity_id).limit(1))
        from goodwill.store.tables import Identity

        person = session.scalar(select(Identity.person_id).where(Identity.person_id.is_not(None)).limit(1))
    values = {
        "conversation_id": site.conversations["c1"],
        "person_id": person,
        "approval_id": approval,
        "name": "app.css",
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def _form(method: str, path: str, role: str) -> dict[str, str]:
    return {
        "/conversations/{conversation_id}/reply": {
            "text": "So sorry, we'll replace it today.",
            "key": uuid.uuid4().hex,
        },
        "/conversations/{conversation_id}/check": {"text": "We are the best, buy now!"},
        "/conversations/{conversation_id}/assign": {"to": "me"},
        "/conversations/{conversation_id}/status": {"to": "resolved"},
        "/conversations/{conversation_id}/note": {"text": "looking into it"},
        "/approvals/{approval_id}": {"decision": "reject", "note": "no"},
        "/settings/password": {"current": PASSWORD, "new": PASSWORD},
        "/settings/goals": {"metric": "response_rate", "target": "90%"},
        "/settings/team": {"email": f"new-{role}@acme.test", "name": "New", "role": "agent", "password": PASSWORD},
        "/logout": {},
    }[path]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_route_as_every_role(site: Site, role: str | None) -> None:
    approval = _held_approval(site)
    client = site.client(role)
    csrf = csrf_of(client.get("/settings").text) if role else ""
    walked = set()
    for (method, path), needed in sorted(ROUTE_ROLES.items(), key=lambda kv: (LAST.get(kv[0], 0), kv[0])):
        walked.add((method, path))
        if path == "/login":
            continue  # the login form and its limits: test_login_*
        url = _concrete(path, site, approval)
        allowed = needed is None or (role is not None and RANK[role] >= RANK[needed])
        if method == "GET":
            got = client.get(url, follow_redirects=False)
            if needed is not None and role is None:
                assert got.status_code == 303 and got.headers["location"].startswith("/login?next="), url
            elif allowed:
                assert got.status_code in (200, 303), (url, role, got.status_code, got.text[:300])
            else:
                assert got.status_code == 403, (url, role, got.status_code)
        else:
            data = {"csrf": csrf, **_form(method, path, role or "anon")}
            got = client.post(url, data=data, follow_redirects=False)
            expected = (200, 303) if allowed else (401,) if role is None else (403,)
            assert got.status_code in expected, (url, role, got.status_code, got.text[:300])
            if allowed and got.status_code == 303:
                assert "Not done" not in (got.cookies.get("gw_flash") or ""), (url, got.cookies.get("gw_flash"))
            if allowed and path == "/settings/password":  # a changed password signs every browser out
                assert client.get("/inbox", follow_redirects=False).status_code == 303
                client = site.client(role)
                csrf = csrf_of(client.get("/settings").text)
    assert walked == set(ROUTE_ROLES)


def test_viewer_reads_but_cannot_reply_and_the_library_refuses_too(site: Site) -> None:
    viewer = site.client("viewer")
    page = viewer.get(f"/conversations/{site.conversations['c1']}")
    assert page.status_code == 200 and 'id="composer"' not in page.text
    refused = viewer.post(
        f"/conversations/{site.conversations['c1']}/reply", data={"csrf": csrf_of(page.text), "text": "hi"}
    )
    assert refused.status_code == 403
    with site.store.reader() as session:
        assert session.scalar(select(func.count()).select_from(Outbox)) == 0


def test_agent_replies_once_per_form_and_sees_it_in_the_timeline(site: Site) -> None:
    agent = site.client("agent")
    cid = site.conversations["c1"]
    page = agent.get(f"/conversations/{cid}")
    assert "Suggested" in page.text or 'class="suggestions"' in page.text
    form = {"csrf": csrf_of(page.text), "text": "So sorry it arrived broken, Carla. A refund is on its way today."}
    key = re.search(r'name="key" value="([0-9a-f]+)"', page.text)
    assert key
    for _ in range(2):  # a double submit of the same form queues one reply
        done = agent.post(f"/conversations/{cid}/reply", data={**form, "key": key.group(1)}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == f"/conversations/{cid}"
    with site.store.reader() as session:
        rows = session.scalars(select(Outbox).where(Outbox.conversation_id == cid)).all()
    assert len(rows) == 1 and rows[0].created_by_id == site.team["agent"]
    after = agent.get(f"/conversations/{cid}")
    assert "Reply queued." in after.text and "A refund is on its way today." in after.text


def test_workflow_buttons_assign_resolve_snooze_note(site: Site) -> None:
    agent = site.client("agent")
    cid = site.conversations["q1"]
    csrf = csrf_of(agent.get(f"/conversations/{cid}").text)
    for path, data in (
        ("assign", {"to": "me"}),
        ("note", {"text": "@owner can you check stock?"}),
        ("status", {"to": "snoozed", "snooze": "4h"}),
        ("status", {"to": "resolved"}),
    ):
        assert agent.post(f"/conversations/{cid}/{path}", data={"csrf": csrf, **data}).status_code == 200
    with site.store.reader() as session:
        kinds = session.scalars(select(Activity.kind).where(Activity.conversation_id == cid).order_by(Activity.id))
        assert list(kinds) == ["assigned", "note", "status", "status"]
    bad = agent.post(f"/conversations/{cid}/status", data={"csrf": csrf, "to": "deleted"})
    assert bad.status_code == 400
    empty = agent.post(f"/conversations/{cid}/note", data={"csrf": csrf, "text": "  "}, follow_redirects=False)
    assert empty.status_code == 303 and "Not done" in agent.get(f"/conversations/{cid}").text


def test_inbox_filters_and_sla_clock(site: Site) -> None:
    owner = site.client("owner")
    page = owner.get("/inbox")
    assert page.status_code == 200
    assert re.search(r'class="sla sla-\w+" data-due="[^"]+">(due in|breached)', page.text)
    complaints = owner.get("/inbox", params={"intent": "complaint"}).text
    assert "arrived broken" in complaints and "ship to Canada" not in complaints
    assert "ship to Canada" in owner.get("/inbox", params={"intent": "question"}).text
    assert owner.get("/inbox", params={"assignee": "me"}).text.count('class="row') == 0
    assert owner.get("/inbox", params={"intent": "nonsense", "page": "-3"}).status_code == 200


def test_tone_check_answers_json_with_findings(site: Site) -> None:
    agent = site.client("agent")
    cid = site.conversations["c1"]
    csrf = csrf_of(agent.get(f"/conversations/{cid}").text)
    got = agent.post(
        f"/conversations/{cid}/check", data={"text": "Not our fault, read the FAQ."}, headers={"X-CSRF-Token": csrf}
    )
    assert got.status_code == 200
    checks = {f["check"] for f in got.json()["data"]}
    assert "defensive" in checks or "no_apology" in checks
    stale = agent.post(f"/conversations/{cid}/check", data={"text": "x"}, headers={"X-CSRF-Token": "nope"})
    assert stale.status_code == 403 and "detail" in stale.json()


def test_csrf_is_required_on_every_post(site: Site) -> None:
    agent = site.client("agent")
    other = site.client("owner")
    cid = site.conversations["c1"]
    url = f"/conversations/{cid}/note"
    assert agent.post(url, data={"text": "no token"}).status_code == 403
    assert agent.post(url, data={"text": "wrong", "csrf": "x" * 43}).status_code == 403
    someone_elses = csrf_of(other.get("/inbox").text)
    assert agent.post(url, data={"text": "theirs", "csrf": someone_elses}).status_code == 403
    fresh = site.client()
    assert fresh.post("/login", data={"email": "agent@acme.test", "password": PASSWORD}).status_code in (403, 422)


def test_objects_of_another_workspace_are_not_found(site: Site) -> None:
    from goodwill.actions import do_create_workspace

    with site.store.session() as session:
        do_create_workspace(session, slug="other", name="Other", acting=TESTER)
        other = session.scalar(select(Workspace.id).where(Workspace.slug == "other"))
        assert other is not None
    owner = site.client("owner")
    assert owner.get("/conversations/999999").status_code == 404
    assert owner.get("/people/999999").status_code == 404


def test_security_headers_cookies_and_no_inline_script(site: Site) -> None:
    owner = site.client()
    login_page = owner.get("/login")
    csp = login_page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert login_page.headers["x-frame-options"] == "DENY"
    assert login_page.headers["x-content-type-options"] == "nosniff"
    done = owner.post(
        "/login",
        data={"email": "owner@acme.test", "password": PASSWORD, "csrf": csrf_of(login_page.text)},
        follow_redirects=False,
    )
    cookie = done.headers["set-cookie"]
    assert "gw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    for path in ("/inbox", f"/conversations/{site.conversations['x-script']}", "/people", "/settings", "/audit"):
        page = owner.get(path).text
        assert_no_active_content(page, path)
    report = owner.get("/audit/report")
    assert report.headers["content-security-policy"].startswith("default-src 'none'")
    assert report.headers["x-frame-options"] == "SAMEORIGIN" and "<script" not in report.text


def test_https_sets_secure_cookies_and_hsts(site: Site) -> None:
    client = TestClient(site.app, base_url="https://testserver")  # type: ignore[arg-type]
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"] and "max-age" in page.headers["strict-transport-security"]
    done = client.post(
        "/login",
        data={"email": "agent@acme.test", "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert "Secure" in done.headers["set-cookie"]


def test_a_held_reply_is_approved_after_editing_by_the_owner(site: Site) -> None:
    approval = _held_approval(site)
    agent = site.client("agent")
    page = agent.get(f"/conversations/{site.conversations['q1']}")
    assert "waiting for approval" in page.text
    owner = site.client("owner")
    listed = owner.get("/approvals")
    assert "Yes, we ship to Canada in 5 days." in listed.text
    done = owner.post(
        f"/approvals/{approval}",
        data={"csrf": csrf_of(listed.text), "decision": "approve", "text": "Hi Quinn! Yes, we ship to Canada."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with site.store.reader() as session:
        decided = session.get_one(ReplyApproval, approval)
        row = session.get_one(Outbox, decided.outbox_id)
    assert decided.status == "approved" and row.status == "pending" and row.text == "Hi Quinn! Yes, we ship to Canada."
    again = owner.post(f"/approvals/{approval}", data={"csrf": csrf_of(listed.text), "decision": "reject"})
    assert "Not done" in again.text and "already approved" in again.text


def test_people_nudges_and_calendar_show_the_workspace(site: Site) -> None:
    from datetime import UTC, datetime

    from goodwill.store.tables import Channel, Post

    when = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    with site.store.session() as session:
        channel = session.scalars(select(Channel)).one()
        session.add(
            Post(workspace_id=channel.workspace_id, channel_id=channel.id, status="scheduled",
                 text="Spring roast <b>launch</b>", scheduled_at=when, created_at=when)
        )  # fmt: skip
    owner = site.client("owner")
    march = owner.get("/calendar", params={"month": "2026-03"}).text
    assert "Spring roast &lt;b&gt;launch&lt;/b&gt;" in march and "post-scheduled" in march
    assert "Spring roast" not in owner.get("/calendar", params={"month": "2026-04"}).text
    assert owner.get("/calendar", params={"month": "March"}).status_code == 400
    people = owner.get("/people", params={"q": "carla"}).text
    assert "carla" in people.lower() and "quinn" not in people.lower()
    assert "No nudges right now" in owner.get("/nudges").text
    from goodwill.store.tables import Person
    from goodwill.store.tables_relationships import Nudge

    with site.store.session() as session:
        person = session.scalars(select(Person).order_by(Person.id)).first()
        assert person is not None
        common = {"workspace_id": person.workspace_id, "person_id": person.id, "due_at": when, "created_at": when}
        session.add_all(
            [
                Nudge(kind="thank", key="t1", why="praised the <b>beans</b>", draft="Thanks <script>x()</script>!",
                      score=2.0, status="open", **common),
                Nudge(kind="reconnect", key="t2", why="gone quiet", score=1.0, status="dismissed", **common),
            ]
        )  # fmt: skip
    shown = owner.get("/nudges").text
    assert "praised the &lt;b&gt;beans&lt;/b&gt;" in shown and "Thanks &lt;script&gt;x()&lt;/script&gt;!" in shown
    assert "gone quiet" not in shown  # dismissed nudges are not shown
