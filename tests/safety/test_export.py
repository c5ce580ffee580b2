"""Export of one workspace to JSON Lines and CSV: every row of the workspace, no other workspace's, no
secrets; tables added later are exported too."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert

from goodwill.actions import do_create_workspace
from goodwill.actions.team import do_add_teammate
from goodwill.actions.workspaces import access_workspace, do_ensure_channel
from goodwill.connectors.files.importer import import_file
from goodwill.connectors.secrets import seal
from goodwill.domain.enums import Network, Role
from goodwill.store import Store
from goodwill.store.backup import table_counts
from goodwill.store.export import export_workspace, read_export
from tests.cli import goodwill
from tests.conftest import TESTER
from tests.safety.test_forget import _small_world
from tests.safety.world import WORLD, write

SECRET = "s3cr3t-consumer-value-xyz"
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


@pytest.fixture
def two_workspaces(store: Store, imported: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The real import in one workspace, a small world in another; a sealed credential and a teammate."""
    monkeypatch.setenv("GOODWILL_SECRET_KEY", "test-key-" + "x" * 40)
    with store.session() as session:
        other = do_create_workspace(session, slug="other", name="Other", acting=TESTER)
        channel = do_ensure_channel(session, other, network=Network.X, account_id="acme", acting=TESTER)
        channel.credentials = seal({"consumer_secret": SECRET})
        ann = do_add_teammate(session, other, email="ann@example.org", name="Ann", role=Role.ADMIN, acting=TESTER)
        ann.password_hash = HASH
    import_file(store, workspace="other", fmt="jsonl", path=write(tmp_path / "w.jsonl", WORLD), acting=TESTER)
    return imported, "other"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_every_row_of_each_workspace_is_exported_once(
    store: Store, two_workspaces: tuple[str, str], tmp_path: Path, fmt: str
) -> None:
    totals: dict[str, int] = {}
    for slug in two_workspaces:
        with store.reader() as session:
            result = export_workspace(session, workspace=slug, folder=tmp_path / slug, fmt=fmt)  # type: ignore[arg-type]
        for table, count in result.counts.items():
            assert len(read_export(tmp_path / slug, table, fmt)) == count  # type: ignore[arg-type]
            totals[table] = totals.get(table, 0) + count
    # every row belongs to exactly one workspace: the two exports add up to the whole database
    assert totals == table_counts(store.engine)
    assert totals["message"] > 1000 and totals["triage"] > 500 and totals["conversation_tag"] == 0
    small = {row["native_id"]: row for row in read_export(tmp_path / "other", "message", fmt)}  # type: ignore[arg-type]
    assert sorted(small) == [f"m{i}" for i in range(1, 10)]
    assert small["m5"]["text"] == "my address is 12 Elm St"


def test_secrets_are_never_exported(store: Store, two_workspaces: tuple[str, str], tmp_path: Path) -> None:
    for fmt in ("json", "csv"):
        with store.reader() as session:
            result = export_workspace(session, workspace="other", folder=tmp_path / fmt, fmt=fmt)  # type: ignore[arg-type]
        assert result.left_out["channel"] == ["credentials"] and result.left_out["teammate"] == ["password_hash"]
        everything = b"".join(p.read_bytes() for p in (tmp_path / fmt).iterdir())
        assert b"ann@example.org" in everything and SECRET.encode() not in everything
        assert HASH.encode() not in everything
        assert b"credentials" not in (tmp_path / fmt / f"channel.{'jsonl' if fmt == 'json' else 'csv'}").read_bytes()


def test_the_export_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    _small_world(db, tmp_path).dispose()
    done = goodwill(tmp_path, "export", str(tmp_path / "out"), "--format", "csv", "-d", db, "-w", "acme")
    assert "Exported" in done.stdout and "password_hash" in done.stdout
    assert len(read_export(tmp_path / "out", "message", "csv")) == 9
    assert (tmp_path / "out" / "manifest.json").exists()
    bad = goodwill(tmp_path, "export", str(tmp_path / "x"), "--format", "xml", "-d", db, ok=False)
    assert bad.returncode != 0 and "use json or csv" in bad.stderr


def test_a_table_added_later_is_exported(store: Store, workspace: str, tmp_path: Path, wider) -> None:
    import_file(store, workspace=workspace, fmt="jsonl", path=write(tmp_path / "w.jsonl", WORLD), acting=TESTER)
    note, tag = wider.tables["fan_note"], wider.tables["fan_note_tag"]
    with store.engine.begin() as conn:
        note_id = conn.execute(insert(note).values(person_id=1, body="met at the fair")).inserted_primary_key[0]  # type: ignore[index]
        conn.execute(insert(tag).values(note_id=note_id, tag="fair"))
    with store.reader() as session:
        result = export_workspace(session, workspace=workspace, folder=tmp_path / "out", metadata=wider)
        access_workspace(session, workspace)
    assert result.counts["fan_note"] == 1 and result.counts["fan_note_tag"] == 1
    assert read_export(tmp_path / "out", "fan_note_tag")[0]["tag"] == "fair"
