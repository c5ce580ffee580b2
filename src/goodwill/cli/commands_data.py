"""`goodwill backup`, `restore`, `export` and `forget`: thin layers over goodwill.store.backup,
goodwill.store.export and goodwill.actions.privacy (docs/data-safety.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from goodwill.actions.audit import CLI
from goodwill.cli.app import (
    DatabaseOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    checked_store,
    err,
    out,
    print_json,
    workspace_slug,
)
from goodwill.cli.render import safe


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (a SQLite file, or a pg_dump archive).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    database: DatabaseOpt = None,
    json: JsonOpt = False,
) -> None:
    """Back up the whole database, consistently, while goodwill keeps running."""
    from goodwill.store.backup import POSTGRES_GUIDANCE
    from goodwill.store.backup import backup as run

    store = checked_store(database)
    if store.dialect == "postgresql" and not json:
        err.print(POSTGRES_GUIDANCE, highlight=False, markup=False)
    result = run(store, file, overwrite=force)
    if json:
        print_json({"file": str(result.path), "revision": result.revision, "bytes": result.size, **result.counts})
        return
    rows = sum(result.counts.values())
    out.print(
        f"Backed up {rows} rows in {len(result.counts)} tables to {safe(str(file))} "
        f"({result.size / 1e6:.1f} MB, schema {result.revision}).",
        highlight=False,
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup written by `goodwill backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace everything in a database that is not empty.")] = False,
    database: DatabaseOpt = None,
    json: JsonOpt = False,
) -> None:
    """Restore a backup into a fresh database (refuses a database with data in it unless --force)."""
    from goodwill.store.backup import restore as run

    store = checked_store(database, check=False)
    result = run(store, file, force=force)
    if json:
        print_json({"file": str(file), "revision": result.revision, **result.counts})
        return
    out.print(f"Restored {safe(str(file))} (schema {result.revision}):", highlight=False)
    for table, count in result.counts.items():
        if count:
            out.print(f"  {table:<20} {count:>9}", highlight=False)


@app.command("export")
def export_(
    folder: Annotated[Path, typer.Argument(help="The folder to write one file per table into (created).")],
    fmt: Annotated[str, typer.Option("--format", help="json (JSON Lines) or csv.")] = "json",
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Export one workspace's data, every table, without secrets (credentials, password hashes)."""
    from goodwill.store.export import export_workspace

    if fmt not in ("json", "csv"):
        raise typer.BadParameter(f"{fmt!r}: use json or csv", param_hint="--format")
    store = checked_store(database)
    with store.reader() as session:
        result = export_workspace(session, workspace=workspace_slug(workspace), folder=folder, fmt=fmt)  # type: ignore[arg-type]
    if json:
        print_json({"folder": str(folder), "format": fmt, "counts": result.counts, "left_out": result.left_out})
        return
    rows = sum(result.counts.values())
    out.print(f"Exported {rows} rows from {len(result.counts)} tables to {safe(str(folder))}.", highlight=False)
    for table, columns in result.left_out.items():
        out.print(f"  left out {table}: {', '.join(columns)} (secrets)", highlight=False)


@app.command()
def forget(
    person_id: Annotated[int, typer.Argument(metavar="PERSON_ID", help="The person to forget.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (without it, show what would go).")] = False,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Delete a person and every trace of them on request (right to be forgotten). Irreversible."""
    from goodwill.actions.privacy import do_forget_person
    from goodwill.actions.workspaces import access_workspace

    store = checked_store(database)
    slug = workspace_slug(workspace)
    if yes:
        with store.session() as session:
            result = do_forget_person(session, access_workspace(session, slug), person_id, acting=CLI)
    else:
        with store.reader() as session:  # the same work, rolled back: a faithful preview
            result = do_forget_person(session, access_workspace(session, slug), person_id, acting=CLI)
            session.rollback()
    data = {"person_id": person_id, "done": yes, "deleted": result.deleted, "redacted": result.redacted}
    if json:
        print_json({**data, "conversations_kept": result.conversations_kept})
        return
    verb = "Deleted" if yes else "Would delete"
    parts = ", ".join(f"{n} {table}" for table, n in result.deleted.items())
    out.print(f"{verb}: {parts or 'nothing'}.", highlight=False)
    if result.redacted:
        mentions = ", ".join(f"{n} {table}" for table, n in result.redacted.items())
        out.print(f"{'Redacted' if yes else 'Would redact'} mentions in: {mentions}.", highlight=False)
    if not yes:
        out.print("Nothing was changed: run again with --yes to forget this person.")
