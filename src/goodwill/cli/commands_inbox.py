"""Inbox commands: `inbox` (filters, --json), `show` (the timeline)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from goodwill.cli import render
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug


@app.command()
def inbox(
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    all_open: Annotated[
        bool, typer.Option("--all", help="Every conversation in the status, not only those waiting on us.")
    ] = False,
    status: Annotated[str, typer.Option(help="open, waiting, snoozed, resolved, or any.")] = "open",
    assignee: Annotated[str | None, typer.Option(help="A teammate's e-mail or id, or 'none'.")] = None,
    intent: Annotated[str | None, typer.Option(help="complaint, question, praise, feedback, lead, ...")] = None,
    network: Annotated[str | None, typer.Option(help="x, mastodon, bluesky, facebook, ...")] = None,
    tag: Annotated[str | None, typer.Option(help="Only conversations with this tag.")] = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only those past their SLA target.")] = False,
    hidden: Annotated[bool, typer.Option("--hidden", help="Include conversations hidden as spam.")] = False,
    praise: Annotated[
        bool, typer.Option("--neglected-praise", help="Compliments nobody thanked (older than a day).")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 30,
    json: JsonOpt = False,
) -> None:
    """Conversations most urgent first: waiting on us, then priority, then the longest wait."""
    from goodwill.inbox import InboxFilter, list_inbox, neglected_praise

    store = checked_store(database)
    slug = workspace_slug(workspace)
    with store.reader() as session:
        if praise:
            items = neglected_praise(session, workspace=slug, older_than=timedelta(hours=24), limit=limit)
            total = len(items)
        else:
            filters = InboxFilter(
                status=None if status == "any" else status,
                needs_reply_only=not all_open,
                assignee=assignee,
                intent=intent,
                network=network,
                tag=tag,
                breached_only=breached,
                include_hidden=hidden,
            )
            items, total = list_inbox(session, workspace=slug, filters=filters, limit=limit)
    if json:
        print_json({"data": [i.as_dict() for i in items], "count": total})
        return
    render.inbox(out, items, total)


@app.command()
def show(
    conversation: Annotated[int, typer.Argument(help="Conversation id, as listed by `goodwill inbox`.")],
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """One conversation top to bottom: messages, notes and activity (assigned, tagged, SLA, replies) in order."""
    from goodwill.inbox import show_conversation

    store = checked_store(database)
    with store.reader() as session:
        view = show_conversation(session, workspace=workspace_slug(workspace), conversation_id=conversation)
    if json:
        print_json(view.as_dict())
        return
    s = view.summary
    out.print(
        f"[bold]Conversation {s.id}[/] on {s.network} ({render.safe(s.channel)}), {s.kind}, [bold]{s.status}[/]; "
        f"with {render.safe(s.person or '?')}; assigned to {render.safe(s.assignee or 'nobody')}"
        + (f"; tags: {', '.join(s.tags)}" if s.tags else "")
        + (f"; [red]waiting for a reply, priority {s.priority}[/]" if s.needs_reply else "")
        + (f"; SLA {s.sla_target} due {s.sla_due_at:%Y-%m-%d %H:%M} UTC ({s.sla_state})" if s.sla_due_at else "")
    )
    for item in view.timeline:
        if item.message is not None:
            m = item.message
            arrow = "→" if m.direction == "out" else "←"
            severity = f", severity {m.severity}" if m.severity else ""
            labels = f" [dim]\\[{m.intent}, {m.sentiment}{severity}, priority {m.priority}][/]" if m.intent else ""
            out.print(f"\n{arrow} [bold]{render.safe(m.author)}[/] {m.created_at:%Y-%m-%d %H:%M} UTC{labels}")
            out.print(render.safe(m.text), highlight=False)
            for line in render.evidence_lines(m.evidence):
                out.print(f"  [dim]{render.safe(line)}[/]", highlight=False)
        elif item.type == "reply":
            error = (item.data or {}).get("error")
            out.print(f"\n→ [yellow]reply {item.kind}[/]" + (f" [red]{render.safe(error)}[/]" if error else ""))
            out.print(render.safe(item.text), highlight=False)
        else:
            detail = render.safe(item.text) if item.text else render.safe(_describe(item.data or {}))
            out.print(f"  [dim]· {item.at:%Y-%m-%d %H:%M} {item.kind} by {render.safe(item.actor)}: {detail}[/]")


def _describe(data: dict[str, object]) -> str:
    return ", ".join(f"{k} {v}" for k, v in data.items() if v not in (None, "", [], {}))
