"""Plain SQL for the relationship states: the full recompute reads every message once, and the update
after every stored batch runs a few small statements.

On SQLite the statements go straight to the driver's cursor in the session's transaction (as
goodwill.store.bulk does for ingest): for a handful of rows SQLAlchemy's per-statement work cost more than
the query, and for a million rows its per-row work did. Elsewhere they run through SQLAlchemy `text()` with
expanding IN lists. Statements use `:name` parameters; `IN :name` takes a list. Only statements written in
this package go through here: never text from users.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.orm import Session

_MARK = re.compile(r"IN :(\w+)|(?<![:\w]):(\w+)")
BATCH = 10_000


@cache
def _qmark(sql: str, lengths: tuple[tuple[str, int], ...]) -> tuple[str, tuple[tuple[str, int | None], ...]]:
    """`sql` with `?` marks for SQLite, and for each mark (parameter name, index in its list or None)."""
    sizes = dict(lengths)
    marks: list[tuple[str, int | None]] = []

    def mark(m: re.Match[str]) -> str:
        if m.group(1):
            count = sizes[m.group(1)]
            marks.extend((m.group(1), i) for i in range(count))
            return "IN (" + ", ".join("?" * count) + ")" if count else "IN (NULL)"
        marks.append((m.group(2), None))
        return "?"

    return _MARK.sub(mark, sql), tuple(marks)


@cache
def _text(sql: str, lists: frozenset[str]) -> TextClause:
    clause = text(sql)
    return clause.bindparams(*(bindparam(name, expanding=True) for name in sorted(lists))) if lists else clause


def rows(session: Session, sql: str, params: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """The rows of `sql` with `params`, in the session's transaction, read in batches."""
    for batch in batches(session, sql, params):
        yield from batch


def batches(session: Session, sql: str, params: Mapping[str, Any]) -> Iterator[Sequence[tuple[Any, ...]]]:
    """The rows of `sql` with `params` a batch at a time (for callers that go through them without Python per
    row, e.g. `itertools.chain`)."""
    if session.get_bind().dialect.name != "sqlite":
        lists = frozenset(k for k, v in params.items() if isinstance(v, list | tuple))
        for part in session.execute(_text(sql, lists), dict(params)).partitions(BATCH):
            yield [tuple(row) for row in part]
        return
    lengths = tuple(sorted((k, len(v)) for k, v in params.items() if isinstance(v, list | tuple)))
    statement, marks = _qmark(sql, lengths)
    values = [params[name] if index is None else params[name][index] for name, index in marks]
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement, values)
        while True:
            batch: Sequence[tuple[Any, ...]] = cursor.fetchmany(BATCH)
            if not batch:
                break
            yield batch
    finally:
        cursor.close()
