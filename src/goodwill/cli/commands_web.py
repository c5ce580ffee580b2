"""`goodwill serve` (the API, the dashboard and the background jobs in one process) and `goodwill password`."""

from __future__ import annotations

from typing import Annotated

import typer

from goodwill.cli.app import DatabaseOpt, WorkspaceOpt, app, checked_store, err, out, workspace_slug

HostOpt = Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    jobs: Annotated[
        bool, typer.Option(help="Run the background jobs in this process (--no-jobs: separate workers do).")
    ] = True,
    workers: Annotated[int, typer.Option(help="Web processes on the port (the jobs run once, in the first).")] = 1,
    database: DatabaseOpt = None,
) -> None:
    """Serve the dashboard and the API, and run the background jobs, until Ctrl-C."""
    from goodwill.web.server import serve as run

    store = checked_store(database)
    run(
        store,
        host=host,
        port=port,
        run_jobs=jobs,
        workers=workers,
        on_ready=lambda url: out.print(f"goodwill is serving on {url} (Ctrl-C stops it)", highlight=False),
    )


@app.command()
def password(
    email: Annotated[str, typer.Argument(help="The teammate's e-mail address.")],
    role: Annotated[
        str | None,
        typer.Option(help="Add the teammate first with this role (owner, admin, agent, viewer) if they are new."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="The new teammate's name (default: the e-mail).")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Set a teammate's dashboard password (asked twice, never echoed); --role adds a new teammate first."""
    from goodwill.actions import NotFound, access_workspace
    from goodwill.actions.accounts import check_password, do_set_password
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.actions.audit import CLI
    from goodwill.actions.team import do_add_teammate
    from goodwill.domain.enums import Role

    wanted = Role(role) if role else None
    secret = check_password(typer.prompt("New password", hide_input=True, confirmation_prompt=True, err=True))
    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        try:
            mate = access_teammate_by_id(session, ws, email)
        except NotFound:
            if wanted is None:
                raise NotFound(f"no teammate {email!r} in workspace {ws.slug!r}: add them with --role") from None
            mate = do_add_teammate(session, ws, email=email, name=name or email, role=wanted, acting=CLI)
        do_set_password(session, mate, secret, acting=CLI)
    err.print(f"Password set for {mate.email} ({mate.role}).", highlight=False)
