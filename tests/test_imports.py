from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.connectors.files.importer import ImportRefused, import_file
from goodwill.store import Store
from goodwill.store.tables import Channel, Conversation, Identity, Message, Person
from tests.conftest import TESTER, shared_file


def counts(store: Store) -> dict[str, int]:
    with store.reader() as session:
        return {
            m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
            for m in (Message, Conversation, Person, Identity, Channel)
        }


def run(store: Store, fmt: str, path: Path, **kwargs):
    return import_file(store, workspace="acme", fmt=fmt, path=path, acting=TESTER, **kwargs)


def ibm_expected(path: Path) -> tuple[int, int, int]:
    """Messages, threads and brands the file holds, counted independently of the importer."""
    threads = json.loads(path.read_text())
    tweets, roots = set(), set()
    for thread in threads:
        ids = [turn["tweet_ID"] for turn in thread["dialogContent"]] + [thread["agentURL"]["tweet_ID"]]
        tweets.update(ids)
        roots.add(ids[0])  # each turn answers the one before: a thread is known by its first tweet
    return len(tweets), len(roots), len({t["dialogHeader"]["company"].lower() for t in threads})


def test_the_real_customer_care_threads_import_twice_with_the_files_counts(store: Store, workspace: str) -> None:
    path = shared_file("data/customer-care/ibm_dev.json")
    messages, threads, brands = ibm_expected(path)
    first = run(store, "ibm-customer-care", path)
    after_first = counts(store)
    second = run(store, "ibm-customer-care", path)
    assert counts(store) == after_first
    assert (after_first["message"], after_first["conversation"], after_first["channel"]) == (messages, threads, brands)
    assert first.result.stored == messages and second.result.stored == 0
    assert second.result.duplicates == second.records


def test_the_kaggle_twcs_sample_imports_with_its_reply_trees(store: Store, workspace: str) -> None:
    path = shared_file("data/twcs/twcs_head5000.csv")
    report = run(store, "twcs", path)
    assert report.rejected == 0 and report.result.stored == 5000
    with store.reader() as session:
        # tweet 3399 holds a bare carriage return: it is one message, with the whole text
        text = session.scalar(select(Message.text).where(Message.native_id == "3399"))
        assert text.startswith("@AskPayPal \r\rI just love")
        # 2 answers 3 and 1 answers 2 (ids from the file): one conversation
        assert (
            len(set(session.scalars(select(Message.conversation_id).where(Message.native_id.in_(["1", "2", "3"])))))
            == 1
        )


JSONL_OK = [
    {
        "network": "x",
        "channel": "acme",
        "id": "100",
        "direction": "in",
        "author_id": "9",
        "author_handle": "ann",
        "author_followers": 120,
        "created_at": "2026-03-01T10:00:00Z",
        "text": "my order never arrived",
    },
    {
        "network": "x",
        "channel": "acme",
        "id": "101",
        "parent_id": "100",
        "direction": "out",
        "author_id": "acme",
        "created_at": "2026-03-01T10:20:00+01:00",
        "text": "Sorry Ann, DM us your order number?",
    },
    {
        "network": "bluesky",
        "channel": "did:plc:acme",
        "id": "at://did:plc:ann/app.bsky.feed.post/1",
        "direction": "in",
        "author_id": "did:plc:ann",
        "created_at": "2026-03-02T08:00:00Z",
        "text": "love it",
    },
    {
        "network": "mastodon",
        "channel": "acme@social.example",
        "id": "7",
        "dm_conversation_id": "c1",
        "direction": "in",
        "author_id": "55",
        "created_at": "2026-03-02T09:00:00Z",
        "text": "private question",
    },
]


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_generic_jsonl_imports_every_network_and_kind(store: Store, workspace: str, tmp_path: Path) -> None:
    report = run(store, "jsonl", write_jsonl(tmp_path / "m.jsonl", JSONL_OK))
    assert report.result.stored == 4 and len(report.channels) == 3
    with store.reader() as session:
        kinds = dict(session.execute(select(Message.native_id, Message.kind)).all())
        followers = session.scalar(select(Identity.followers).where(Identity.handle == "ann"))
    assert kinds == {"100": "mention", "101": "own", "at://did:plc:ann/app.bsky.feed.post/1": "mention", "7": "direct"}
    assert followers == 120


def test_generic_csv_has_the_same_fields(store: Store, workspace: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "network,channel,id,parent_id,direction,author_id,author_name,created_at,text\n"
        'x,acme,1,,in,9,Ann,2026-03-01T10:00:00Z,"Hello, is anyone there?\nSecond line"\n'
        "x,acme,2,1,out,acme,,2026-03-01T10:05:00Z,We are here!\n"
    )
    report = run(store, "csv", path)
    assert report.result.stored == 2 and report.result.conversations_opened == 1


@pytest.mark.parametrize(
    ("bad_line", "field", "problem"),
    [
        ('{"network": "x", "channel": "acme", "id": "5"', None, "not valid JSON"),
        (json.dumps({**JSONL_OK[0], "id": "5", "created_at": "2026-03-01T10:00:00"}), "created_at", "time zone"),
        (json.dumps({**JSONL_OK[0], "id": "5", "network": "myspace"}), "network", "not one of"),
        (json.dumps({**JSONL_OK[0], "id": "5", "author_followers": "many"}), "author_followers", "whole number"),
        (json.dumps({k: v for k, v in JSONL_OK[0].items() if k != "text"}), "text", "required"),
    ],
)
def test_a_corrupted_file_is_refused_with_its_line_and_leaves_the_database_unchanged(
    store: Store, workspace: str, tmp_path: Path, bad_line: str, field: str | None, problem: str
) -> None:
    run(store, "jsonl", write_jsonl(tmp_path / "before.jsonl", JSONL_OK[:1]))
    before = counts(store)
    rows = [*JSONL_OK, bad_line, {**JSONL_OK[0], "id": "6"}]
    with pytest.raises(ImportRefused) as refused:
        run(store, "jsonl", write_jsonl(tmp_path / "bad.jsonl", rows))
    bad = refused.value.bad[0]
    assert (bad.line, bad.field) == (5, field)
    assert problem in bad.problem and "line 5" in str(refused.value)
    assert counts(store) == before


def test_skip_bad_writes_the_rejects_with_reasons_and_imports_the_rest(
    store: Store, workspace: str, tmp_path: Path
) -> None:
    rows = [JSONL_OK[0], "not json at all", {**JSONL_OK[1], "created_at": "yesterday"}, JSONL_OK[2]]
    rejects = tmp_path / "rejects.jsonl"
    report = run(store, "jsonl", write_jsonl(tmp_path / "m.jsonl", rows), skip_bad=rejects)
    assert (report.records, report.rejected, report.result.stored) == (2, 2, 2)
    lines = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in lines] == [(2, None), (3, "created_at")]


def test_a_csv_without_required_columns_is_refused_at_line_1(store: Store, workspace: str, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("network,id,text\nx,1,hello\n")
    with pytest.raises(ImportRefused, match=r"line 1.*'channel'"):
        run(store, "csv", path)


def test_a_broken_ibm_thread_is_named_by_line_and_field(store: Store, workspace: str, tmp_path: Path) -> None:
    threads = json.loads(shared_file("data/customer-care/ibm_dev.json").read_text())[:3]
    del threads[2]["dialogContent"][0]["datetime"]
    path = tmp_path / "ibm.json"
    path.write_text(json.dumps(threads, indent=4))
    with pytest.raises(ImportRefused, match=r"\[2\]\.dialogContent\[0\]\.datetime"):
        run(store, "ibm-customer-care", path)
    assert counts(store)["message"] == 0


def test_an_unknown_format_or_missing_file_is_a_clear_error(store: Store, workspace: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        run(store, "xml", tmp_path / "a")
    with pytest.raises(FileNotFoundError):
        run(store, "jsonl", tmp_path / "missing.jsonl")


def test_every_import_format_is_named_in_the_cli_help() -> None:
    from typer.testing import CliRunner

    from goodwill.cli.app import app
    from goodwill.connectors.files.importer import FORMATS

    shown = " ".join(CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "300"}).output.split())
    assert [name for name in FORMATS if name not in shown] == []


def test_a_folder_is_refused_for_a_single_file_format(store: Store, workspace: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is a folder"):
        run(store, "jsonl", tmp_path)
