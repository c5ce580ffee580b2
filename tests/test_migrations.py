"""The newest migrations' downgrades, on SQLite and PostgreSQL: from head down to 0011_post_mix and up again,
on a database holding messages. Each downgrade must leave exactly the schema its revision's upgrade built (the
same tables, columns, indexes, foreign keys, triggers and functions), keep the data, and let the upgrade run
again to the schema the code declares."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from goodwill.actions import access_workspace, do_create_workspace, do_ensure_channel
from goodwill.domain import Network
from goodwill.ingest import ChannelRef, ingest
from goodwill.relationships.state import recompute
from goodwill.store import Store, migrate
from goodwill.store.tables import Base, Message, Person
from goodwill.store.tables_relationships import RelationshipDetail
from tests.conftest import TESTER, unmigrated_store
from tests.factories import msg

DOWN_TO = ("0012_relationship_inputs", "0011_post_mix")  # 0013_reply_time's downgrade, then 0012's


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A database never migrated: a SQLite file, or a new PostgreSQL database on the test server (dropped
    afterwards; the session's shared database is left alone)."""
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    with unmigrated_store(url, tmp_path, "goodwill_migrations") as store:
        yield store


def _options(options: Any) -> tuple[tuple[str, str], ...]:
    """An index's dialect options (a partial index's WHERE) as text: the clause objects compare by identity."""
    return tuple(sorted((k, str(getattr(v, "text", v))) for k, v in (options or {}).items()))


def schema(engine: Engine) -> dict[str, Any]:
    """What a migration builds, in a form that compares across a SQLite table rebuilt by batch mode: per table
    its columns, primary key, foreign keys, indexes and unique constraints; each index's SQL; the triggers; on
    PostgreSQL the trigger functions."""
    found: dict[str, Any] = {}
    inspector = inspect(engine)
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        found[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default"))) for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (str(f["name"]), tuple(f["constrained_columns"]), f["referred_table"], str(f.get("options")))
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (
                    str(i["name"]),
                    tuple(map(str, i["column_names"])),
                    bool(i["unique"]),
                    _options(i.get("dialect_options")),
                )
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (str(u["name"]), tuple(u["column_names"])) for u in inspector.get_unique_constraints(table)
            ),
        }
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # an index's SQL keeps what reflection drops (a DESC column: docs/inbox.md, "Keep the indexes whole")
            found["index_sql"] = sorted(
                conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
                ).tuples()
            )
            found["triggers"] = sorted(
                conn.execute(text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")).tuples()
            )
        else:
            found["index_sql"] = sorted(
                conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).tuples()
            )
            found["triggers"] = sorted(
                conn.execute(
                    text(
                        "SELECT t.tgname, c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                        "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                    )
                ).tuples()
            )
            found["functions"] = sorted(
                conn.execute(
                    text(
                        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
                        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                    )
                ).tuples()
            )
    return found


def schema_at(url: str, tmp_path: Path, revision: str) -> dict[str, Any]:
    """The schema that upgrading an empty database (of the kind `url` names) to `revision` builds."""
    server = make_url(url)
    if server.get_backend_name() == "sqlite":
        store = Store(f"sqlite:///{tmp_path / f'{revision}.db'}")
        try:
            migrate.upgrade(store.engine, revision)
            return schema(store.engine)
        finally:
            store.dispose()
    name = f"goodwill_at_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    store = Store(server.set(database=name).render_as_string(hide_password=False))
    try:
        migrate.upgrade(store.engine, revision)
        return schema(store.engine)
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _some_messages(store: Store) -> None:
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
        ws = access_workspace(session, "acme")
        channel = ChannelRef.of(
            do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        )
    ingest(
        store,
        channel,
        [
            msg("1", text="my order is late", author="ann"),
            msg("2", parent="1", out=True, minutes=5),
            msg("3", text="love the new blend", author="bob", minutes=9),
        ],
    )
    with store.session() as session:  # the stored relationship states, with the figures 0012 added
        recompute(session, access_workspace(session, "acme").id, now=datetime(2026, 3, 2, tzinfo=UTC))


def _count(store: Store, model: type) -> int:
    with store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_newest_downgrades_undo_their_upgrades_and_upgrade_again(empty: Store, tmp_path: Path) -> None:
    empty.migrate()
    _some_messages(empty)
    at_head = schema(empty.engine)
    people, messages, details = _count(empty, Person), _count(empty, Message), _count(empty, RelationshipDetail)
    assert people == 2 and messages == 3 and details == 2
    with empty.engine.connect() as conn:
        assert conn.execute(text("SELECT count(figures) FROM relationship_detail")).scalar_one() == details
    for revision in DOWN_TO:
        migrate.downgrade(empty.engine, revision)
        assert migrate.current_revision(empty.engine) == revision
        assert schema(empty.engine) == schema_at(empty.url, tmp_path, revision), revision
        with empty.engine.connect() as conn:  # the data kept (counted in SQL: the ORM knows only head's columns)
            kept = [
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("message", "relationship_detail")
            ]
        assert kept == [messages, details]
    empty.migrate()
    assert migrate.is_current(empty.engine)
    assert schema(empty.engine) == at_head
    with empty.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata) == []
        # 0012 gives every existing person a counter again, and its triggers count a change
        assert conn.execute(text("SELECT count(*), sum(changes) FROM person_inputs")).one() == (people, 0)
        assert conn.execute(text("SELECT count(*), count(figures) FROM relationship_detail")).one() == (details, 0)
    with empty.engine.begin() as conn:
        conn.execute(text("UPDATE message SET text = 'edited' WHERE native_id = '1'"))
    with empty.engine.connect() as conn:
        assert conn.execute(text("SELECT sum(changes) FROM person_inputs")).scalar_one() >= 1
