"""`goodwill triage`, `correct` and `train` as a user runs them: a subprocess, files, stdin/stdout, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import goodwill
from tests.triage.minidata import write_minidata

LABELS = (
    "complaint",
    "complaint_probability",
    "intent",
    "sentiment",
    "sentiment_score",
    "severity",
    "needs_reply",
    "priority",
    "language",
    "evidence",
)


def _lines(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_triage_labels_every_line_and_keeps_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        _lines(
            {"id": "a", "text": "@acme my order never arrived, worst service ever", "lang": "kept"},
            "",
            {"id": 2, "text": "thank you so much, love it!", "followers": 100000, "vip": True},
            {"id": "c", "text": ""},
            {"id": "d", "text": "\u00ff\u0000\ufffd" * 1000 + "🙂" * 50},
        )
    )
    done = goodwill(tmp_path, "triage", "--in", str(src), "--out", str(tmp_path / "out.jsonl"), "--batch", "2")
    assert "Labelled 4 messages" in done.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", 2, "c", "d"]
    assert all(set(LABELS) <= set(r) for r in rows)
    assert rows[0]["lang"] == "kept" and rows[0]["complaint"] and rows[0]["intent"] == "complaint"
    assert rows[0]["evidence"]["complaint"] and rows[0]["language"] == "en"
    assert rows[1]["intent"] == "praise" and rows[1]["evidence"]["priority"]["reach"] == 15.0
    assert rows[1]["priority"] > rows[1]["evidence"]["priority"]["text"]
    assert rows[2]["low_confidence"] and rows[3]["low_confidence"]


def test_a_bad_line_refuses_the_file_or_is_skipped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(_lines({"id": "a", "text": "hi"}, "{not json", {"text": "no id"}, {"id": "d", "text": 5}))
    out = tmp_path / "out.jsonl"
    done = goodwill(tmp_path, "triage", "--in", str(src), "--out", str(out), ok=False)
    assert done.returncode == 1
    assert "line 2: not valid JSON" in done.stderr and "and 2 more bad lines" in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.jsonl*"))
    bad = tmp_path / "bad.jsonl"
    done = goodwill(tmp_path, "triage", "--in", str(src), "--out", str(out), "--skip-bad", str(bad))
    assert "Labelled 1 messages" in done.stderr and "3 bad lines" in done.stderr
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["a"]
    problems = [json.loads(x) for x in bad.read_text().splitlines()]
    assert [p["line"] for p in problems] == [2, 3, 4]
    assert 'field "id" is missing' in problems[1]["problem"] and '"text"' in problems[2]["problem"]


def test_triage_streams_stdin_to_stdout(tmp_path: Path) -> None:
    done = goodwill(tmp_path, "triage", "--in", "-", stdin=_lines({"id": 1, "text": "do you ship to canada?"}))
    (row,) = [json.loads(x) for x in done.stdout.splitlines()]
    assert row["id"] == 1 and row["intent"] in ("question", "lead") and row["needs_reply"]
    done = goodwill(
        tmp_path, "triage", "--in", "-", "--out", "-", stdin=_lines({"id": 1, "text": "ok"}, {"id": 2}), ok=False
    )
    assert done.returncode == 1 and "stdin, line 2" in done.stderr
    assert len(done.stdout.splitlines()) == 1  # the lines before the bad one were written


def _imported(tmp_path: Path) -> None:
    goodwill(tmp_path, "init", "--name", "Acme")
    path = tmp_path / "m.jsonl"
    path.write_text(
        json.dumps(
            {
                "network": "x",
                "channel": "acme",
                "id": "1",
                "direction": "in",
                "author_id": "9",
                "author_name": "Ann",
                "text": "@acme my order never arrived, worst service ever",
                "created_at": "2026-03-01T09:00:00Z",
            }
        )
        + "\n"
    )
    goodwill(tmp_path, "import", "jsonl", str(path))


def test_correct_then_train_without_and_with_scikit_learn(tmp_path: Path) -> None:
    _imported(tmp_path)
    done = goodwill(tmp_path, "correct", "1", "--intent", "chatter", "--sentiment", "neutral", "--json")
    assert json.loads(done.stdout) == {
        "message_id": 1,
        "changed": True,
        "complaint": False,
        "intent": "chatter",
        "sentiment": "neutral",
        "severity": 0,
        "needs_reply": False,
        "priority": 5,
    }
    assert "nothing changed" in goodwill(tmp_path, "correct", "1", "--intent", "chatter").stdout
    done = goodwill(tmp_path, "correct", "1", "--intent", "thanks", ok=False)
    assert done.returncode == 1 and "intent 'thanks': use one of" in done.stderr
    done = goodwill(tmp_path, "correct", "99", "--intent", "praise", ok=False)
    assert done.returncode == 1 and "no message 99" in done.stderr

    no_sklearn = "import sys; sys.modules['sklearn'] = None; from goodwill.cli.app import main; main()"
    data = write_minidata(tmp_path / "base")
    done = goodwill(tmp_path, "train", "--data", str(data), code=no_sklearn, ok=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: retraining needs scikit-learn and scipy, which are not installed: pip install 'goodwill[train]'"
    ]
    pytest.importorskip("sklearn")
    done = goodwill(tmp_path, "train", "--data", str(data), "--json")
    report = json.loads(done.stdout)
    assert (report["corrections"], report["trained_on"], report["held_back"]) == (1, 1, 0)
    assert (tmp_path / "data" / "models" / "default.npz").exists()
    done = goodwill(tmp_path, "train", "--data", str(tmp_path / "nowhere"), ok=False)
    assert done.returncode == 1 and "no base training data" in done.stderr
    assert "shipped triage model again" in goodwill(tmp_path, "train", "--reset").stdout


def test_help(tmp_path: Path) -> None:
    for command in ("triage", "correct", "train"):
        assert "Usage" in goodwill(tmp_path, command, "--help").stdout
