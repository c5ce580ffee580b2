"""Backup and restore: a real import backed up and restored into a fresh database with identical counts,
on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore); refusals that change nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.actions import do_create_workspace
from goodwill.store import Store, migrate
from goodwill.store.backup import BackupError, backup, is_empty, restore, table_counts
from goodwill.store.tables import AuditEntry, Message, Workspace
from tests.cli import goodwill
from tests.conftest import TESTER


def _messages(store: Store) -> list[tuple[str, str, dict]]:
    with store.reader() as session:
        return [
            tuple(r) for r in session.execute(select(Message.native_id, Message.text, Message.raw).order_by(Message.id))
        ]  # type: ignore[misc]


def test_a_backup_restored_into_a_fresh_database_has_identical_counts(
    store: Store, imported: str, fresh: Store, tmp_path: Path
) -> None:
    before = table_counts(store.engine)
    assert before["message"] > 1000 and before["person"] > 500 and before["triage"] > 500
    made = backup(store, tmp_path / "goodwill.backup")
    assert made.counts == before and made.revision == migrate.head_revision() and made.size > 0
    restored = restore(fresh, tmp_path / "goodwill.backup")
    assert restored.counts == before
    assert table_counts(fresh.engine) == before
    assert migrate.current_revision(fresh.engine) == migrate.head_revision()
    assert _messages(fresh) == _messages(store)  # the text and the untouched platform JSON, row for row
    # the restored database works: a new workspace gets the next id
    with fresh.session() as session:
        assert do_create_workspace(session, slug="after", name="After", acting=TESTER).id > 1


def test_restore_refuses_a_database_with_data_unless_forced(store: Store, imported: str, tmp_path: Path) -> None:
    made = backup(store, tmp_path / "b")
    with pytest.raises(BackupError, match=r"not empty.*--force"):
        restore(store, tmp_path / "b")
    with pytest.raises(BackupError, match="exists"):
        backup(store, tmp_path / "b")  # nor is a backup overwritten silently
    with store.session() as session:
        do_create_workspace(session, slug="later", name="Later", acting=TESTER)
    assert table_counts(store.engine)["workspace"] == 2
    assert restore(store, tmp_path / "b", force=True).counts == made.counts  # back to the backup's state


def test_a_backup_from_a_newer_goodwill_is_refused_and_an_older_one_upgraded(tmp_path: Path) -> None:
    old = Store(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(old.engine, "0002_inbox")
    with old.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    backup(old, tmp_path / "old.backup")
    target = Store(f"sqlite:///{tmp_path / 'target.db'}")
    result = restore(target, tmp_path / "old.backup")
    assert result.revision == "0002_inbox" and migrate.is_current(target.engine)
    assert result.counts["workspace"] == 1 and "saved_reply" in result.counts  # upgraded after restoring

    backup(old, tmp_path / "future.backup")
    with sqlite3.connect(tmp_path / "future.backup") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(BackupError, match=r"unknown to this goodwill.*newer"):
        restore(other, tmp_path / "future.backup")
    assert is_empty(other.engine)


def test_files_that_are_not_backups_are_refused(store: Store, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(BackupError, match="neither a SQLite backup nor a pg_dump"):
        restore(store, tmp_path / "notes.txt")
    with pytest.raises(BackupError, match="no such backup file"):
        restore(store, tmp_path / "missing")
    plain = tmp_path / "plain.db"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    if store.dialect == "sqlite":
        fresh = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
        with pytest.raises(BackupError, match="not a goodwill backup"):
            restore(fresh, plain)
    else:
        with pytest.raises(BackupError, match="sqlite backup: restore it into a sqlite database"):
            restore(store, plain)


def test_the_sqlite_backup_is_a_consistent_snapshot_while_the_app_writes(tmp_path: Path) -> None:
    """A writer creates workspaces (each with its audit row, in one transaction) while backups are taken:
    every backup holds as many workspaces as workspace.create audit rows, and passes the integrity check."""
    store = Store(f"sqlite:///{tmp_path / 'live.db'}")
    store.migrate()
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            with store.session() as session:
                do_create_workspace(session, slug=f"w{n}", name=f"W {n}", acting=TESTER)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen = []
        for i in range(6):
            made = backup(store, tmp_path / f"snap{i}.db")
            snap = Store(f"sqlite:///{tmp_path / f'snap{i}.db'}")
            with snap.reader() as session:
                workspaces = session.scalar(select(func.count()).select_from(Workspace))
                audits = session.scalar(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "workspace.create")
                )
            snap.dispose()
            assert workspaces == audits == made.counts["workspace"]  # the counts are the snapshot's own
            seen.append(workspaces)
    finally:
        stop.set()
        writer.join()
    assert seen[-1] > seen[0]  # the writer really was writing between backups


def test_the_backup_and_restore_commands(tmp_path: Path) -> None:
    db, copy = f"sqlite:///{tmp_path / 'g.db'}", f"sqlite:///{tmp_path / 'copy.db'}"
    store = Store(db)
    store.migrate()
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    store.dispose()
    made = goodwill(tmp_path, "backup", str(tmp_path / "g.backup"), "-d", db)
    assert "Backed up" in made.stdout
    restored = goodwill(tmp_path, "restore", str(tmp_path / "g.backup"), "-d", copy, "--json")
    assert '"workspace": 1' in restored.stdout
    again = goodwill(tmp_path, "restore", str(tmp_path / "g.backup"), "-d", copy, ok=False)
    assert again.returncode == 1 and "not empty" in again.stderr and "Traceback" not in again.stderr
