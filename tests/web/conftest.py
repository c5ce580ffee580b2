"""Dashboard fixtures: a workspace with one teammate per role (each with a password), an X channel sending
through the local connector, and conversations including hostile text; a TestClient signed in as a role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.accounts import do_set_password
from goodwill.actions.team import do_add_teammate
from goodwill.api.app import create_app
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.jobs import process_pending
from goodwill.store import Store
from goodwill.store.tables import Message
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import NOW, classify

PASSWORD = "correct horse battery"
ROLES = ("owner", "admin", "agent", "viewer")
XSS = {
    "script": "<script>window.pwned=1</script> refund please, it's broken",
    "img": '<img src=x onerror="window.pwned=2"> is the order late?',
    "link": 'see javascript:window.pwned=3 and <a href="javascript:window.pwned=4">this</a> broken?',
}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the smallest cost in tests (each test signs in many times); the product's cost is the
    library's default, and verification reads the cost from each stored hash, so the code path is the same."""
    from argon2 import PasswordHasher

    from goodwill.actions import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Site:
    store: Store
    app: object
    team: dict[str, int]  # role -> teammate id
    conversations: dict[str, int]  # name -> conversation id

    def client(self, role: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="http://testserver")  # type: ignore[arg-type]
        if role is not None:
            login(client, f"{role}@acme.test")
        return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    form = client.get("/login")
    done = client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_of(form.text), "next": "/inbox"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def build_site(store: Store, tmp_path: Path) -> Site:
    with store.session() as session:
        ws = access_workspace(session, "acme")
        channel = do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        channel.config = {"connector": "local", "local_path": str(tmp_path / "posted.jsonl")}
        team = {}
        for role in ROLES:
            mate = do_add_teammate(
                session, ws, email=f"{role}@acme.test", name=f"{role.title()} Smith", role=Role(role), acting=TESTER
            )
            do_set_password(session, mate, PASSWORD, acting=TESTER)
            team[role] = mate.id
        ref = ChannelRef.of(channel)
    messages = [
        msg("c1", text="My order arrived broken, I want a refund", author="carla", minutes=0),
        msg("q1", text="Do you ship to Canada?", author="quinn", minutes=5),
        *(
            msg(f"x-{name}", text=text, author=f"eve{name}", minutes=10 + i)
            for i, (name, text) in enumerate(XSS.items())
        ),
    ]
    ingest(store, ref, messages, classify=classify)
    process_pending(store, now=NOW)
    with store.reader() as session:
        conversations = {
            native: session.scalar(select(Message.conversation_id).where(Message.native_id == native))
            for native in ("c1", "q1", *(f"x-{n}" for n in XSS))
        }
    return Site(store, create_app(store), team, conversations)  # type: ignore[arg-type]


@pytest.fixture
def site(store: Store, workspace: str, tmp_path: Path) -> Iterator[Site]:
    yield build_site(store, tmp_path)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.scripts.append(data)


def assert_no_active_content(page: str, where: str = "") -> None:
    """As a browser parses `page`: the only script is /static/app.js (no inline code), no element has an
    event handler or a style attribute, and no link or source is a javascript: URL."""
    parser = _Tags()
    parser.feed(page)
    assert parser.scripts == [], (where, parser.scripts)
    for tag, attrs in parser.tags:
        if tag == "script":
            assert attrs.get("src") == "/static/app.js", (where, attrs)
        assert not [a for a in attrs if a.startswith("on") or a == "style"], (where, tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, tag, attrs)
