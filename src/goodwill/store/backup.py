"""Backup and restore of the whole store.

SQLite: the backup is a SQLite file made with SQLite's online backup API (`sqlite3.Connection.backup`), which
copies a consistent snapshot while the application keeps writing (in WAL mode readers never block writers,
and the copy is one read transaction). It is written beside the target and renamed into place, so a failed
backup never leaves a half-written file under the name asked for.

PostgreSQL: `pg_dump --format=custom` / `pg_restore` are the tools (guidance in `POSTGRES_GUIDANCE`); when
they are on PATH, `backup` and `restore` run them.

Restore goes into a fresh database: it refuses a database holding any row unless `force` is given, and
checks the backup's schema revision (a backup from a newer goodwill is refused; an older one is restored and
then upgraded). Counts per table are returned so callers can compare the two sides.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404: runs pg_dump / pg_restore only, with argument lists
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, create_engine, func, inspect, select
from sqlalchemy.engine import URL

from goodwill.store import Store, StoreError, migrate
from goodwill.store.walk import metadata_or_default

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
POSTGRES_GUIDANCE = """\
PostgreSQL backups are made with PostgreSQL's own tools (same major version as the server, or newer):
  backup:   pg_dump --format=custom --no-owner --file goodwill.dump "$DATABASE"
  restore:  createdb goodwill_restored
            pg_restore --no-owner --exit-on-error --dbname goodwill_restored goodwill.dump
  check:    goodwill stats -d postgresql://.../goodwill_restored
For continuous protection use the server's WAL archiving (point-in-time recovery); pg_dump is a snapshot
taken in one transaction, consistent while goodwill keeps writing."""


class BackupError(StoreError):
    """A backup or restore that cannot be done as asked; nothing was changed."""


@dataclass(slots=True)
class BackupResult:
    path: Path
    dialect: str
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0


def table_counts(engine: Engine, metadata: MetaData | None = None) -> dict[str, int]:
    """Rows per declared table (tables the database lacks are left out)."""
    present = set(inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as conn:
        for table in metadata_or_default(metadata).sorted_tables:
            if table.name in present:
                counts[str(table.name)] = int(conn.scalar(select(func.count()).select_from(table)) or 0)
    return counts


def is_empty(engine: Engine) -> bool:
    """True when no table of the database holds a row (a fresh database, or one only migrated)."""
    names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
    meta = MetaData()
    meta.reflect(engine, only=names)
    with engine.connect() as conn:
        return all(conn.scalar(select(func.count()).select_from(t)) == 0 for t in meta.sorted_tables)


def backup(store: Store, path: Path, *, overwrite: bool = False) -> BackupResult:
    """Write a backup of `store` to `path` (SQLite file, or pg_dump custom format). The counts returned are
    the backup's own for SQLite, the live database's for PostgreSQL."""
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists: choose another file or pass --force to replace it")
    if store.dialect == "sqlite":
        _sqlite_backup(_sqlite_path(store.engine.url), path)
    elif store.dialect == "postgresql":
        _pg_dump(store.engine.url, path)
    else:  # pragma: no cover - make_engine accepts nothing else
        raise BackupError(f"no backup for {store.dialect}")
    if store.dialect == "sqlite":  # the snapshot's own counts (the live database may have moved on)
        snapshot = create_engine(f"sqlite:///{path}")
        counts, revision = table_counts(snapshot), migrate.current_revision(snapshot)
        snapshot.dispose()
    else:  # the live database's, at about the time of the dump
        counts, revision = table_counts(store.engine), migrate.current_revision(store.engine)
    return BackupResult(path=path, dialect=store.dialect, revision=revision, counts=counts, size=path.stat().st_size)


def restore(store: Store, path: Path, *, force: bool = False) -> BackupResult:
    """Restore the backup at `path` into `store`. Refuses a non-empty database unless `force`; refuses a
    backup made by a newer goodwill; upgrades a backup made by an older one after restoring it."""
    kind = _kind(path)
    if kind != store.dialect:
        raise BackupError(f"{path} is a {kind} backup: restore it into a {kind} database, not {store.dialect}")
    if not force and not is_empty(store.engine):
        raise BackupError(
            f"the database at {store.engine.url!r} is not empty: restore into a fresh database, "
            "or pass --force to replace everything in it"
        )
    if kind == "sqlite":
        revision = _sqlite_revision(path)
        _check_revision(revision)
        store.dispose()  # no pooled connection may hold the file while its pages are replaced
        _sqlite_copy(path, _sqlite_path(store.engine.url))
    else:
        revision = _pg_revision(path)
        _check_revision(revision)
        store.dispose()
        _pg_restore(store.engine.url, path, clean=force)
    if revision != migrate.head_revision():
        store.migrate()
    return BackupResult(
        path=path,
        dialect=store.dialect,
        revision=revision,
        counts=table_counts(store.engine),
        size=path.stat().st_size,
    )


# --- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database).expanduser()


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.execute("PRAGMA busy_timeout=10000")
        src.backup(dst)  # one step: one read transaction, a consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained single file
        _check_integrity(dst, partial)
    finally:
        dst.close()
        src.close()
    partial.replace(target)


def _check_integrity(conn: sqlite3.Connection, where: Path) -> None:
    verdict = conn.execute("PRAGMA integrity_check").fetchone()
    if not verdict or verdict[0] != "ok":
        raise BackupError(f"{where} failed SQLite's integrity check: {verdict[0] if verdict else 'no answer'}")


def _sqlite_revision(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _check_integrity(conn, path)
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a goodwill backup: {exc}") from None
    finally:
        conn.close()
    if row is None:
        raise BackupError(f"{path} is not a goodwill backup: it records no schema revision")
    return str(row[0])


def _sqlite_copy(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        dst.execute("PRAGMA busy_timeout=10000")
        src.backup(dst)  # replaces every page of the target in one transaction
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH. {POSTGRES_GUIDANCE}")
    return found


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment, not argv."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools, argv list
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _pg_dump(url: URL, target: Path) -> None:
    args, env = _libpq(url)
    partial = target.with_name(f".{target.name}.partial")
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), *args], env, "pg_dump")
    partial.replace(target)


def _pg_revision(path: Path) -> str:
    listing = _run(
        [_tool("pg_restore"), "--data-only", "--table", "alembic_version", "--file", "-", str(path)],
        dict(os.environ),
        "reading the backup",
    )
    found = re.search(r"^COPY [^\n]*alembic_version[^\n]*\n([^\n\\]+)\n", listing, re.MULTILINE)
    if found is None:
        raise BackupError(f"{path} is not a goodwill backup: it records no schema revision")
    return found.group(1).strip()


def _pg_restore(url: URL, path: Path, *, clean: bool) -> None:
    args, env = _libpq(url)
    options = ["--clean", "--if-exists"] if clean else []
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", *options, *args, str(path)], env, "pg_restore")


# --- both -----------------------------------------------------------------------------------------------------


def _kind(path: Path) -> str:
    if not path.is_file():
        raise BackupError(f"{path}: no such backup file")
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump custom-format file")


def _check_revision(revision: str) -> None:
    scripts = ScriptDirectory.from_config(migrate._config())
    try:
        known = scripts.get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown id
        known = None
    if known is None:
        raise BackupError(
            f"the backup's schema revision {revision!r} is unknown to this goodwill: "
            "it was made by a newer version; upgrade goodwill first"
        )
