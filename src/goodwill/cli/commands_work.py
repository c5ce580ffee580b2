"""Working a conversation: `assign`, `note`, `reply`, `resolve`, `snooze`, `reopen`; `team`; `work`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from goodwill.actions.audit import CLI, Acting
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.store import Store
from goodwill.store.tables import Conversation, Workspace

AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this teammate (e-mail); default: the CLI, as the owner.")
]
ConvArg = Annotated[int, typer.Argument(help="Conversation id, as listed by `goodwill inbox`.")]


@contextmanager
def acting_on(
    database: str | None, workspace: str | None, who: str | None, conversation_id: int
) -> Iterator[tuple[Store, Session, Workspace, Conversation, Acting]]:
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import access_conversation_by_id, acting_teammate

    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        acting = acting_teammate(session, ws, who) if who else CLI
        yield store, session, ws, access_conversation_by_id(session, ws, conversation_id), acting


def _done(what: str, changed: bool) -> None:
    out.print(what if changed else f"{what} (it already was: nothing changed)")


@app.command()
def assign(
    conversation: ConvArg,
    teammate: Annotated[str | None, typer.Argument(help="E-mail of the teammate; omit with --auto or --none.")] = None,
    auto: Annotated[bool, typer.Option("--auto", help="The next teammate in the round robin.")] = False,
    nobody: Annotated[bool, typer.Option("--none", help="Unassign.")] = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Assign a conversation to a teammate, to the next one in the round robin, or to nobody."""
    from goodwill.actions.activity import access_teammate_by_id, check_can_write
    from goodwill.actions.conversations import do_assign
    from goodwill.inbox.assignment import do_auto_assign

    if sum([teammate is not None, auto, nobody]) != 1:
        raise ValueError("give one of: a teammate's e-mail, --auto, --none")
    with acting_on(database, workspace, who, conversation) as (_store, session, ws, conv, acting):
        if auto:
            check_can_write(session, ws, acting)
            picked = do_auto_assign(session, ws, conv, acting=acting)
            out.print(f"Assigned to {picked.name}." if picked else "Nobody can take it: everyone is away or full.")
            return
        target = access_teammate_by_id(session, ws, teammate) if teammate else None
        _done(
            f"Assigned to {target.name}." if target else "Unassigned.", do_assign(session, conv, target, acting=acting)
        )


@app.command()
def note(
    conversation: ConvArg,
    text: Annotated[str, typer.Argument(help="The note; @name or @e-mail notifies a teammate.")],
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add an internal note (never sent to the customer)."""
    from goodwill.actions.conversations import do_add_note

    with acting_on(database, workspace, who, conversation) as (_store, session, _ws, conv, acting):
        row = do_add_note(session, conv, text, acting=acting)
        mentions = len(row.data.get("mentions", []))
    out.print(
        f"Note added to conversation {conversation}" + (f"; {mentions} teammate(s) notified." if mentions else ".")
    )


@app.command()
def reply(
    conversation: ConvArg,
    text: Annotated[str, typer.Argument(help="The reply, as the customer will read it.")],
    queue_only: Annotated[
        bool, typer.Option("--queue-only", help="Only queue it; `goodwill work` (or a worker) sends it.")
    ] = False,
    key: Annotated[str | None, typer.Option("--key", help="Idempotency key: the same key never queues twice.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Answer the conversation's newest customer message: queued in the outbox, then sent exactly once."""
    from goodwill.actions.replies import do_reply
    from goodwill.jobs import process_pending, send_due

    with acting_on(database, workspace, who, conversation) as (store, session, ws, conv, acting):
        row = do_reply(session, ws, conv, text, acting=acting, idempotency_key=key)
        outbox_id, idempotency_key = row.id, row.idempotency_key
    report = None if queue_only else send_due(store, outbox_ids=[outbox_id])
    if report is not None:
        process_pending(store)
    status = _outbox_status(store, outbox_id)
    if json:
        print_json({"outbox_id": outbox_id, "idempotency_key": idempotency_key, **status})
        return
    out.print(f"Reply {outbox_id} {status['status']}" + (f": {status['error']}" if status["error"] else "."))


def _outbox_status(store: Store, outbox_id: int) -> dict[str, Any]:
    from goodwill.store.tables_replies import Outbox

    with store.reader() as session:
        row = session.get_one(Outbox, outbox_id)
        return {"status": row.status, "native_id": row.native_id, "error": row.last_error}


def _status_command(
    action: Callable[..., bool],
    what: str,
    conversation: int,
    who: str | None,
    database: str | None,
    workspace: str | None,
    **kwargs: Any,
) -> None:
    with acting_on(database, workspace, who, conversation) as (_store, session, _ws, conv, acting):
        _done(f"Conversation {conversation} {what}.", action(session, conv, acting=acting, **kwargs))


@app.command()
def resolve(
    conversation: ConvArg, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None
) -> None:
    """Mark resolved. A new message from the customer reopens it."""
    from goodwill.actions.conversations import do_resolve

    _status_command(do_resolve, "resolved", conversation, who, database, workspace)


@app.command()
def reopen(
    conversation: ConvArg, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None
) -> None:
    """Open a resolved, waiting or snoozed conversation again."""
    from goodwill.actions.conversations import do_reopen

    _status_command(do_reopen, "reopened", conversation, who, database, workspace)


@app.command()
def snooze(
    conversation: ConvArg,
    minutes: Annotated[int | None, typer.Option(min=1, help="Snooze for this long.")] = None,
    until: Annotated[str | None, typer.Option(help="Snooze until this time (ISO 8601 with a zone).")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Snooze until a time, or (with neither option) until the customer's next message."""
    from goodwill.actions.conversations import do_snooze

    if minutes is not None and until is not None:
        raise ValueError("give --minutes or --until, not both")
    wake = datetime.fromisoformat(until) if until else None
    if wake is not None and wake.tzinfo is None:
        raise ValueError("--until needs a time zone, e.g. 2026-03-01T09:00:00+01:00")
    if minutes is not None:
        wake = datetime.now(UTC) + timedelta(minutes=minutes)
    what = f"snoozed until {wake:%Y-%m-%d %H:%M} UTC" if wake else "snoozed until the customer's next message"
    _status_command(do_snooze, what, conversation, who, database, workspace, until=wake)


@app.command()
def work(database: DatabaseOpt = None, json: JsonOpt = False) -> None:
    """Run the background jobs once: rules and SLA clocks on new messages, wake snoozed, flag breaches, send."""
    from dataclasses import asdict

    from goodwill.jobs import run_once

    report = run_once(checked_store(database))
    if json:
        print_json(asdict(report))
        return
    s, p = report.sent, report.published
    out.print(
        f"Processed {report.processed} conversation(s), woke {report.woken}, flagged {report.breached} SLA "
        f"breach(es); replies: {s.sent} sent, {s.retrying} to retry, {s.failed} failed; "
        f"posts: {p.published} published, {p.retrying} to retry, {p.failed} failed."
    )
