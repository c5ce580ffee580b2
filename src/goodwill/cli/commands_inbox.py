"""Inbox commands: `inbox` and `show`."""

from __future__ import annotations

from typing import Annotated

import typer

from goodwill.cli import render
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug


@app.command()
def inbox(
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    all_open: Annotated[
        bool, typer.Option("--all", help="Every open conversation, not only those waiting on us.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 30,
    json: JsonOpt = False,
) -> None:
    """Open conversations, the ones waiting for a reply first, most urgent on top."""
    from goodwill.inbox import list_inbox

    store = checked_store(database)
    with store.reader() as session:
        items, total = list_inbox(
            session, workspace=workspace_slug(workspace), needs_reply_only=not all_open, limit=limit
        )
    if json:
        print_json({"data": [i.as_dict() for i in items], "count": total})
    else:
        render.inbox(out, items, total)


@app.command()
def show(
    conversation: Annotated[int, typer.Argument(help="Conversation id, as listed by `goodwill inbox`.")],
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """One conversation, top to bottom, with the triage labels and their evidence."""
    from goodwill.inbox import show_conversation

    store = checked_store(database)
    with store.reader() as session:
        view = show_conversation(session, workspace=workspace_slug(workspace), conversation_id=conversation)
    if json:
        print_json(view.as_dict())
    else:
        render.conversation(out, view)
