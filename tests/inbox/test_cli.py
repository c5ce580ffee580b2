"""The inbox through the CLI, on the demo world: the scenario issue 4 is checked by, command by command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from goodwill.store import Store
from goodwill.store.tables import Channel, Conversation, Message
from tests.cli import goodwill as run

COMMANDS = [
    "inbox",
    "show",
    "assign",
    "note",
    "reply",
    "resolve",
    "reopen",
    "snooze",
    "rules",
    "sla",
    "team",
    "work",
    "send-via",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(tmp_path: Path, command: str) -> None:
    assert "Usage" in run(tmp_path, command, "--help").stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp / 'demo.db'}"
    run(tmp, "demo", "-d", url, "--no-serve")
    run(tmp, "send-via", "local", "-d", url, "-w", "demo")
    run(tmp, "work", "-d", url)
    return tmp, url


def cli(demo: tuple[Path, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    tmp, url = demo
    return run(tmp, *args, "-d", url, *(["-w", "demo"] if args[0] not in ("work",) else []), ok=ok)


def listed(demo: tuple[Path, str], *args: str) -> dict:
    return json.loads(cli(demo, "inbox", "--json", *args).stdout)


def test_inbox_json_lists_the_most_urgent_first_with_every_field(demo: tuple[Path, str]) -> None:
    page = listed(demo, "--limit", "20")
    assert page["count"] > 20 and len(page["data"]) == 20
    first = page["data"][0]
    for field in (
        "id",
        "channel",
        "network",
        "person",
        "status",
        "assignee",
        "intent",
        "priority",
        "needs_reply",
        "waiting_minutes",
        "sla_due_at",
        "sla_breached",
    ):
        assert field in first
    keys = [(-c["priority"], c["last_inbound_at"]) for c in page["data"]]
    assert keys == sorted(keys)
    complaints = listed(demo, "--intent", "complaint", "--limit", "5")["data"]
    assert complaints and {c["intent"] for c in complaints} == {"complaint"}
    assert listed(demo, "--network", "x", "--limit", "5")["data"][0]["network"] == "x"
    assert all(c["sla_breached"] for c in listed(demo, "--breached", "--limit", "5")["data"])


def test_the_scenario_assign_note_reply_crash_restart_resolve_reopen(demo: tuple[Path, str]) -> None:
    tmp, url = demo
    conv = listed(demo, "--network", "x", "--limit", "1")["data"][0]
    cid = str(conv["id"])
    assert conv["sla_breached"] is True  # the demo clock is long past the built-in acknowledgement target
    cli(demo, "assign", cid, "sam@larkspur.coffee")
    assert listed(demo, "--assignee", "sam@larkspur.coffee")["data"][0]["id"] == conv["id"]
    cli(demo, "note", cid, "@priya can you find the order?", "--as", "sam@larkspur.coffee")
    queued = json.loads(
        cli(
            demo, "reply", cid, "So sorry! Checking now.", "--queue-only", "--json", "--as", "sam@larkspur.coffee"
        ).stdout
    )
    assert queued["status"] == "pending"
    clash = cli(demo, "reply", cid, "Me too", "--as", "priya@larkspur.coffee", ok=False)
    assert clash.returncode == 1 and "Sam Okafor is answering" in clash.stderr

    crash = (
        "import os, sys\nfrom goodwill.store import Store\nfrom goodwill.jobs import send_due\n"
        "send_due(Store(sys.argv[1]), after_send=lambda row, sent: os._exit(137))\n"
    )
    env = {**os.environ, "GOODWILL_DATA_DIR": str(tmp / "data")}
    assert subprocess.run([sys.executable, "-c", crash, url], env=env, check=False, timeout=120).returncode == 137
    store = Store(url)
    with store.reader() as session:
        channel = session.get_one(Channel, session.get_one(Conversation, int(cid)).channel_id)
    posts = tmp / "data" / "local-network" / f"channel-{channel.id}.jsonl"
    assert len(posts.read_text().splitlines()) == 1  # the platform has it; goodwill has not recorded it

    from datetime import UTC, datetime

    from goodwill.jobs import outbox  # restart once the dead worker's lease is over: move the clock on

    assert outbox.send_due(store, now=datetime.now(UTC) + outbox.LEASE).sent == 1
    assert len(posts.read_text().splitlines()) == 1  # one post, not two
    shown = json.loads(cli(demo, "show", cid, "--json").stdout)
    kinds = [i.get("kind") for i in shown["timeline"] if i["type"] == "activity"]
    assert kinds[-4:] == ["assigned", "note", "reply_queued", "reply_sent"]
    assert [m["text"] for m in shown["messages"] if m["direction"] == "out"][-1] == "So sorry! Checking now."

    cli(demo, "resolve", cid)
    assert json.loads(cli(demo, "show", cid, "--json").stdout)["conversation"]["status"] == "resolved"
    with store.reader() as session:
        last = session.scalars(
            select(Message).where(Message.conversation_id == int(cid)).order_by(Message.created_at.desc())
        ).first()
    record = {
        "network": "x",
        "channel": channel.account_id,
        "id": "new-1",
        "direction": "in",
        "author_id": "walt-9",
        "created_at": datetime.now(UTC).isoformat(),
        "text": "Still nothing?",
        "parent_id": last.native_id,
    }
    path = tmp / "new.jsonl"
    path.write_text(json.dumps(record) + "\n")
    run(tmp, "import", "jsonl", str(path), "-d", url, "-w", "demo")
    cli(demo, "work")
    again = json.loads(cli(demo, "show", cid, "--json").stdout)
    assert again["conversation"]["status"] == "open"
    kinds = [i["kind"] for i in again["timeline"] if i["type"] == "activity"]
    assert "reopened" in kinds and "status" in kinds
    store.dispose()


def test_snooze_rules_sla_team(demo: tuple[Path, str]) -> None:
    cid = str(listed(demo, "--intent", "question", "--limit", "1")["data"][0]["id"])
    cli(demo, "snooze", cid, "--minutes", "60")
    assert json.loads(cli(demo, "show", cid, "--json").stdout)["conversation"]["status"] == "snoozed"
    cli(demo, "reopen", cid)
    cli(
        demo,
        "rules",
        "add",
        "refunds",
        "--if",
        "keyword=refund,money back",
        "--if",
        "intent=complaint",
        "--then",
        "tag=refund",
        "--then",
        "priority=90",
    )
    rules = json.loads(cli(demo, "rules", "list", "--json").stdout)["data"]
    assert rules[0]["if"] == {"keyword": ["refund", "money back"], "intent": ["complaint"]}
    bad = cli(demo, "rules", "add", "bad", "--if", "mood=sad", "--then", "tag=x", ok=False)
    assert "unknown rule condition" in bad.stderr
    cli(demo, "sla", "set", "--intent", "complaint", "--ack", "15", "--response", "60", "--resolution", "1440")
    cli(demo, "sla", "hours", "mon-fri 09:00-17:00")
    shown = json.loads(cli(demo, "sla", "show", "--json").stdout)
    assert shown["policies"][0]["ack"] == 15 and shown["business_hours"]["mon"] == [["09:00", "17:00"]]
    assert "SLA breach" in run(demo[0], "sla", "check", "-d", demo[1]).stdout
    cli(demo, "team", "--auto-assign", "on", "--away", "sam@larkspur.coffee", "--capacity", "priya@larkspur.coffee=5")
    team = {t["email"]: t for t in json.loads(cli(demo, "team", "--json").stdout)["data"]}
    assert team["sam@larkspur.coffee"]["away"] and team["priya@larkspur.coffee"]["capacity"] == 5
    viewer = cli(demo, "note", cid, "hi", "--as", "ruth@larkspur.coffee", ok=False)
    assert "viewer" in viewer.stderr
