"""The dashboard in a real Chromium (Debian's `chromium`, driven by Playwright from PyPI), on the demo world.

Skipped without /usr/bin/chromium on a user's machine; under CI=true a missing browser fails (.ci/run
installs it). `GOODWILL_SCREENSHOTS=docs/screenshots` also writes PNGs of the main pages there."""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.accounts import do_set_password
from goodwill.actions.activity import access_teammate_by_id
from goodwill.demo import build_world
from goodwill.domain import Network
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.jobs.inbox import process_pending
from goodwill.store import Store, open_store
from goodwill.store.tables import Channel, Message
from tests.conftest import TESTER, _service_missing
from tests.factories import msg

CHROMIUM = Path(os.environ.get("GOODWILL_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "larkspur demo password"
PAYLOAD = (
    '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> my order arrived broken, '
    'I want a refund <a href="javascript:window.pwned=3">details</a>'
)
SHOTS = os.environ.get("GOODWILL_SCREENSHOTS")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _service_missing("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_world(path: Path) -> tuple[Store, int]:
    """The demo world with passwords, plus one hostile message; returns the store and its conversation id."""
    store = open_store(f"sqlite:///{path}", migrate_schema=True)
    build_world(store, now=datetime.now(UTC))
    with store.session() as session:
        ws = access_workspace(session, "demo")
        for email in ("maya@larkspur.coffee", "sam@larkspur.coffee", "ruth@larkspur.coffee"):
            do_set_password(session, access_teammate_by_id(session, ws, email), PASSWORD, acting=TESTER)
        channel = session.scalars(select(Channel).where(Channel.network == "x")).first()
        assert channel is not None
        ref = ChannelRef.of(channel)
    hostile = msg("xss-1", text=PAYLOAD, author="mallory", network=Network.X, handle="mallory")
    hostile = dataclasses.replace(hostile, created_at=datetime.now(UTC).replace(microsecond=0))
    ingest(store, ref, [hostile])
    process_pending(store)
    with store.reader() as session:
        cid = session.scalar(select(Message.conversation_id).where(Message.native_id == "xss-1"))
    assert cid is not None
    return store, cid


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[tuple[str, int]]:
    import uvicorn

    from goodwill.api.app import create_app

    store, hostile = _demo_world(tmp_path_factory.mktemp("browser") / "demo.db")
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", hostile
    srv.should_exit = True
    thread.join(10)
    store.dispose()


@pytest.fixture(scope="module")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: tuple[str, int]) -> Iterator[object]:
    context = browser.new_context(base_url=server[0], viewport={"width": 1360, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    tab.problems = problems
    yield tab
    context.close()
    assert not [p for p in problems if "Content Security Policy" in p or "dialog" in p or "pwned" in p], problems


def _login(page: object, email: str = "maya@larkspur.coffee") -> None:
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("input[name=email]", email)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"/inbox"))  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def test_login_and_work_the_inbox_with_the_keyboard(page: object) -> None:
    p = page
    p.goto("/inbox")  # type: ignore[attr-defined]
    assert "/login" in p.url  # type: ignore[attr-defined]
    _shot(p, "login")
    _login(p)
    rows = p.locator("#inbox tr.row")  # type: ignore[attr-defined]
    assert rows.count() > 5
    clock = p.locator(".sla[data-due]").first  # type: ignore[attr-defined]
    assert re.match(r"(due in|breached) ", clock.inner_text())
    _shot(p, "inbox")
    p.keyboard.press("j")  # type: ignore[attr-defined]
    p.keyboard.press("j")  # type: ignore[attr-defined]
    assert "selected" in (rows.nth(1).get_attribute("class") or "")
    target = rows.nth(1).get_attribute("data-href")
    p.keyboard.press("Enter")  # type: ignore[attr-defined]
    p.wait_for_url(re.compile(re.escape(target or "?")))  # type: ignore[attr-defined]
    p.goto("/inbox?intent=complaint")  # type: ignore[attr-defined]
    intents = p.locator("#inbox .intent").all_inner_texts()  # type: ignore[attr-defined]
    assert intents and set(intents) == {"complaint"}
    p.keyboard.press("?")  # type: ignore[attr-defined]
    assert p.locator("#keys").is_visible()  # type: ignore[attr-defined]


def test_reply_with_a_suggestion_and_the_live_tone_guard(page: object) -> None:
    p = page
    _login(p, "sam@larkspur.coffee")
    p.goto("/inbox?intent=complaint")  # type: ignore[attr-defined]
    p.locator("#inbox tr.row a").first.click()  # type: ignore[attr-defined]
    p.wait_for_url(re.compile(r"/conversations/\d+"))  # type: ignore[attr-defined]
    box = p.locator("#reply")  # type: ignore[attr-defined]
    box.fill("That is not our fault, read the FAQ.")
    findings = p.locator("#findings li")  # type: ignore[attr-defined]
    findings.first.wait_for(timeout=10_000)
    assert any(t.startswith(("block:", "warn:")) for t in findings.all_inner_texts())
    _shot(p, "conversation")
    p.locator("button.use").first.click()  # type: ignore[attr-defined]
    suggested = box.input_value()
    assert len(suggested) > 20
    p.click("text=Send reply")  # type: ignore[attr-defined]
    p.wait_for_selector(".flash")  # type: ignore[attr-defined]
    assert re.search(r"Reply (queued|held for approval)", p.inner_text(".flash"))  # type: ignore[attr-defined]
    assert suggested.split()[-1] in p.inner_text(".timeline")  # type: ignore[attr-defined]


def test_open_a_person_and_the_audit(page: object) -> None:
    p = page
    _login(p)
    p.locator("#inbox tr.row a").first.click()  # type: ignore[attr-defined]
    p.locator(".conv-head h1 a").click()  # type: ignore[attr-defined]
    p.wait_for_url(re.compile(r"/people/\d+"))  # type: ignore[attr-defined]
    assert p.locator("text=Accounts").count() == 1  # type: ignore[attr-defined]
    _shot(p, "person")
    p.goto("/audit")  # type: ignore[attr-defined]
    frame = p.frame_locator("iframe.report")  # type: ignore[attr-defined]
    frame.locator("h1").wait_for()
    assert "Is our social strategy working?" in frame.locator("h1").inner_text()
    assert frame.locator("svg").count() > 0
    _shot(p, "audit")
    for name in ("people", "nudges", "calendar", "settings"):
        p.goto(f"/{name}")  # type: ignore[attr-defined]
        assert p.locator("h1").count() == 1  # type: ignore[attr-defined]
        _shot(p, name)


def test_a_hostile_message_does_not_execute(page: object, server: tuple[str, int]) -> None:
    p = page
    _login(p)
    p.goto(f"/conversations/{server[1]}")  # type: ignore[attr-defined]
    text = p.inner_text(".timeline")  # type: ignore[attr-defined]
    assert "<script>window.pwned=1</script>" in text and 'onerror="window.pwned=2"' in text
    assert p.locator(".timeline a, .timeline img, .timeline script").count() == 0  # type: ignore[attr-defined]
    p.goto("/inbox?status=any&all=true")  # type: ignore[attr-defined]
    p.goto(f"/conversations/{server[1]}")  # type: ignore[attr-defined]
    assert p.evaluate("typeof window.pwned") == "undefined"  # type: ignore[attr-defined]


def test_a_viewer_reads_without_a_composer(page: object) -> None:
    p = page
    _login(p, "ruth@larkspur.coffee")
    p.locator("#inbox tr.row a").first.click()  # type: ignore[attr-defined]
    p.wait_for_url(re.compile(r"/conversations/\d+"))  # type: ignore[attr-defined]
    assert p.locator("#composer").count() == 0  # type: ignore[attr-defined]
    assert p.locator("#inbox button").count() == 0  # type: ignore[attr-defined]
