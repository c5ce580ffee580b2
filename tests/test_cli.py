"""The CLI end to end, as a user runs it: a subprocess, the environment, exit codes and output."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli import goodwill
from tests.conftest import shared_file

COMMANDS = [
    "init",
    "import",
    "demo",
    "inbox",
    "show",
    "stats",
    "connect",
    "channels",
    "sync",
    "assign",
    "note",
    "reply",
    "resolve",
    "snooze",
    "rules",
    "sla",
    "team",
    "work",
    "serve",
    "password",
]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_on_everything(tmp_path: Path, command: str | None) -> None:
    done = goodwill(tmp_path, *([command] if command else []), "--help")
    assert "Usage" in done.stdout


def test_init_import_inbox_show_stats(tmp_path: Path) -> None:
    goodwill(tmp_path, "init", "--name", "Acme")
    assert (tmp_path / "data" / "goodwill.db").exists()
    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps(
            {
                "network": "x",
                "channel": "acme",
                "id": "1",
                "direction": "in",
                "author_id": "9",
                "author_name": "Ann <b>Bold</b>",
                "created_at": "2026-03-01T10:00:00Z",
                "text": "[red]still[/red] waiting for my refund, this is the worst",
            }
        )
        + "\n"
    )
    first = json.loads(goodwill(tmp_path, "import", "jsonl", str(path), "--json").stdout)
    again = json.loads(goodwill(tmp_path, "import", "jsonl", str(path), "--json").stdout)
    assert (first["stored"], again["stored"], again["duplicates"]) == (1, 0, 1)
    inbox = json.loads(goodwill(tmp_path, "inbox", "--json").stdout)
    assert inbox["count"] == 1 and inbox["data"][0]["needs_reply"] is True
    conversation_id = inbox["data"][0]["id"]
    shown = goodwill(tmp_path, "show", str(conversation_id)).stdout
    assert "[red]still[/red] waiting" in shown  # social text is printed as text, never as markup
    assert "Ann <b>Bold</b>" in shown
    detail = json.loads(goodwill(tmp_path, "show", str(conversation_id), "--json").stdout)
    assert detail["messages"][0]["intent"] == "complaint"
    stats = json.loads(goodwill(tmp_path, "stats", "--json").stdout)
    assert (stats["messages"], stats["waiting_for_reply"]) == (1, 1)


def test_importing_the_real_threads_prints_counts(tmp_path: Path) -> None:
    goodwill(tmp_path, "init")
    done = goodwill(tmp_path, "import", "ibm-customer-care", str(shared_file("data/customer-care/ibm_dev.json")))
    assert "1205 new messages" in done.stdout and "523 new conversations" in done.stdout
    databases = list((tmp_path / "data").glob("*.db"))
    assert len(databases) == 1
    with sqlite3.connect(databases[0]) as db:  # the import gathered the query planner's statistics
        assert (
            db.execute("SELECT max(CAST(stat AS INTEGER)) FROM sqlite_stat1 WHERE tbl = 'message'").fetchone()[0]
            == 1205
        )


@pytest.mark.parametrize(
    ("args", "needs_init", "message"),
    [
        (["inbox"], False, "run `goodwill init` first"),
        (["show", "999"], True, "no conversation 999"),
        (["inbox", "-w", "nope"], True, "no workspace 'nope'"),
        (["import", "jsonl", "/nonexistent/file.jsonl"], True, "no such file"),
        (["import", "xml", "x"], True, "unknown format 'xml'"),
        (["init", "-w", "Bad Slug"], False, "workspace slug"),
        (["init", "--timezone", "Mars/Olympus"], False, "not a known IANA zone"),
        (["inbox", "-d", "mysql://nobody@127.0.0.1:1/x"], False, "unsupported database"),
    ],
)
def test_errors_are_one_clear_line_and_a_non_zero_exit(
    tmp_path: Path, args: list[str], needs_init: bool, message: str
) -> None:
    if needs_init:
        goodwill(tmp_path, "init")
    done = goodwill(tmp_path, *args, ok=False)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 3


def test_a_bad_file_names_its_line_and_skip_bad_keeps_the_rest(tmp_path: Path) -> None:
    goodwill(tmp_path, "init")
    good = {
        "network": "x",
        "channel": "acme",
        "id": "1",
        "direction": "in",
        "author_id": "9",
        "created_at": "2026-03-01T10:00:00Z",
        "text": "hi",
    }
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(good) + "\n" + "{broken\n" + json.dumps({**good, "id": "2"}) + "\n")
    refused = goodwill(tmp_path, "import", "jsonl", str(path), ok=False)
    assert "line 2" in refused.stderr and "nothing was imported" in refused.stderr
    assert json.loads(goodwill(tmp_path, "stats", "--json").stdout)["messages"] == 0
    rejects = tmp_path / "rejects.jsonl"
    goodwill(tmp_path, "import", "jsonl", str(path), "--skip-bad", str(rejects))
    assert json.loads(goodwill(tmp_path, "stats", "--json").stdout)["messages"] == 2
    assert json.loads(rejects.read_text())["line"] == 2
