"""Bulk inserts for the ingest hot path.

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert. On SQLite this module
converts values once, in the same storage formats SQLAlchemy's types use (so rows read back through the ORM
exactly as if the ORM had written them), and hands them to the driver's `executemany` inside the caller's
transaction. On other databases it uses SQLAlchemy's batched INSERT. Callers get ids back by natural key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, Table, bindparam, insert, literal_column, select, update
from sqlalchemy.dialects import postgresql

from goodwill.store.tables import UTCDateTime

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text, in UTC: "2026-03-01 09:00:00.000000"."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        return value.isoformat(" ", "microseconds")[:26]
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("naive datetime refused: give every timestamp a time zone")
    if offset:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # drops the "+00:00"; faster than strftime


def sqlite_json(value: Any) -> str | None:
    """JSON as the bulk writer stores it on SQLite (None stays NULL)."""
    return None if value is None else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _same(value: Any) -> Any:
    return value


def _converter(table: Table, name: str) -> Converter:
    kind = table.c[name].type
    if isinstance(kind, UTCDateTime):
        return _sqlite_datetime
    if isinstance(kind, JSON):
        return sqlite_json
    return int if isinstance(kind, Boolean) else _same  # see `without_null_columns` for why not bool


@cache
def _sqlite_plan(table: Table, columns: tuple[str, ...], key: str | None = None, suffix: str = "") -> _Plan:
    if key is None:
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks}){suffix}'  # noqa: S608 - names from table metadata
        ordered = columns
    else:
        sets = ", ".join(f'"{name}" = ?' for name in columns if name != key)
        sql = f'UPDATE "{table.name}" SET {sets} WHERE "{key}" = ?'  # noqa: S608 - names from table metadata
        ordered = (*(name for name in columns if name != key), key)
    converters = tuple(
        (index, converter) for index, name in enumerate(ordered) if (converter := _converter(table, name)) is not _same
    )
    times = tuple(index for index, converter in converters if converter is _sqlite_datetime)
    others = tuple((index, converter) for index, converter in converters if converter is not _sqlite_datetime)
    getter = itemgetter(*ordered) if len(ordered) > 1 else (lambda row: (row[ordered[0]],))
    return _Plan(sql, getter, times, others, table, ordered, key is None, suffix)


_FORMATTED: dict[datetime, str | None] = {}  # moment -> SQLite text, across a batch's tables (bounded)
_FORMATTED_MAX = 50_000  # more than a 20,000-message import batch holds (its messages' times and `now`): ~10 MB


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    values: Callable[[dict[str, Any]], tuple[Any, ...]]  # a C-level itemgetter over the row dict
    times: tuple[int, ...]  # the timestamp columns
    converters: tuple[tuple[int, Converter], ...]  # the other columns whose values need converting
    table: Table
    columns: tuple[str, ...]  # in the order of `values`
    inserts: bool  # an INSERT (else an UPDATE, where leaving a column out would mean keeping its value)
    suffix: str

    def run(self, conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
        # A batch writes the same moments to several tables (a message's time is its conversation's latest and
        # its person's last contact; the batch's `now` is everywhere): each is formatted once, found again by
        # value (equal aware datetimes are the same instant, so the same UTC text).
        text = sqlite_times()
        times, converters = self.times, self.converters
        values = []
        for row in rows:
            value = list(self.values(row))
            for index in times:
                if value[index] is not None:
                    value[index] = text(value[index])
            for index, convert in converters:
                if value[index] is not None:
                    value[index] = convert(value[index])
            values.append(value)
        if not self.inserts:
            _executemany(conn, self.sql, values)
            return
        columns, kept = without_null_columns(self.table, self.columns, values)
        sql = self.sql if columns == self.columns else _sqlite_plan(self.table, columns, None, self.suffix).sql
        _executemany(conn, sql, kept)


def _executemany(conn: Connection, sql: str, values: Sequence[Sequence[Any]]) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def sqlite_times() -> Callable[[datetime], str]:
    """A formatter of aware timestamps into SQLite's stored text, sharing `_Plan.run`'s cache (take one per
    batch: the cache is emptied between batches when it is full)."""
    formatted = _FORMATTED
    if len(formatted) > _FORMATTED_MAX:
        formatted.clear()

    def text(moment: datetime) -> str:
        found = formatted.get(moment)
        if found is None:
            found = formatted[moment] = _sqlite_datetime(moment)
        return found  # type: ignore[return-value]

    return text


def insert_values(conn: Connection, table: Table, columns: tuple[str, ...], values: Sequence[Sequence[Any]]) -> None:
    """SQLite only: INSERT rows given as sequences of `columns`' values already in the stored form (`sqlite_times`,
    `sqlite_json`, booleans as 0/1: see `without_null_columns`); for hot paths that build them directly instead of
    as dicts."""
    if values:
        columns, values = without_null_columns(table, columns, values)
        _executemany(conn, _sqlite_plan(table, columns).sql, values)


def without_null_columns(
    table: Table, columns: tuple[str, ...], values: Sequence[Sequence[Any]]
) -> tuple[tuple[str, ...], Sequence[Sequence[Any]]]:
    """`columns` and `values` without the columns that are NULL in every row and have no default (left out of
    an INSERT, they store the same NULL).

    Python's sqlite3 module binds an int, float or str as it is, but sends every other value, None and booleans
    included, through its adaptation protocol, which for these looks up an adapter that does not exist and
    raises and formats an AttributeError inside the driver before it gives up (CPython 3.11: about 0.45 us per
    value, against about 0.1 us for an int). A batch's rows are mostly NULL in the same columns (no edit time,
    no envelope, no correction yet), so leaving those columns out spares most of that; the writers in this
    module and in goodwill.ingest.rows give booleans as 0/1 for the same reason. Transposing the rows costs a
    few milliseconds per 20,000 rows (`zip` and `tuple.count` run in C)."""
    if not values:
        return columns, values
    by_column = list(zip(*values, strict=True))
    rows = len(values)
    keep = [
        index
        for index, (name, column) in enumerate(zip(columns, by_column, strict=True))
        if column.count(None) != rows or table.c[name].server_default is not None
    ]
    if len(keep) == len(columns):
        return columns, values
    return tuple(columns[i] for i in keep), list(zip(*(by_column[i] for i in keep), strict=True))


def insert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT `rows` (dicts with the same keys) in the connection's transaction."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), list(rows))
        return
    _sqlite_plan(table, tuple(rows[0])).run(conn, rows)


def insert_many_returning_ids(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int] | None:
    """`insert_many`, then the new rows' ids in order where the database can tell without a lookup, else None.

    On SQLite a rowid table gives each new row max(rowid) + 1, and the caller's transaction holds the write
    lock from its first write, so one executemany fills a consecutive range ending at last_insert_rowid().
    The range is checked by counting it (an index-only count on the primary key) before it is trusted.
    """
    insert_many(conn, table, rows)
    if not rows or conn.dialect.name != "sqlite":
        return None
    return inserted_ids(conn, table, len(rows))


def inserted_ids(conn: Connection, table: Table, count: int) -> list[int] | None:
    """SQLite: the ids of the `count` rows the connection's last executemany inserted, in order, when they are
    a consecutive range (checked by counting it), else None (see `insert_many_returning_ids`)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        last = cursor.execute("SELECT last_insert_rowid()").fetchone()[0]
        first = last - count + 1
        pk = f'"{table.name}"."{next(iter(table.primary_key.columns)).name}"'
        query = f'SELECT count(*) FROM "{table.name}" WHERE {pk} BETWEEN ? AND ?'  # noqa: S608 - metadata names
        found = cursor.execute(query, (first, last)).fetchone()[0]
    finally:
        cursor.close()
    return list(range(first, last + 1)) if found == count else None


def upsert_many(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, conflict: tuple[str, ...], sets: dict[str, str]
) -> None:
    """INSERT `rows`; a row whose `conflict` columns (a unique constraint) match a stored row updates that row
    instead, each column of `sets` to its SQL expression, in which `excluded.<column>` is the new row's value
    and `<table>.<column>` the stored one (the same text on SQLite and PostgreSQL). No read, one statement."""
    if not rows:
        return
    assignments = ", ".join(f'"{name}" = {expression}' for name, expression in sets.items())
    if conn.dialect.name != "sqlite":
        statement = postgresql.insert(table).on_conflict_do_update(
            index_elements=list(conflict), set_={name: literal_column(f"({e})") for name, e in sets.items()}
        )
        conn.execute(statement, list(rows))
        return
    columns = ", ".join(f'"{name}"' for name in conflict)
    _sqlite_plan(table, tuple(rows[0]), None, f" ON CONFLICT ({columns}) DO UPDATE SET {assignments}").run(conn, rows)


def update_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, key: str = "id") -> None:
    """UPDATE one row per dict, found by `key`; every dict has the same keys (the columns to set, and `key`)."""
    if not rows:
        return
    columns = tuple(rows[0])
    if conn.dialect.name != "sqlite":
        values = [{("_key" if name == key else name): value for name, value in row.items()} for row in rows]
        conn.execute(update(table).where(table.c[key] == bindparam("_key")), values)
        return
    _sqlite_plan(table, columns, key).run(conn, rows)


LOOKUP_CHUNK = 500  # ids per IN list: well under every database's limit on bound parameters


def select_in(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    *,
    where: dict[str, Any],
    column: str,
    values: Sequence[Any],
) -> list[tuple[Any, ...]]:
    """`columns` of the rows whose `where` columns equal their values and whose `column` is one of `values`
    (looked up in chunks), in the caller's transaction. On SQLite the rows come straight from the driver,
    without SQLAlchemy's statement building and result processing, which cost more than the index probes
    themselves on ingest's per-batch lookups: values as stored (booleans 0/1, timestamps and JSON as their
    text: compare timestamps with `sqlite_times`); elsewhere as SQLAlchemy gives them."""
    found: list[tuple[Any, ...]] = []
    if not values:
        return found
    if conn.dialect.name != "sqlite":
        conditions = [table.c[name] == value for name, value in where.items()]
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[start : start + LOOKUP_CHUNK]
            query = select(*(table.c[name] for name in columns)).where(*conditions, table.c[column].in_(chunk))
            found.extend(tuple(row) for row in conn.execute(query))
        return found
    names = ", ".join(f'"{name}"' for name in columns)
    tests = " AND ".join(f'"{name}" = ?' for name in where)
    fixed = list(where.values())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for start in range(0, len(values), LOOKUP_CHUNK):
            chunk = list(values[start : start + LOOKUP_CHUNK])
            marks = ", ".join("?" * len(chunk))
            sql = f'SELECT {names} FROM "{table.name}" WHERE {tests} AND "{column}" IN ({marks})'  # noqa: S608 - metadata names
            found.extend(cursor.execute(sql, fixed + chunk).fetchall())
    finally:
        cursor.close()
    return found
