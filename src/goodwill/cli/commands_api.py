"""API tokens: `token create`, `token list`, `token revoke` (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.cli.render import safe

if TYPE_CHECKING:
    from goodwill.store.tables_api import ApiToken

token_app = typer.Typer(help="REST API tokens: a teammate's key with scopes (read, write, reply, admin).")
app.add_typer(token_app, name="token", no_args_is_help=True)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


@token_app.command("create")
def token_create(
    teammate: Annotated[str, typer.Option("--for", help="The teammate (e-mail) the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for: 'zapier', 'reporting'.")],
    scopes: Annotated[
        list[str] | None, typer.Option("--scope", help="read, write, reply or admin; repeat for several.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="An ISO date or date-time after which it stops working.")
    ] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Create a token. Its secret is printed once: only a hash is kept."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.actions.audit import CLI
    from goodwill.actions.tokens import do_create_token
    from goodwill.analytics.scope import parse_moment

    until = parse_moment(expires, now=datetime.now().astimezone()) if expires else None
    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        mate = access_teammate_by_id(session, ws, teammate)
        issued = do_create_token(session, ws, mate, name=name, scopes=scopes or ["read"], expires_at=until, acting=CLI)
        token_id, granted = issued.token.id, list(issued.token.scopes)
    if json:
        print_json({"id": token_id, "scopes": granted, "secret": issued.secret})
        return
    out.print(f"Token {token_id} for {safe(mate.email)} ({', '.join(granted)}). Its secret, shown once:")
    out.print(issued.secret, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """The workspace's tokens (never their secrets)."""
    from goodwill.actions import access_workspace
    from goodwill.actions.tokens import list_tokens
    from goodwill.store.tables import Teammate

    with checked_store(database).reader() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        rows = [(t, session.get_one(Teammate, t.teammate_id).email) for t in list_tokens(session, ws)]
    if json:
        print_json({"data": [_token_dict(t, email) for t, email in rows], "count": len(rows)})
        return
    if not rows:
        out.print("No API tokens: create one with `goodwill token create --for EMAIL --name NAME --scope read`.")
    for t, email in rows:
        state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else f"last used {_when(t.last_used_at)}"
        out.print(
            f"[bold]{t.id}[/] {safe(t.name)} {t.prefix}… {safe(email)} "
            f"({', '.join(t.scopes)}) expires {_when(t.expires_at)}, {state}"
        )


def _token_dict(t: ApiToken, email: str) -> dict[str, object]:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "teammate": email,
        "scopes": list(t.scopes),
        **{k: getattr(t, k).isoformat() if getattr(t, k) else None for k in ("created_at", "expires_at")},
        **{k: getattr(t, k).isoformat() if getattr(t, k) else None for k in ("last_used_at", "revoked_at")},
    }


@token_app.command("revoke")
def token_revoke(
    token: Annotated[int, typer.Argument(help="Token id, as listed by `goodwill token list`.")],
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Revoke a token: refused from now on."""
    from goodwill.actions import access_workspace
    from goodwill.actions.audit import CLI
    from goodwill.actions.tokens import access_token_by_id, do_revoke_token

    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        changed = do_revoke_token(session, ws, access_token_by_id(session, ws, token), acting=CLI)
    out.print(f"Token {token} revoked." if changed else f"Token {token} was already revoked.")
