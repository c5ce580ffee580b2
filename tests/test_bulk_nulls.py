"""The SQLite bulk writer leaves out of an INSERT the columns that are NULL in every row (goodwill.store.bulk.
without_null_columns): the rows stored are the same as with every column bound, defaults included."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, text

from goodwill.store import Store
from goodwill.store.bulk import insert_many, insert_values, upsert_many, without_null_columns

META = MetaData()
THING = Table(
    "thing",
    META,
    Column("id", Integer, primary_key=True),
    Column("name", String(20)),
    Column("note", String(20)),
    Column("flag", Boolean, server_default=text("1")),  # a default: never left out, or it would store 1
    Column("hidden", Boolean),
)


def _rows(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text("SELECT id, name, note, flag, hidden FROM thing ORDER BY id"))]


def test_only_columns_null_in_every_row_and_without_a_default_are_left_out() -> None:
    columns = ("id", "name", "note", "flag", "hidden")
    values = [(1, "a", None, None, None), (2, None, None, None, 1)]
    kept, rows = without_null_columns(THING, columns, values)
    assert kept == ("id", "name", "flag", "hidden")
    assert [tuple(r) for r in rows] == [(1, "a", None, None), (2, None, None, 1)]
    assert without_null_columns(THING, columns, []) == (columns, [])
    full = [(3, "c", "n", 0, 0)]
    assert without_null_columns(THING, columns, full) == (columns, full)


def test_rows_read_back_as_if_every_column_had_been_bound(sqlite_store: Store) -> None:
    META.create_all(sqlite_store.engine)
    with sqlite_store.engine.begin() as conn:
        insert_values(conn, THING, ("id", "name", "note", "flag", "hidden"), [(1, "a", None, None, None)])
        insert_many(conn, THING, [{"id": 2, "name": None, "note": None, "flag": True, "hidden": None}])
        upsert_many(
            conn,
            THING,
            [{"id": 2, "name": "b", "note": None, "flag": False, "hidden": None}],
            conflict=("id",),
            sets={"name": "excluded.name", "note": "excluded.note", "hidden": "excluded.hidden"},
        )
        conn.execute(text("INSERT INTO thing (id, name, note, flag, hidden) VALUES (3, NULL, NULL, NULL, NULL)"))
    # NULL bound where every row was NULL; the default column kept (NULL, not its default 1); booleans as 0/1
    assert _rows(sqlite_store) == [(1, "a", None, None, None), (2, "b", None, 1, None), (3, None, None, None, None)]
