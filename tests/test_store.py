from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from goodwill.store import Store, StoreError, migrate
from goodwill.store.tables import Base, Workspace


def test_migrations_build_exactly_the_tables_the_code_declares(store: Store) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert migrate.current_revision(store.engine) == migrate.head_revision()


def test_upgrade_twice_is_a_no_op(store: Store) -> None:
    store.migrate()
    store.migrate()
    assert migrate.is_current(store.engine)


def test_an_empty_database_is_refused_with_the_fix(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(StoreError, match="goodwill init"):
        store.check_schema()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(IntegrityError), sqlite_store.session() as session:
        session.execute(
            text(
                "INSERT INTO channel (workspace_id, network, account_id, handle, name, config, cursor, health, "
                "created_at) VALUES (999, 'x', 'a', 'a', 'a', '{}', '{}', 'ok', '2026-01-01')"
            )
        )


def test_timestamps_come_back_in_utc_whatever_zone_went_in(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=paris)
    with store.session() as session:
        session.add(Workspace(slug="w", name="W", timezone="UTC", settings={}, created_at=moment))
    with store.reader() as session:
        stored = session.scalar(select(Workspace.created_at))
    assert stored == moment
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.astimezone(UTC).hour == 10


def test_a_naive_timestamp_is_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(Workspace(slug="w", name="W", timezone="UTC", settings={}, created_at=datetime(2026, 1, 1)))
        session.flush()


def test_bulk_insert_ids_match_the_rows_or_are_left_to_a_lookup(store: Store) -> None:
    from goodwill.store.bulk import insert_many_returning_ids
    from goodwill.store.tables import table_of

    table = table_of(Workspace)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with store.session() as session:
        conn = session.connection()
        insert_many_returning_ids(
            conn, table, [{"slug": "first", "name": "F", "timezone": "UTC", "settings": {}, "created_at": now}]
        )
        rows = [
            {"slug": f"w{i}", "name": f"W{i}", "timezone": "UTC", "settings": {}, "created_at": now} for i in range(5)
        ]
        ids = insert_many_returning_ids(conn, table, rows)
        found = dict(conn.execute(select(table.c.slug, table.c.id)).tuples().all())
    if store.dialect == "sqlite":
        assert ids == [found[f"w{i}"] for i in range(5)]
    else:
        assert ids is None  # PostgreSQL: the caller looks the ids up by natural key


def test_statistics_are_refreshed_on_sqlite_and_left_to_autovacuum_on_postgresql(store: Store) -> None:
    from goodwill.demo import build_world
    from goodwill.jobs.schedule import PERIODIC

    build_world(store, seed=3)
    job = next(p for p in PERIODIC if p.name == "statistics")
    ran = job.run(store, now=datetime.now(UTC))
    assert ran is (store.dialect == "sqlite")
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            analysed = {row[0] for row in conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'message'"))}
        assert "ix_message_reply_time" in analysed  # the planner now knows the message table's indexes


def test_statistics_after_an_import_only_when_it_changed_the_table_by_a_tenth(sqlite_store: Store) -> None:
    from goodwill.demo import build_world

    assert sqlite_store.refresh_statistics(added=0)  # none yet: gathered whatever was added
    build_world(sqlite_store, seed=3)
    with sqlite_store.engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM message")).scalar_one()
    assert sqlite_store.refresh_statistics(added=0)  # the statistics counted an empty table
    assert not sqlite_store.refresh_statistics(added=total // 10 - 1)
    assert sqlite_store.refresh_statistics(added=total // 10)
    assert sqlite_store.refresh_statistics()  # the daily job: always
