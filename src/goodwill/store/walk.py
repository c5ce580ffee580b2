"""Walking the schema generically: which rows belong to a workspace, which columns refer to a table, which
columns hold secrets. Export and the right to be forgotten use these, so a table added later (by any area, on
the shared `Base`) is covered without changing them.

Everything here reads `MetaData` (default: `Base.metadata`, every declared table); nothing is listed by name
except the roots (`workspace`, `person`) and the secret-column rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import JSON, Column, ColumnElement, LargeBinary, MetaData, String, Table, exists, false, or_, select

from goodwill.store.tables import Base

# A column whose name says it holds a secret is never exported, whatever its table (credentials, password
# hashes, API token hashes, webhook secrets); LargeBinary columns neither (sealed blobs).
SECRET_NAME = re.compile(r"password|secret|token|credential|api_key|private_key", re.IGNORECASE)


def metadata_or_default(metadata: MetaData | None) -> MetaData:
    return Base.metadata if metadata is None else metadata


def is_secret(column: Column[object]) -> bool:
    return bool(SECRET_NAME.search(column.name)) or isinstance(column.type, LargeBinary)


@dataclass(frozen=True, slots=True)
class Reference:
    """`table.column` refers to `target`'s primary key; `ondelete` as declared (None: no action)."""

    table: Table
    column: Column[object]
    target: Table
    referred: Column[object]  # the target's column it holds (its primary key)
    ondelete: str | None

    @property
    def nullable(self) -> bool:
        return bool(self.column.nullable)


def references_to(metadata: MetaData, target: Table) -> list[Reference]:
    """Every foreign-key column (of any table in `metadata`) that points at `target`, in table order."""
    found = []
    for table in metadata.sorted_tables:
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            if fk.column.table is target:
                found.append(Reference(table, fk.parent, target, fk.column, (fk.ondelete or "").upper() or None))
    return found


def workspace_clause(table: Table, workspace_id: int, metadata: MetaData | None = None) -> ColumnElement[bool]:
    """A condition selecting `table`'s rows that belong to the workspace.

    A table belongs by its own `workspace_id`, else through a foreign key to a table that belongs (triage ->
    message, conversation_tag -> conversation): the first non-nullable such key, else any of its nullable
    ones. A table with no path to a workspace (none today) selects nothing: it is not a workspace's data.
    """
    md = metadata_or_default(metadata)
    clause = _clause(md, table, workspace_id, frozenset())
    return false() if clause is None else clause


def _clause(md: MetaData, table: Table, workspace_id: int, seen: frozenset[str]) -> ColumnElement[bool] | None:
    if table.name == "workspace":
        return table.c.id == workspace_id
    if "workspace_id" in table.c:
        return table.c.workspace_id == workspace_id
    keys = sorted(table.foreign_keys, key=lambda f: (bool(f.parent.nullable), f.parent.name))
    nullable: list[ColumnElement[bool]] = []
    for fk in keys:
        parent = fk.column.table
        if not isinstance(parent, Table) or parent.name in seen or parent.name not in md.tables:
            continue
        inner = _clause(md, parent, workspace_id, seen | {table.name})
        if inner is None:
            continue
        condition = exists(select(fk.column).where(fk.column == fk.parent, inner))
        if not fk.parent.nullable:
            return condition
        nullable.append(condition)
    if not nullable:
        return None
    return or_(*nullable)


def text_columns(table: Table) -> list[Column[object]]:
    """Columns that can hold people's words or platform JSON: strings, text and JSON (not secrets)."""
    return [c for c in table.columns if isinstance(c.type, String | JSON) and not is_secret(c)]
