"""`goodwill audit` and `goodwill goals`: thin layers over goodwill.analytics.report and goodwill.actions.goals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.cli.render import safe

goals_app = typer.Typer(help="Goals the audit scores: reply rates, response times, promotional share, cadence.")
app.add_typer(goals_app, name="goals")


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _mins(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.0f} min" if x < 120 else f"{x / 60:.1f} h" if x < 2880 else f"{x / 1440:.1f} d"


def _period(text: str) -> tuple[str, str]:
    since, sep, until = text.partition("..")
    if not sep:
        raise typer.BadParameter(f"{text!r}: write START..END, e.g. 2026-01-01..2026-02-01 or 60d..30d")
    return since, until


@app.command()
def audit(
    since: Annotated[
        str, typer.Option(help="Start: a length back from the end (90d, 12w, 6m) or a date; 'all'.")
    ] = "90d",
    until: Annotated[str | None, typer.Option(help="End (default: just after the newest message).")] = None,
    channel: Annotated[str | None, typer.Option(help="One channel: its id, handle or network.")] = None,
    period: Annotated[
        list[str] | None,
        typer.Option(help="START..END; give it twice to compare two periods side by side (JSON or table)."),
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report to FILE.")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Is our social strategy working? Responsiveness, content, consistency, relationships, goals, mistakes."""
    from goodwill.analytics.report import audit as build

    store = checked_store(database)
    slug = workspace_slug(workspace)
    with store.reader() as session:
        if period and len(period) >= 2:
            from goodwill.analytics.report import compare_periods

            both = compare_periods(
                session, workspace=slug, first=_period(period[0]), second=_period(period[1]), channel=channel
            )
            if json:
                print_json(both)
            else:
                _side_by_side(both["periods"])
            return
        if period:
            since, until = _period(period[0])
        report = build(session, workspace=slug, since=since, until=until, channel=channel)
    if html is not None:
        from goodwill.analytics.html import render

        html.write_text(render(report), encoding="utf-8")
    if json:
        print_json(report)
        return
    _summary(report)
    if html is not None:
        out.print(f"\nHTML report written to {safe(str(html))}")


def _summary(report: dict[str, Any]) -> None:
    period, resp = report["period"], report["responsiveness"]
    overall = resp["overall"]
    out.print(
        f"[bold]Audit of {safe(report['workspace']['name'])}[/] · {period['since'][:10]} to {period['until'][:10]}"
        f" ({period['days']:g} days) · business hours {safe(str(report['business_hours']))}",
        highlight=False,
    )
    out.print(
        f"{overall['inbound_conversations']} conversations, {_pct(overall['response_rate'])} answered; "
        f"median first response {_mins(overall['first_response_minutes']['median'])} "
        f"(p90 {_mins(overall['first_response_minutes']['p90'])})",
        highlight=False,
    )
    for intent in ("complaint", "question", "praise"):
        part = overall["by_intent"][intent]
        out.print(
            f"  {intent:<11} {part['inbound_conversations']:>6}  answered {_pct(part['response_rate']):>4}  "
            f"median {_mins(part['first_response_minutes']['median']):>8}  "
            f"p90 {_mins(part['first_response_minutes']['p90']):>8}",
            highlight=False,
        )
    out.print("\n[bold]By channel[/]")
    for ch in resp["channels"]:
        out.print(
            f"  {safe(ch['channel'], 28):<28} {ch['network']:<9} {ch['inbound_conversations']:>6} conv  "
            f"answered {_pct(ch['response_rate']):>4}  median {_mins(ch['first_response_minutes']['median']):>8}",
            highlight=False,
        )
    w, praise, posts = resp["waiting"], resp["praise"], report["content"]["overall"]
    out.print(
        f"\nStill waiting: {w['complaints']} complaints, {w['questions']} questions; "
        f"praise thanked {_pct(praise['thanked_rate'])} ({praise['neglected']} neglected)",
        highlight=False,
    )
    out.print(
        f"Own posts: {posts['posts']} ({posts['posts_per_week']}/week), {_pct(posts['promotional_share'])} "
        f"promotional, {posts['responses_per_post']} responses per post",
        highlight=False,
    )
    if report["goals"]:
        out.print("\n[bold]Goals[/]")
        for g in report["goals"]:
            mark = "[green]met[/]" if g["met"] else "[red]missed[/]"
            out.print(
                f"  {g['metric']:<40} target {g['target']:<8g} now {g['value']}  {mark}  {g['trend'] or ''}",
                highlight=False,
            )
    out.print("\n[bold]Common mistakes[/]")
    for m in report["mistakes"]:
        color = {"problem": "red", "warning": "yellow", "ok": "green"}[m["status"]]
        out.print(f"  [{color}]{m['status']:<8}[/] {m['title']}", highlight=False)
        if m["next_step"]:
            out.print(f"           → {safe(m['next_step'])}", highlight=False)


def _side_by_side(periods: list[dict[str, Any]]) -> None:
    rows: list[tuple[str, Callable[[dict[str, Any]], object]]] = [
        ("conversations", lambda r: r["responsiveness"]["overall"]["inbound_conversations"]),
        ("response rate", lambda r: _pct(r["responsiveness"]["overall"]["response_rate"])),
        (
            "complaints answered",
            lambda r: _pct(r["responsiveness"]["overall"]["by_intent"]["complaint"]["response_rate"]),
        ),
        ("median first response", lambda r: _mins(r["responsiveness"]["overall"]["first_response_minutes"]["median"])),
        ("p90 first response", lambda r: _mins(r["responsiveness"]["overall"]["first_response_minutes"]["p90"])),
        ("praise thanked", lambda r: _pct(r["responsiveness"]["praise"]["thanked_rate"])),
        ("own posts a week", lambda r: r["content"]["overall"]["posts_per_week"]),
        ("promotional share", lambda r: _pct(r["content"]["overall"]["promotional_share"])),
    ]
    a, b = periods
    head = [f"{p['period']['since'][:10]}..{p['period']['until'][:10]}" for p in periods]
    out.print(f"{'':<24}{head[0]:>24}{head[1]:>24}", highlight=False)
    for name, get in rows:
        out.print(f"{name:<24}{get(a)!s:>24}{get(b)!s:>24}", highlight=False)


@goals_app.command("list")
def goals_list(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """The goals set for the workspace, and the metrics a goal can use."""
    from goodwill.actions import access_workspace
    from goodwill.analytics.goals import METRICS, goals_of

    store = checked_store(database)
    with store.reader() as session:
        goals = goals_of(access_workspace(session, workspace_slug(workspace)))
    if json:
        print_json({"data": goals, "count": len(goals)})
        return
    for g in goals:
        where = f" (channel {g['channel_id']})" if g.get("channel_id") else ""
        out.print(f"{g['metric']}{where}: {g['target']:g}", highlight=False)
    out.print("\nMetrics: " + ", ".join(f"{m.name} ({m.help})" for m in METRICS.values()), highlight=False)


@goals_app.command("set")
def goals_set(
    metric: Annotated[str, typer.Argument(help="e.g. complaint_response_rate, median_first_response_minutes.")],
    target: Annotated[str, typer.Argument(help="95% (or 0.95) for shares, minutes, or posts a week.")],
    channel: Annotated[int | None, typer.Option(help="For one channel (its id) instead of the workspace.")] = None,
    who: Annotated[str | None, typer.Option("--as", help="Act as this teammate (email).")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Set a goal (replaces the same metric's goal)."""
    from goodwill.actions.goals import do_set_goal
    from goodwill.actions.workspaces import access_channel
    from goodwill.cli.commands_policy import managing

    with managing(database, workspace, who) as (_s, session, ws, acting):
        ch = access_channel(session, ws, channel) if channel is not None else None
        goal = do_set_goal(session, ws, metric=metric, target=target, channel=ch, acting=acting)
    out.print(f"Goal set: {goal['metric']} {goal['target']:g}", highlight=False)


@goals_app.command("remove")
def goals_remove(
    metric: str,
    channel: Annotated[int | None, typer.Option(help="The channel's goal (its id).")] = None,
    who: Annotated[str | None, typer.Option("--as", help="Act as this teammate (email).")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Remove a goal."""
    from goodwill.actions.goals import do_remove_goal
    from goodwill.actions.workspaces import access_channel
    from goodwill.cli.commands_policy import managing

    with managing(database, workspace, who) as (_s, session, ws, acting):
        ch = access_channel(session, ws, channel) if channel is not None else None
        removed = do_remove_goal(session, ws, metric=metric, channel=ch, acting=acting)
    out.print("Goal removed." if removed else "No such goal.")
