"""Timestamps read back from SQLite: the fast parser gives what SQLAlchemy's own gave, always UTC-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import DateTime, String, select, text
from sqlalchemy.types import TypeDecorator

from goodwill.store import Store
from goodwill.store.tables import UTCDateTime, Workspace


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-03-01 09:00:00.123456", datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)),
        ("2026-03-01 09:00:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01T09:00:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01 10:00:00+01:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
    ],
)
def test_stored_text_reads_back_as_utc(tmp_path: Path, stored: str, expected: datetime) -> None:
    store = Store(f"sqlite:///{tmp_path / 'dt.db'}")
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspace (id, slug, name, timezone, settings, created_at) "
                "VALUES (1, 'a', 'A', 'UTC', '{}', :at)"
            ),
            {"at": stored},
        )
    with store.reader() as session:
        got = session.scalars(select(Workspace.created_at)).one()
        raw = session.execute(select(Workspace.created_at.cast(String))).scalar_one()
    assert raw == stored  # the text as stored
    assert got == expected and got.tzinfo is UTC


def test_the_fast_path_agrees_with_sqlalchemys_parser(tmp_path: Path) -> None:
    class Slow(TypeDecorator[datetime]):  # the previous behaviour: SQLAlchemy's parser, then UTC
        impl = DateTime(timezone=True)
        cache_ok = True

        def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
            return None if value is None else value.replace(tzinfo=UTC)

    store = Store(f"sqlite:///{tmp_path / 'dt.db'}")
    moments = [datetime(2026, 1, 1, tzinfo=UTC).replace(microsecond=m, second=m % 60) for m in range(0, 999_999, 7919)]
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (at TEXT)"))
        conn.execute(
            text("INSERT INTO t (at) VALUES (:at)"), [{"at": m.isoformat(" ", "microseconds")[:26]} for m in moments]
        )
        column = text("SELECT at FROM t ORDER BY rowid").columns
        fast = conn.execute(column(at=UTCDateTime())).scalars().all()
        slow = conn.execute(column(at=Slow())).scalars().all()
    assert fast == slow == moments
