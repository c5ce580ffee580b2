"""Export one workspace: every table's rows that belong to it, as JSON Lines or CSV, one file per table.

Which rows belong is decided by walking the schema (goodwill.store.walk), so tables added later are exported
without changing this module. Secret columns (credentials, password and token hashes, any binary column)
are never written; `manifest.json` lists what was left out and the row count of every file.

JSON Lines keep JSON columns as nested values; CSV writes them as JSON text. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import orjson
from sqlalchemy import JSON, Column, MetaData, Table, select
from sqlalchemy.orm import Session

from goodwill.actions.workspaces import access_workspace
from goodwill.store import migrate
from goodwill.store.walk import is_secret, metadata_or_default, workspace_clause

Format = Literal["json", "csv"]
FORMATS: tuple[Format, ...] = ("json", "csv")


@dataclass(slots=True)
class ExportResult:
    folder: Path
    format: Format
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows written
    left_out: dict[str, list[str]] = field(default_factory=dict)  # table -> secret columns not written


def exported_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if not is_secret(c)]


def export_workspace(
    session: Session, *, workspace: str, folder: Path, fmt: Format = "json", metadata: MetaData | None = None
) -> ExportResult:
    """Write `workspace` to `folder` (created; existing export files in it are replaced). Reads in the
    caller's session, so one transaction sees one state of the database."""
    if fmt not in FORMATS:
        raise ValueError(f"export format {fmt!r}: use json or csv")
    ws = access_workspace(session, workspace)
    folder.mkdir(parents=True, exist_ok=True)
    result = ExportResult(folder=folder, format=fmt)
    for table in metadata_or_default(metadata).sorted_tables:
        columns = exported_columns(table)
        secret = [c.name for c in table.columns if is_secret(c)]
        if secret:
            result.left_out[str(table.name)] = secret
        rows = _rows(session, table, columns, ws.id, metadata)
        path = folder / f"{table.name}.{'jsonl' if fmt == 'json' else 'csv'}"
        result.counts[str(table.name)] = _write_jsonl(path, rows) if fmt == "json" else _write_csv(path, columns, rows)
    manifest = {
        "workspace": ws.slug,
        "format": fmt,
        "schema_revision": migrate.current_revision(session.get_bind()),  # type: ignore[arg-type]
        "exported_at": datetime.now(UTC).isoformat(),
        "counts": result.counts,
        "left_out": result.left_out,
    }
    (folder / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return result


def _rows(
    session: Session, table: Table, columns: list[Column[Any]], workspace_id: int, metadata: MetaData | None
) -> Iterator[dict[str, Any]]:
    query = select(*columns).where(workspace_clause(table, workspace_id, metadata))
    query = query.order_by(*table.primary_key.columns)
    for row in session.execute(query.execution_options(yield_per=1000)):
        yield dict(row._mapping)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    with path.open("wb") as out:
        for row in rows:
            out.write(orjson.dumps({k: _plain(v) for k, v in row.items()}, option=orjson.OPT_NON_STR_KEYS) + b"\n")
            count += 1
    return count


def _write_csv(path: Path, columns: list[Column[Any]], rows: Iterator[dict[str, Any]]) -> int:
    json_columns = {c.name for c in columns if isinstance(c.type, JSON)}
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([c.name for c in columns])
        for row in rows:
            writer.writerow(
                [
                    ""
                    if value is None
                    else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
                    if name in json_columns
                    else _plain(value)
                    for name, value in row.items()
                ]
            )
            count += 1
    return count


def read_export(folder: Path, table: str, fmt: Format = "json") -> list[dict[str, Any]]:
    """The rows of one exported table, read back (tests, and anyone checking an export)."""
    if fmt == "json":
        with (folder / f"{table}.jsonl").open("rb") as handle:
            return [orjson.loads(line) for line in handle if line.strip()]
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
