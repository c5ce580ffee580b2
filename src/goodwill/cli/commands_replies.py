"""Replies: `suggest`, `check`, `draft`; the reply library (`library list|save|delete`, `reply-style`);
approvals (`approvals`, `approve`, `reject`, `approval-policy`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.cli.commands_work import AsOpt, ConvArg, acting_on
from goodwill.cli.render import safe

BLOCKING_EXIT = 3  # `goodwill check`: a blocking finding (1 stays "error")
library = typer.Typer(help="The reply library: saved replies with {variables}.", no_args_is_help=True)
app.add_typer(library, name="library")


def _findings(findings: list[Any]) -> None:
    for f in findings:
        colour = "red" if f.level.value == "block" else "yellow"
        words = f" [dim]({safe(', '.join(f.words))})[/]" if f.words else ""
        out.print(f"  [{colour}]{f.level.value}[/] {f.check.value}: {safe(f.message)}{words}")
        out.print(f"      [dim]{safe(f.suggestion)}[/]")


@app.command()
def suggest(
    conversation: ConvArg,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many suggestions.")] = 3,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Suggested replies for the conversation's newest message, ranked, each with its tone findings."""
    from goodwill.replies.suggest import suggest_replies

    with acting_on(database, workspace, who, conversation) as (_store, session, ws, conv, acting):
        found = suggest_replies(session, ws, conv, teammate_id=acting.teammate_id, limit=count)
    if json:
        print_json({"data": [s.as_dict() for s in found], "count": len(found)})
        return
    if not found:
        out.print("No suggestion: nothing to answer (or spam).")
    for i, s in enumerate(found, 1):
        limit = f"/{s.limit}" if s.limit else ""
        out.print(f"[bold]{i}.[/] {safe(s.text)}\n   [dim]{s.source} · {s.length}{limit} characters[/]")
        _findings(s.findings)


@app.command()
def check(
    draft: Annotated[str, typer.Argument(help="The draft reply.")],
    conversation: Annotated[int, typer.Option("--for", help="The conversation it answers.")],
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Run the tone guard on a draft. Exit status 3 when a finding blocks it."""
    from goodwill.replies.context import check_reply
    from goodwill.replies.tone import blocking

    with acting_on(database, workspace, who, conversation) as (_store, session, ws, conv, acting):
        findings = check_reply(session, ws, conv, draft, teammate_id=acting.teammate_id)
    if json:
        print_json({"data": [f.as_dict() for f in findings], "count": len(findings), "blocking": blocking(findings)})
    elif findings:
        out.print(f"{len(findings)} finding(s):")
        _findings(findings)
    else:
        out.print("No findings: good to send.")
    if blocking(findings):
        raise typer.Exit(BLOCKING_EXIT)


@app.command()
def draft(
    conversation: ConvArg,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """A generated draft from the workspace's OpenAI-compatible endpoint (off unless configured)."""
    from goodwill.replies.drafting import draft_reply

    with acting_on(database, workspace, who, conversation) as (_store, session, ws, conv, acting):
        s = draft_reply(session, ws, conv, teammate_id=acting.teammate_id)
    if json:
        print_json(s.as_dict())
        return
    out.print(safe(s.text))
    _findings(s.findings)


def _pairs(values: list[str]) -> dict[str, Any]:
    """KEY=VALUE pairs; true/false and integers become JSON values, commas make a list for list settings."""
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r}: give KEY=VALUE")
        value: Any = raw
        if raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        elif raw.lstrip("-").isdigit():
            value = int(raw)
        parsed[key.strip()] = value
    return parsed


@app.command("reply-style")
def reply_style(
    settings: Annotated[
        list[str] | None, typer.Argument(help="KEY=VALUE (use_name, contact, praise_offer, ...).")
    ] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Show or change the brand's reply style (docs/replies.md lists the settings)."""
    from goodwill.actions import access_workspace
    from goodwill.actions.audit import CLI
    from goodwill.replies.library import ReplyStyle, do_set_reply_style

    changes = _pairs(settings or [])
    if "disabled_checks" in changes:
        changes["disabled_checks"] = [c for c in str(changes["disabled_checks"]).split(",") if c]
    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        style = do_set_reply_style(session, ws, acting=CLI, **changes) if changes else ReplyStyle.of(ws)
    print_json(style.as_dict())


@library.command("list")
def library_list(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """The saved replies."""
    from goodwill.actions import access_workspace
    from goodwill.replies.library import list_saved_replies

    with checked_store(database).reader() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        saved = list_saved_replies(session, ws)
    if json:
        rows = [{"name": r.name, "intent": r.intent, "keywords": r.keywords, "text": r.text} for r in saved]
        print_json({"data": rows, "count": len(rows)})
        return
    for r in saved:
        out.print(f"[bold]{r.name}[/] ({r.intent or 'any'}; {', '.join(map(str, r.keywords))}): {safe(r.text)}")


@library.command("save")
def library_save(
    name: Annotated[str, typer.Argument(help="A short name: shipping-canada.")],
    text: Annotated[str, typer.Argument(help="The reply; variables: {first_name} {name} {brand} {agent} ...")],
    intent: Annotated[str | None, typer.Option(help="complaint, question, praise, ... (default: any).")] = None,
    keywords: Annotated[str, typer.Option(help="Comma-separated words that make it fit a message.")] = "",
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Save (or replace) a reply in the library."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate
    from goodwill.actions.audit import CLI
    from goodwill.replies.library import do_save_reply

    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        acting = acting_teammate(session, ws, who) if who else CLI
        words = [k for k in keywords.split(",") if k.strip()]
        do_save_reply(session, ws, name=name, text=text, intent=intent, keywords=words, acting=acting)
    out.print(f"Saved reply {name!r}.")


@library.command("delete")
def library_delete(name: str, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Delete a saved reply."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate
    from goodwill.actions.audit import CLI
    from goodwill.replies.library import do_delete_saved_reply

    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        do_delete_saved_reply(session, ws, name, acting=acting_teammate(session, ws, who) if who else CLI)
    out.print(f"Deleted saved reply {name!r}.")


@app.command("approval-policy")
def approval_policy(
    rules: Annotated[
        list[str] | None,
        typer.Option("--rule", help="key=value,... (teammate=EMAIL, role, intent, min_severity, findings=block)."),
    ] = None,
    approvers: Annotated[list[str] | None, typer.Option("--approver", help="E-mail of an approver.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="No reply needs approval.")] = False,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Show or set which replies wait for an approver."""
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.actions.approvals import approval_policy as policy_of
    from goodwill.actions.approvals import do_set_approval_policy
    from goodwill.actions.audit import CLI

    with checked_store(database).session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        if rules or approvers or clear:
            parsed = [_pairs(r.split(",")) for r in rules or []]
            for rule in parsed:
                if "teammate" in rule:
                    rule["teammate"] = access_teammate_by_id(session, ws, rule["teammate"]).id
            ids = [access_teammate_by_id(session, ws, a).id for a in approvers or []]
            do_set_approval_policy(session, ws, rules=parsed, approvers=ids, acting=CLI)
        print_json(policy_of(ws))


@app.command()
def approvals(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """Replies waiting for an approver."""
    from goodwill.actions import access_workspace
    from goodwill.actions.approvals import list_approvals
    from goodwill.store.tables_replies import Outbox

    with checked_store(database).reader() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        rows = [
            {
                "id": a.id,
                "conversation_id": a.conversation_id,
                "outbox_id": a.outbox_id,
                "text": session.get_one(Outbox, a.outbox_id).text,
                "reasons": a.reasons,
            }
            for a in list_approvals(session, ws)
        ]
    if json:
        print_json({"data": rows, "count": len(rows)})
        return
    if not rows:
        out.print("Nothing waits for approval.")
    for r in rows:
        out.print(f"[bold]{r['id']}[/] conversation {r['conversation_id']}: {safe(str(r['text']))}")


def _decide(approval_id: int, who: str | None, database: str | None, workspace: str | None, **kwargs: Any) -> str:
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate
    from goodwill.actions.approvals import access_approval_by_id, do_approve_reply, do_reject_reply
    from goodwill.actions.audit import CLI
    from goodwill.jobs import send_due

    reject = kwargs.pop("reject", False)
    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        acting = acting_teammate(session, ws, who) if who else CLI
        approval = access_approval_by_id(session, ws, approval_id)
        row = (do_reject_reply if reject else do_approve_reply)(session, ws, approval, acting=acting, **kwargs)
        outbox_id = row.id
    if reject:
        return f"Reply {outbox_id} rejected."
    report = send_due(store, outbox_ids=[outbox_id])
    return f"Reply {outbox_id} approved" + (" and sent." if report.sent else "; the outbox sends it.")


@app.command()
def approve(
    approval: Annotated[int, typer.Argument(help="Approval id, as listed by `goodwill approvals`.")],
    text: Annotated[str | None, typer.Option("--text", help="Edit the reply before approving it.")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the author.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Approve a held reply (optionally edited): it is sent."""
    out.print(_decide(approval, who, database, workspace, text=text, note=note))


@app.command()
def reject(
    approval: Annotated[int, typer.Argument(help="Approval id, as listed by `goodwill approvals`.")],
    note: Annotated[str | None, typer.Option(help="Why: the author sees it in the timeline.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Reject a held reply: it is never sent."""
    out.print(_decide(approval, who, database, workspace, note=note, reject=True))
