"""The `goodwill audit --html` file in a real browser, offline: Debian's Chromium driven through Playwright.

The charts draw (bars and points with a size on screen), they answer the pointer (a hovered bar fades, each
mark carries its tooltip), the page asks for nothing over the network, and script planted in social text
(a message, a channel name) is shown as text and never runs.

Needs /usr/bin/chromium (`apt-get install chromium`) and the `playwright` package (never `playwright
install`: the system browser is used). Skipped without them on a user's machine; a failure under CI=true.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from goodwill.actions import access_workspace
from goodwill.analytics.report import audit
from goodwill.demo import build_world
from goodwill.store import Store
from goodwill.store.tables import Channel, Message
from tests.cli import goodwill
from tests.conftest import _service_missing

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
# each payload sets a flag if it ever runs; none needs the network
PAYLOAD = (
    "<script>window.__xss = 'script'</script>"
    "<img src=x onerror=\"window.__xss = 'img'\">"
    "<svg onload=\"window.__xss = 'svg'\"></svg>"
    '"><iframe srcdoc="<script>parent.__xss = 1</script>"></iframe>'
)
CHANNEL_PAYLOAD = "<b onmouseover=\"window.__xss = 'hover'\">shop</b>"


@pytest.fixture
def chromium() -> Any:
    """A Playwright Chromium on the system browser, or a skip (a failure under CI)."""
    if shutil.which(CHROMIUM) is None:
        _service_missing("Chromium (/usr/bin/chromium)", "not installed: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _service_missing("Playwright (pip install playwright)", exc)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _planted_report(tmp_path: Path) -> Path:
    """The demo world, with the payload as the text of the conversations still waiting for an answer and
    as a channel's handle; then `goodwill audit --html` writes the file the browser opens."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    store = Store(url)
    store.migrate()
    build_world(store, seed=7, now=NOW)
    with store.reader() as session:
        waiting = audit(session, workspace="demo")["responsiveness"]["waiting"]["oldest"]
    assert waiting, "the demo world leaves complaints waiting"
    with store.session() as session:
        ws = access_workspace(session, "demo")
        ids = [w["conversation_id"] for w in waiting]
        session.execute(update(Message).where(Message.conversation_id.in_(ids)).values(text=PAYLOAD))
        first = session.scalars(select(Channel).where(Channel.workspace_id == ws.id).order_by(Channel.id)).first()
        assert first is not None
        first.handle = CHANNEL_PAYLOAD
    store.dispose()
    page = tmp_path / "audit.html"
    goodwill(tmp_path, "audit", "--database", url, "--workspace", "demo", "--html", str(page))
    return page


def test_the_html_report_draws_answers_the_pointer_and_runs_no_planted_script(tmp_path: Path, chromium: Any) -> None:
    path = _planted_report(tmp_path)
    html = path.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__xss" in html  # the payload reached the page, as text

    context = chromium.new_context(java_script_enabled=True, offline=True)
    requested: list[str] = []

    def guard(route: Any) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    # nothing but the file itself was asked for: no fonts, scripts, images or beacons
    assert requested == [path.as_uri()]
    # no planted script ran, and none became an element
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("script, iframe, img").count() == 0
    assert page.locator("svg [onload], b[onmouseover]").count() == 0
    assert PAYLOAD in page.locator("body").inner_text()  # shown to the reader as the text it is

    # the charts draw: every chart has a size on screen and marks inside it
    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 50
    bars = page.locator("svg.chart rect:has(title)")
    assert bars.count() > 10
    assert page.locator("svg.chart circle:has(title)").count() > 0

    # and they answer the pointer: a hovered bar fades, and carries its tooltip (the SVG <title>)
    bar = next(bars.nth(i) for i in range(bars.count()) if (bars.nth(i).bounding_box() or {}).get("height", 0) > 4)
    bar.scroll_into_view_if_needed()
    before = bar.evaluate("el => getComputedStyle(el).opacity")
    bar.hover()
    after = bar.evaluate("el => getComputedStyle(el).opacity")
    assert (before, after) == ("1", "0.7")
    assert (bar.locator("title").text_content() or "").strip()
    # hovering the planted channel name runs nothing either
    page.get_by_text(CHANNEL_PAYLOAD).first.hover()
    assert page.evaluate("window.__xss") is None
    assert requested == [path.as_uri()]
    context.close()
