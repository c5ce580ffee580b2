"""`goodwill connect`, `goodwill channels`, `goodwill sync`, `goodwill secret-key`: thin over goodwill.connectors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from goodwill.actions.audit import CLI
from goodwill.cli import render
from goodwill.cli.app import (
    DatabaseOpt,
    JsonOpt,
    WorkspaceOpt,
    app,
    apply_inbox_rules,
    checked_store,
    err,
    out,
    print_json,
    workspace_slug,
)

HEALTH_STYLE = {"ok": "green", "degraded": "yellow", "needs_reauth": "bold red"}


@contextmanager
def _platform_errors() -> Iterator[None]:
    """A platform's refusal or a credential-key problem is one clear line, not a traceback."""
    from goodwill.connectors.base import ConnectorError
    from goodwill.connectors.secrets import SecretKeyError

    try:
        yield
    except (ConnectorError, SecretKeyError) as exc:
        err.print(f"[bold red]error:[/] {render.safe(str(exc))}", highlight=False, soft_wrap=True)
        raise SystemExit(1) from None


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r}: write KEY=VALUE", param_hint=option)
        pairs[key.strip()] = value
    return pairs


@app.command()
def connect(
    network: Annotated[
        str, typer.Argument(help="bluesky, mastodon, x, facebook, instagram, linkedin or blog (WordPress).")
    ],
    handle: Annotated[str | None, typer.Option(help="Bluesky: the account's handle (brand.bsky.social).")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="Bluesky: an app password (Settings > App passwords; tick DMs to read them).",
            envvar="GOODWILL_CONNECT_PASSWORD",
            show_envvar=True,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="Mastodon: an access token (Preferences > Development, scopes read write).",
            envvar="GOODWILL_CONNECT_TOKEN",
            show_envvar=True,
        ),
    ] = None,
    server: Annotated[
        str | None, typer.Option(help="Mastodon: the instance URL. Bluesky: the PDS (default https://bsky.social).")
    ] = None,
    credential: Annotated[
        list[str] | None,
        typer.Option(
            "--credential",
            help="Any other credential as KEY=VALUE, repeatable (e.g. X bearer_token, Meta page_access_token and "
            "app_secret, WordPress username and application_password): see docs/connectors.md.",
        ),
    ] = None,
    setting: Annotated[
        list[str] | None,
        typer.Option(
            "--config",
            help="A channel setting as KEY=VALUE, repeatable (e.g. Meta page_id, LinkedIn organization, "
            "WordPress site).",
        ),
    ] = None,
    no_backfill: Annotated[bool, typer.Option("--no-backfill", help="Do not fetch the history now.")] = False,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Connect a brand account, store its credentials encrypted (GOODWILL_SECRET_KEY) and fetch its history.

    Connecting an account again refreshes its credentials and clears "needs re-authorisation"."""
    from goodwill.connectors.channels import connect_channel

    if password is None and network == "bluesky" and handle:
        password = typer.prompt("App password", hide_input=True)
    credentials = {k: v for k, v in {"handle": handle, "app_password": password, "access_token": token}.items() if v}
    credentials.update(_pairs(credential or [], "--credential"))
    config = {"service": server} if network == "bluesky" and server else {"server": server} if server else {}
    config.update(_pairs(setting or [], "--config"))
    store = checked_store(database)
    with _platform_errors(), err.status(f"Connecting {network}..."):
        view, result = connect_channel(
            store,
            workspace=workspace_slug(workspace),
            network=network,
            credentials=credentials,
            config=config,
            acting=CLI,
            backfill=not no_backfill,
        )
    apply_inbox_rules(store, quiet=json)
    if json:
        print_json({"channel": view.as_dict(), "backfill": result.as_dict() if result else None})
        return
    out.print(f"Connected [bold]{render.safe(view.handle)}[/] on {view.network} (channel {view.id}).")
    if result is not None:
        _print_sync(result)


@app.command()
def channels(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """The connected channels, each with its health: ok, degraded (retrying) or needs re-authorisation."""
    from goodwill.connectors.channels import list_channels

    views = list_channels(checked_store(database), workspace=workspace_slug(workspace))
    if json:
        print_json({"data": [v.as_dict() for v in views], "count": len(views)})
        return
    table = Table(title=f"{len(views)} channels")
    for column in ("id", "network", "handle", "health", "last sync", "why"):
        table.add_column(column)
    for view in views:
        status = view.status
        why = status.reason or ""
        if status.retry_at:
            why += f" (next try {status.retry_at.isoformat(timespec='minutes')})"
        why = "; ".join(part for part in (why, *status.notes) if part)
        style = HEALTH_STYLE.get(status.health.value, "")
        table.add_row(
            str(view.id),
            view.network,
            render.safe(view.handle),
            f"[{style}]{status.health.value.replace('_', ' ')}[/]",
            status.last_sync_at.isoformat(timespec="minutes") if status.last_sync_at else "never",
            render.safe(why),
        )
    out.print(table)


@app.command()
def sync(
    channel: Annotated[str | None, typer.Argument(help="A channel id or handle; default: every channel.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Try now even while backing off.")] = False,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Fetch what is new on connected channels, from where each one stopped. Exit status 1 if any failed."""
    from goodwill.connectors.channels import find_channel, list_channels, sync_channel

    store = checked_store(database)
    slug = workspace_slug(workspace)
    ids = (
        [find_channel(store, workspace=slug, ref=channel)]
        if channel
        else [v.id for v in list_channels(store, workspace=slug)]
    )
    results = []
    with _platform_errors():
        for channel_id in ids:
            results.append(sync_channel(store, channel_id, force=force))
    apply_inbox_rules(store, quiet=json)
    if json:
        print_json({"data": [r.as_dict() for r in results], "count": len(results)})
    else:
        for result in results:
            _print_sync(result)
    if any(r.error for r in results):
        raise SystemExit(1)


@app.command("secret-key")
def secret_key() -> None:
    """Print a new key for GOODWILL_SECRET_KEY (the key channel credentials are encrypted with)."""
    from goodwill.connectors.secrets import generate_key

    out.print(generate_key(), highlight=False)
    if not os.environ.get("GOODWILL_SECRET_KEY"):
        err.print("Set it with: export GOODWILL_SECRET_KEY=<the key above> (keep it out of the database backups)")


def _print_sync(result: object) -> None:
    from goodwill.connectors.channels import SyncResult

    assert isinstance(result, SyncResult)
    name = f"{render.safe(result.handle)} ({result.network})"
    if result.skipped:
        out.print(f"[yellow]{name}: skipped[/]: {render.safe(result.skipped)}")
        return
    line = f"{name}: {result.ingest.stored} new, {result.ingest.duplicates} already stored"
    if result.error:
        health = result.status.health.value.replace("_", " ") if result.status else "?"
        out.print(f"[bold red]{line}; failed ({health})[/]: {render.safe(result.error)}")
        return
    out.print(line)
    for note in result.status.notes if result.status else ():
        out.print(f"  [yellow]note[/]: {render.safe(note)}")
