"""Workspace inbox policy from the CLI: `rules`, `sla`, `team`, `send-via`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions.audit import CLI, Acting
from goodwill.cli import render
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.store import Store
from goodwill.store.tables import Workspace

rules_app = typer.Typer(help="Rules: condition -> action, run on every inbound message.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA policies and business hours; `sla check` flags breaches now.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(sla_app, name="sla")
AsOpt = Annotated[str | None, typer.Option("--as", help="Act as this teammate (e-mail); default: the CLI, as owner.")]


@contextmanager
def managing(
    database: str | None, workspace: str | None, who: str | None
) -> Iterator[tuple[Store, Session, Workspace, Acting]]:
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate

    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        yield store, session, ws, acting_teammate(session, ws, who) if who else CLI


def _pairs(items: list[str], what: str) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"{what} {item!r}: write name=value (e.g. keyword=refund,late)")
        parsed[name.strip()] = (
            [v for v in value.split(",")] if "," in value or name.strip() in ("keyword", "tag") else value
        )
    return parsed


@rules_app.command("list")
def rules_list(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """The rules, in the order they run."""
    from goodwill.store.tables import Rule

    with managing(database, workspace, None) as (_s, session, ws, _a):
        rows = [
            {
                "id": r.id,
                "name": r.name,
                "position": r.position,
                "enabled": r.enabled,
                "if": r.conditions,
                "then": r.actions,
            }
            for r in session.scalars(select(Rule).where(Rule.workspace_id == ws.id).order_by(Rule.position))
        ]
    if json:
        print_json({"data": rows, "count": len(rows)})
        return
    if not rows:
        out.print("No rules yet: `goodwill rules add NAME --if intent=complaint --then tag=complaint`.")
    for r in rows:
        state = "on " if r["enabled"] else "off"
        out.print(f"{r['id']:>3} {state} {render.safe(str(r['name']))}: if {r['if']} then {r['then']}", highlight=False)


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Argument(help="A name for the rule.")],
    conditions: Annotated[
        list[str],
        typer.Option(
            "--if", help="keyword=a,b | intent=.. | sentiment=.. | network=.. | min_followers=N | vip=true|LIST"
        ),
    ],
    actions: Annotated[
        list[str],
        typer.Option("--then", help="tag=a,b | assign=auto|EMAIL | priority=N | snooze=MINUTES|next | hide=true"),
    ],
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Add a rule (all its --if conditions must hold; every --then action is applied)."""
    from goodwill.actions.policy import do_create_rule

    with managing(database, workspace, who) as (_s, session, ws, acting):
        rule = do_create_rule(
            session,
            ws,
            name=name,
            conditions=_pairs(conditions, "condition"),
            actions=_pairs(actions, "action"),
            acting=acting,
        )
        out.print(f"Rule {rule.id} added: {render.safe(rule.name)}.")


@rules_app.command("remove")
def rules_remove(rule_id: int, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Delete a rule."""
    from goodwill.actions.policy import access_rule_by_id, do_delete_rule

    with managing(database, workspace, who) as (_s, session, ws, acting):
        do_delete_rule(session, ws, access_rule_by_id(session, ws, rule_id), acting=acting)
    out.print(f"Rule {rule_id} removed.")


@rules_app.command("enable")
def rules_enable(
    rule_id: int,
    off: Annotated[bool, typer.Option("--off", help="Disable instead.")] = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Enable (or with --off disable) a rule."""
    from goodwill.actions.policy import access_rule_by_id, do_set_rule_enabled

    with managing(database, workspace, who) as (_s, session, ws, acting):
        do_set_rule_enabled(session, ws, access_rule_by_id(session, ws, rule_id), enabled=not off, acting=acting)
    out.print(f"Rule {rule_id} {'disabled' if off else 'enabled'}.")


@sla_app.command("show")
def sla_show(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """Policies, business hours, and how many open conversations are breached or at risk now."""
    from datetime import UTC, datetime

    from sqlalchemy import func

    from goodwill.inbox.sla import DEFAULT_TARGETS
    from goodwill.store.tables import Conversation, SlaPolicy

    now = datetime.now(UTC)
    default_shown: dict[str, Any] = {k.value: v for k, v in DEFAULT_TARGETS.items()}
    with managing(database, workspace, None) as (_s, session, ws, _a):
        policies: list[dict[str, Any]] = [
            {
                "intent": p.intent or "(default)",
                "ack": p.ack_minutes,
                "response": p.response_minutes,
                "resolution": p.resolution_minutes,
                "escalate_priority": p.escalate_priority,
                "escalate_to": p.escalate_to_id,
            }
            for p in session.scalars(
                select(SlaPolicy).where(SlaPolicy.workspace_id == ws.id).order_by(SlaPolicy.intent)
            )
        ]
        c = Conversation
        base = [c.workspace_id == ws.id, c.status != "resolved", c.is_hidden.is_(False)]
        breached = session.scalar(select(func.count()).select_from(c).where(*base, c.sla_due_at <= now)) or 0
        at_risk = (
            session.scalar(select(func.count()).select_from(c).where(*base, c.sla_warn_at <= now, c.sla_due_at > now))
            or 0
        )
        data = {
            "timezone": ws.timezone,
            "business_hours": (ws.settings or {}).get("business_hours") or "24/7",
            "policies": policies,
            "built_in_default": {k.value: v for k, v in DEFAULT_TARGETS.items()},
            "breached": breached,
            "at_risk": at_risk,
        }
    if json:
        print_json(data)
        return
    out.print(f"Time zone {data['timezone']}; business hours {data['business_hours']}", highlight=False)
    for p in policies or [{"intent": "(built-in default)", **default_shown}]:
        out.print(
            f"  {p['intent']}: acknowledge {p['ack']} min, respond {p['response']} min, resolve {p['resolution']} min",
            highlight=False,
        )
    out.print(f"Now: [red]{breached} breached[/], [yellow]{at_risk} at risk[/].")


@sla_app.command("set")
def sla_set(
    intent: Annotated[str, typer.Option(help="The intent this policy covers; omit for the workspace default.")] = "",
    ack: Annotated[int | None, typer.Option(help="Minutes (business time) to the first reply.")] = None,
    response: Annotated[int | None, typer.Option(help="Minutes to answer each waiting customer message.")] = None,
    resolution: Annotated[int | None, typer.Option(help="Minutes to resolve.")] = None,
    escalate_priority: Annotated[int | None, typer.Option(help="On breach, raise priority to at least this.")] = None,
    escalate_to: Annotated[str | None, typer.Option(help="On breach, reassign to this teammate (e-mail).")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Set the SLA targets for one intent (or the default); a target left out is off."""
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.actions.policy import do_set_sla_policy

    with managing(database, workspace, who) as (_s, session, ws, acting):
        target = access_teammate_by_id(session, ws, escalate_to) if escalate_to else None
        do_set_sla_policy(
            session,
            ws,
            intent=intent,
            ack_minutes=ack,
            response_minutes=response,
            resolution_minutes=resolution,
            escalate_priority=escalate_priority,
            escalate_to=target,
            acting=acting,
        )
    out.print(f"SLA policy for {intent or 'the default'} saved; `goodwill work` recomputes open conversations.")


@sla_app.command("hours")
def sla_hours(
    spec: Annotated[str, typer.Argument(help="e.g. 'mon-fri 09:00-17:00; sat 10:00-14:00', or 24/7.")],
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Business hours SLA clocks count in (in the workspace's time zone)."""
    from goodwill.actions.team import do_set_inbox_settings

    with managing(database, workspace, who) as (_s, session, ws, acting):
        do_set_inbox_settings(session, ws, business_hours=spec, acting=acting)
    out.print("Business hours saved.")


@sla_app.command("check")
def sla_check(database: DatabaseOpt = None) -> None:
    """Flag and escalate every conversation past its SLA target now (what the periodic job does)."""
    from goodwill.jobs import check_sla, process_pending

    store = checked_store(database)
    process_pending(store)
    out.print(f"{check_sla(store)} new SLA breach(es) flagged.")


@app.command()
def team(
    away: Annotated[str | None, typer.Option(help="Mark this teammate (e-mail) away.")] = None,
    back: Annotated[str | None, typer.Option(help="Mark this teammate (e-mail) back.")] = None,
    capacity: Annotated[str | None, typer.Option(help="EMAIL=N: at most N open conversations.")] = None,
    auto_assign: Annotated[str | None, typer.Option(help="on or off: automatic assignment in this workspace.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """The team: roles, away, open load and capacity; change them with the options."""
    from goodwill.actions.activity import access_teammate_by_id
    from goodwill.actions.team import do_set_away, do_set_inbox_settings, do_set_seat, inbox_settings
    from goodwill.inbox.assignment import open_load
    from goodwill.store.tables import Seat, Teammate

    with managing(database, workspace, who) as (_s, session, ws, acting):
        for email, is_away in ((away, True), (back, False)):
            if email:
                do_set_away(session, access_teammate_by_id(session, ws, email), away=is_away, acting=acting)
        if capacity:
            email, _, n = capacity.partition("=")
            do_set_seat(session, ws, access_teammate_by_id(session, ws, email), capacity=int(n), acting=acting)
        if auto_assign:
            do_set_inbox_settings(session, ws, auto_assign=auto_assign == "on", acting=acting)
        load, settings = open_load(session, ws.id), inbox_settings(ws)
        rows = [
            {
                "email": t.email,
                "name": t.name,
                "role": t.role,
                "away": t.is_away,
                "open": load.get(t.id, 0),
                "capacity": s.capacity if s and s.capacity is not None else settings["capacity"],
                "auto_assign": s.auto_assign if s else t.role == "agent",
            }
            for t, s in session.execute(
                select(Teammate, Seat)
                .outerjoin(Seat, Seat.teammate_id == Teammate.id)
                .where(Teammate.workspace_id == ws.id)
                .order_by(Teammate.id)
            ).tuples()
        ]
    if json:
        print_json({"data": rows, "count": len(rows), "auto_assign": settings["auto_assign"]})
        return
    out.print(f"Automatic assignment {'on' if settings['auto_assign'] else 'off'}.")
    for r in rows:
        out.print(
            f"  {render.safe(str(r['name']))} <{r['email']}> {r['role']}{' AWAY' if r['away'] else ''}: "
            f"{r['open']}/{r['capacity']} open{'' if r['auto_assign'] else ', not in the round robin'}",
            highlight=False,
        )


@app.command("send-via")
def send_via(
    connector: Annotated[str, typer.Argument(help="A registered connector, e.g. local.")],
    channel: Annotated[list[int] | None, typer.Option(help="Channel id (repeat); default: every channel.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Send a channel's replies through another connector (`local` records them in a file: demos, tests)."""
    import goodwill.connectors.local  # noqa: F401 - registers "local"
    from goodwill.actions.activity import check_can_manage
    from goodwill.actions.workspaces import do_set_channel_connector
    from goodwill.store.tables import Channel

    with managing(database, workspace, who) as (_s, session, ws, acting):
        check_can_manage(session, ws, acting)
        query = select(Channel).where(Channel.workspace_id == ws.id)
        if channel:
            query = query.where(Channel.id.in_(channel))
        for row in session.scalars(query):
            do_set_channel_connector(session, row, connector, acting=acting)
            out.print(f"Channel {row.id} ({row.network} {render.safe(row.handle)}) sends through {connector}.")
