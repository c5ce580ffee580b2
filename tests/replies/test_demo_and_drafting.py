"""On the demo world: suggestions for its complaints, questions and praise, its planted canned and over-selling
replies caught; `goodwill check` exits non-zero on a blocking finding; generative drafting against a local
OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id
from goodwill.demo import build_world, voice
from goodwill.jobs import process_pending
from goodwill.replies.context import check_reply
from goodwill.replies.drafting import DraftingFailed, DraftingOff, do_set_drafting, draft_reply
from goodwill.replies.suggest import suggest_replies
from goodwill.store import Store
from goodwill.store.tables import Conversation
from tests.conftest import TESTER

NOW = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('replies') / 'demo.db'}"
    store = Store(url)
    store.migrate()
    build_world(store, seed=7, days=20, now=NOW)
    process_pending(store, now=NOW)  # the inbox's pass sets each conversation's intent
    yield store, url
    store.dispose()


def open_by_intent(store: Store, intent: str, count: int = 5) -> list[int]:
    with store.reader() as session:
        query = select(Conversation.id).where(Conversation.intent == intent, Conversation.needs_reply.is_(True))
        return list(session.scalars(query.order_by(Conversation.id).limit(count)))


def test_demo_complaints_questions_and_praise_get_fitting_suggestions(demo: tuple[Store, str]) -> None:
    store, _url = demo
    seen = 0
    with store.reader() as session:
        ws = access_workspace(session, "demo")
        for intent, expect in (("complaint", "sorry"), ("question", "get back to you"), ("praise", "Thank you")):
            for cid in open_by_intent(store, intent):
                conv = access_conversation_by_id(session, ws, cid)
                found = suggest_replies(session, ws, conv, now=NOW)
                assert found and not found[0].blocked, (intent, found)
                assert expect in found[0].text, found[0].text
                assert found[0].limit is None or found[0].length <= found[0].limit
                seen += 1
    assert seen >= 10


def test_demo_canned_and_over_selling_replies_are_caught(demo: tuple[Store, str]) -> None:
    store, _url = demo
    [cid] = open_by_intent(store, "complaint", 1)
    with store.reader() as session:
        ws = access_workspace(session, "demo")
        conv = access_conversation_by_id(session, ws, cid)
        canned = {f.check.value: f.level.value for f in check_reply(session, ws, conv, voice.CANNED[1], now=NOW)}
        pitch = {f.check.value: f.level.value for f in check_reply(session, ws, conv, voice.OVERSELL[1], now=NOW)}
        blame = {f.check.value: f.level.value for f in check_reply(session, ws, conv, voice.DEFENSIVE["late"], now=NOW)}
    assert canned["canned"] == "block"  # the demo team sent it word for word to many people
    assert pitch["oversell"] == "block" and blame["defensive"] == "block"


def test_check_command_exits_non_zero_on_a_blocking_finding(demo: tuple[Store, str]) -> None:
    from goodwill.cli.app import _load_command_modules, app

    _load_command_modules()
    store, url = demo
    [cid] = open_by_intent(store, "complaint", 1)
    runner = CliRunner()
    bad = runner.invoke(app, ["check", voice.OVERSELL[1], "--for", str(cid), "-d", url, "-w", "demo", "--json"])
    assert bad.exit_code == 3 and json.loads(bad.stdout)["blocking"] is True
    good = "I'm so sorry about this. Could you DM us your order number? I'll sort it out today."
    ok = runner.invoke(app, ["check", good, "--for", str(cid), "-d", url, "-w", "demo"])
    assert ok.exit_code == 0, ok.stdout
    listed = runner.invoke(app, ["suggest", str(cid), "-d", url, "-w", "demo", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["count"] >= 1


class Completions(BaseHTTPRequestHandler):
    """Speaks the OpenAI chat completions protocol; answers with what the test put in `reply`."""

    reply: str = ""
    seen: list[dict[str, Any]] = []  # noqa: RUF012 - shared by design with the test

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body.get("model") != "tiny":
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b'{"error": "no such model"}')
            return
        answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": type(self).reply}}]}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Completions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Completions.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_generative_drafting_is_off_by_default_grounded_and_always_checked(
    demo: tuple[Store, str], endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store, _url = demo
    [cid] = open_by_intent(store, "complaint", 1)
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test")
    with store.session() as session:
        ws = access_workspace(session, "demo")
        conv = access_conversation_by_id(session, ws, cid)
        with pytest.raises(DraftingOff):
            draft_reply(session, ws, conv, now=NOW)
        do_set_drafting(
            session, ws, enabled=True, base_url=endpoint, model="tiny", api_key_env="TEST_LLM_KEY", acting=TESTER
        )
        Completions.reply = "So sorry about that! Why not try our award-winning espresso, 15% off today only!!"
        pitch = draft_reply(session, ws, conv, now=NOW)
        Completions.reply = "I'm so sorry about this. Could you DM us your order number? I'll sort it out today."
        good = draft_reply(session, ws, conv, now=NOW)
        do_set_drafting(session, ws, model="missing", acting=TESTER)
        with pytest.raises(DraftingFailed, match="404"):
            draft_reply(session, ws, conv, now=NOW)
        session.rollback()
    assert pitch.source == "generated" and pitch.blocked and pitch.findings[0].check.value == "oversell"
    assert not good.blocked
    sent = Completions.seen[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    system, user = sent["messages"]
    assert "never ask for private details" in system["content"] and "Customer:" in user["content"]
