"""`goodwill` commands. Each one parses its options, calls the library, and renders the result."""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from goodwill.actions.audit import CLI
from goodwill.cli import render
from goodwill.settings import get_settings
from goodwill.store import Store, open_store

app = typer.Typer(
    name="goodwill",
    help="A self-hosted social relationship engine: listen, triage, answer, remember, publish, audit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database", "-d", help="Database URL (default: GOODWILL_DATABASE_URL or the SQLite file).", show_default=False
    ),
]
WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace", "-w", help="Workspace slug (default: GOODWILL_WORKSPACE or 'default').", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def workspace_slug(workspace: str | None) -> str:
    return workspace or get_settings().workspace


def checked_store(database: str | None, *, check: bool = True) -> Store:
    store = open_store(database)
    if check:
        store.check_schema()
    return store


def print_json(data: object) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command()
def init(
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    name: Annotated[str | None, typer.Option(help="The brand's name.")] = None,
    timezone: Annotated[str, typer.Option(help="The workspace's IANA time zone.")] = "UTC",
) -> None:
    """Create or upgrade the database and create a workspace (both idempotent)."""
    from goodwill.actions import do_create_workspace

    store = checked_store(database, check=False)
    store.migrate()
    slug = workspace_slug(workspace)
    with store.session() as session:
        ws = do_create_workspace(session, slug=slug, name=name or slug, timezone=timezone, acting=CLI)
    out.print(f"Database ready at {render.safe(store.engine.url.render_as_string())}; workspace [bold]{ws.slug}[/].")


@app.command("import")
def import_(
    fmt: Annotated[
        str,
        typer.Argument(
            metavar="FORMAT",
            help="jsonl, csv, twcs, ibm-customer-care, x-archive, mastodon-archive, bluesky-car, linkedin-export, "
            "facebook-archive or instagram-archive (docs/data-formats.md, docs/formats.md).",
        ),
    ],
    path: Annotated[Path, typer.Argument(help="The file to import (or an unpacked archive's folder).")],
    skip_bad: Annotated[
        Path | None,
        typer.Option("--skip-bad", help="Write rejected records with reasons to this file and import the rest."),
    ] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import messages from a file. A bad record refuses the whole file unless --skip-bad is given."""
    from goodwill.connectors.files.importer import import_file

    store = checked_store(database)
    with render.import_progress(err, enabled=not json) as progress:
        report = import_file(
            store,
            workspace=workspace_slug(workspace),
            fmt=fmt,
            path=path,
            skip_bad=skip_bad,
            acting=CLI,
            on_checked=progress.checked,
            on_progress=progress.advance,
        )
    apply_inbox_rules(store, quiet=json)
    # the query planner's statistics, which the worker's daily job keeps, when the import changed the size
    # of the message table by a tenth or more (the embedded mode may have no worker)
    store.refresh_statistics(added=report.result.stored)
    if json:
        print_json(render.report_dict(report))
    else:
        render.import_report(out, report, skip_bad)


def apply_inbox_rules(store: Store, *, quiet: bool = False) -> None:
    """What the background jobs do after new messages (rules, intent, SLA clocks), run now: the embedded mode
    has no worker running between two commands, and the inbox should be ready when the command returns."""
    from goodwill.jobs.inbox import process_pending

    with err.status("Applying rules and SLA clocks...") if not quiet else nullcontext():
        process_pending(store)


@app.command()
def demo(
    database: Annotated[
        str | None, typer.Option("--database", "-d", help="Database URL (default: demo.db in the data folder).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world.")] = 7,
    fresh: Annotated[bool, typer.Option("--fresh", help="Delete an existing demo database first.")] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the dashboard on the demo world afterwards.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address the dashboard listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the dashboard listens on.")] = 8000,
) -> None:
    """Build a simulated brand with 90 days of life on several networks, show its inbox, then serve the
    dashboard on it with a printed login (until Ctrl-C; --no-serve stops after building)."""
    from goodwill.demo import build_world

    url = database or f"sqlite:///{get_settings().data_dir / 'demo.db'}"
    if fresh and url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    store = open_store(url, migrate_schema=True)
    with err.status("Building the demo world..."):
        summary = build_world(store, seed=seed)
    apply_inbox_rules(store)
    render.demo_summary(out, summary, url)
    from goodwill.inbox import list_inbox

    with store.reader() as session:
        items, total = list_inbox(session, workspace=summary.workspace, limit=15)
    render.inbox(out, items, total)
    program = (
        sys.argv[0] if sys.argv and Path(sys.argv[0]).name == "goodwill" else "goodwill"
    )  # e.g. .venv/bin/goodwill
    where = f"-d {url} -w {summary.workspace}"
    out.print(
        f"\nExplore: {program} inbox {where}\n"
        f"         {program} show ID {where}    {program} suggest ID {where}\n"
        f"         {program} audit {where} --html audit.html",
        highlight=False,
        soft_wrap=True,
    )
    if serve:
        _serve_demo(store, summary.workspace, host, port)


def _serve_demo(store: Store, workspace: str, host: str, port: int) -> None:
    """Give every demo teammate one fresh random password, print it with the owner's login, and serve."""
    import secrets

    from goodwill.actions import access_workspace
    from goodwill.actions.accounts import do_set_password
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.demo.brand import TEAM
    from goodwill.web.server import serve

    password = secrets.token_urlsafe(12)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        for member in TEAM:
            do_set_password(session, access_teammate_by_id(session, ws, member.email), password, acting=CLI)
    owner = next(m for m in TEAM if m.role.value == "owner")
    others = ", ".join(f"{m.email} ({m.role.value})" for m in TEAM if m is not owner)

    def ready(url: str) -> None:
        out.print(
            f"\n[bold]Dashboard:[/] {url}\n[bold]Login:[/] {owner.email}  [bold]password:[/] {password}\n"
            f"(the same password signs in {others})\nCtrl-C stops the server.",
            highlight=False,
            soft_wrap=True,
        )

    serve(store, host=host, port=port, on_ready=ready)


@app.command()
def stats(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """Headline counts: channels, people, messages, conversations, intents."""
    from goodwill.analytics.stats import workspace_stats

    store = checked_store(database)
    with store.reader() as session:
        figures = workspace_stats(session, workspace=workspace_slug(workspace))
    if json:
        print_json(figures.as_dict())
    else:
        render.stats(out, figures)


def _load_command_modules() -> None:
    """Import every `goodwill.cli.commands_*` module: each registers its commands on `app`."""
    import importlib
    import pkgutil

    import goodwill.cli

    for module in pkgutil.iter_modules(goodwill.cli.__path__):
        if module.name.startswith("commands_"):
            importlib.import_module(f"goodwill.cli.{module.name}")


def main() -> None:
    """Entry point: run the app; known errors become one clear line and exit status 1."""
    from goodwill.cli.errors import explain

    _load_command_modules()
    try:
        app()
    except Exception as exc:
        message = explain(exc)
        if message is None or os.environ.get("GOODWILL_DEBUG"):
            raise
        err.print(f"[bold red]error:[/] {render.safe(message)}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None
