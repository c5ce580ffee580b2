"""`goodwill serve` and `goodwill demo` as a user runs them, and the background jobs' thread."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from goodwill.store import Store
from tests.cli import goodwill


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env.pop("GOODWILL_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "goodwill", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )


def _wait_up(base: str, proc: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up in {seconds} s")


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return out


def test_serve_runs_the_dashboard_and_the_api_and_stops_cleanly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    goodwill(tmp_path, "init", "-d", url, "-w", "acme")
    port = _port()
    proc = _start(tmp_path, "serve", "--port", str(port), "-d", url, "--no-jobs")
    try:
        _wait_up(f"http://127.0.0.1:{port}", proc, 30)
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "script-src 'self'" in login.headers["content-security-policy"]
        assert httpx.get(f"http://127.0.0.1:{port}/inbox").status_code == 303
    finally:
        out = _stop(proc)
    assert f"serving on http://localhost:{port}" in out


def test_serve_refuses_a_database_that_was_never_initialised(tmp_path: Path) -> None:
    done = goodwill(tmp_path, "serve", "-d", f"sqlite:///{tmp_path / 'none.db'}", ok=False)
    assert done.returncode == 1 and "goodwill init" in done.stderr


@pytest.mark.slow
def test_demo_builds_then_serves_with_a_printed_login(tmp_path: Path) -> None:
    port = _port()
    proc = _start(tmp_path, "demo", "-d", f"sqlite:///{tmp_path / 'demo.db'}", "--port", str(port))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    try:
        _wait_up(f"http://127.0.0.1:{port}", proc, 240)
        for _ in range(50):
            found = re.search(r"Login: (\S+)\s+password: (\S+)", "".join(lines))
            if found:
                break
            time.sleep(0.1)
        assert found, "".join(lines)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            form = client.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf
            done = client.post(
                "/login", data={"email": found.group(1), "password": found.group(2), "csrf": csrf.group(1)}
            )
            assert done.status_code == 303 and done.headers["location"] == "/inbox"
            inbox = client.get("/inbox")
            assert inbox.status_code == 200 and "Larkspur" in inbox.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert proc.returncode == 0


def test_serve_runs_the_jobs_a_queued_reply_is_sent_by_the_embedded_consumer(tmp_path: Path) -> None:
    """The demo world served: a reply queued by another process leaves through the local connector without
    any `goodwill work`, because serve runs the embedded consumer and its periodic schedule."""
    from sqlalchemy import select

    from goodwill.actions.audit import CLI
    from goodwill.actions.replies import do_reply
    from goodwill.store.tables import Conversation, Workspace
    from goodwill.store.tables_replies import Outbox

    url = f"sqlite:///{tmp_path / 'g.db'}"
    goodwill(tmp_path, "demo", "-d", url, "--no-serve")
    port = _port()
    proc = _start(tmp_path, "serve", "--port", str(port), "-d", url)
    store = Store(url)
    try:
        _wait_up(f"http://127.0.0.1:{port}", proc, 60)
        with store.session() as session:
            workspace = session.scalars(select(Workspace)).one()
            conversation = session.scalars(
                select(Conversation)
                .where(Conversation.workspace_id == workspace.id, Conversation.needs_reply.is_(True))
                .order_by(Conversation.id)
            ).first()
            assert conversation is not None
            queued = do_reply(session, workspace, conversation, "Thank you, we are on it.", acting=CLI)
            session.flush()
            outbox_id = queued.id
        for _ in range(450):  # the event was sent in this process: the periodic send sweep (30 s) finds it
            with store.session() as session:
                row = session.get(Outbox, outbox_id)
                if row is not None and row.status == "sent":
                    break
            time.sleep(0.2)
        assert row is not None and row.status == "sent"
    finally:
        store.dispose()
        _stop(proc)


def test_password_adds_the_first_owner_who_can_then_sign_in(tmp_path: Path) -> None:
    from goodwill.actions.accounts import authenticate

    url = f"sqlite:///{tmp_path / 'g.db'}"
    goodwill(tmp_path, "init", "-d", url, "-w", "acme")
    missing = goodwill(
        tmp_path, "password", "boss@acme.test", "-d", url, "-w", "acme", stdin="long enough pw\n" * 2, ok=False
    )
    assert missing.returncode == 1 and "--role" in missing.stderr
    short = goodwill(
        tmp_path,
        "password",
        "boss@acme.test",
        "-d",
        url,
        "-w",
        "acme",
        "--role",
        "owner",
        stdin="short\nshort\n",
        ok=False,
    )
    assert short.returncode == 1 and "at least 10" in short.stderr
    done = goodwill(
        tmp_path, "password", "boss@acme.test", "--role", "owner", "--name", "Bo", "-d", url, "-w", "acme",
        stdin="long enough pw\nlong enough pw\n",
    )  # fmt: skip
    assert "Password set for boss@acme.test (owner)" in done.stderr
    store = Store(url)
    with store.session() as session:
        assert authenticate(session, email="boss@acme.test", password="long enough pw", ip="127.0.0.1").role == "owner"
    store.dispose()


def test_serve_on_a_port_in_use_fails_without_announcing_an_address(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    goodwill(tmp_path, "init", "-d", url)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = goodwill(tmp_path, "serve", "--port", str(port), "-d", url, ok=False)
    assert done.returncode != 0 and "serving on" not in done.stdout
    assert "address already in use" in (done.stdout + done.stderr).lower()
