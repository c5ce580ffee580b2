"""Publishing: `post` (new, list, edit, approve, reject, cancel, retry, import, classify), `schedule` (a post,
queue slots, cadence, best times, policy), `calendar` and `mix`. Thin layers over goodwill.actions.posts and
goodwill.publishing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from goodwill.actions.audit import CLI, Acting
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.cli.commands_work import AsOpt
from goodwill.cli.render import safe
from goodwill.store.tables import Post, Workspace

post_app = typer.Typer(help="The brand's own posts: drafts, variants, approval, publishing.", no_args_is_help=True)
schedule_app = typer.Typer(help="When posts go out: schedule, queue slots, cadence, best times.", no_args_is_help=True)
app.add_typer(post_app, name="post")
app.add_typer(schedule_app, name="schedule")

ChannelsOpt = Annotated[list[str], typer.Option("--channel", "-c", help="Channel id, handle or network (repeat).")]
AtOpt = Annotated[str | None, typer.Option("--at", help="'2026-03-02 09:30' (workspace time), an ISO time, or '+2h'.")]
AnywayOpt = Annotated[bool, typer.Option("--anyway", help="Schedule even if it tips the feed over the promo share.")]
PostArg = Annotated[int, typer.Argument(help="Post id, as listed by `goodwill post list`.")]


@contextmanager
def _session(
    database: str | None, workspace: str | None, who: str | None
) -> Iterator[tuple[Session, Workspace, Acting]]:
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate

    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        yield session, ws, (acting_teammate(session, ws, who) if who else CLI)


def _line(post: Post, extra: str = "") -> str:
    at = post.published_at or post.scheduled_at
    when = f"{at:%Y-%m-%d %H:%M} UTC" if at else "no time"
    category = (post.detail or {}).get("category") or "?"
    head = f"#{post.id} [bold]{post.status}[/] {when} · channel {post.channel_id} · {category}{extra}"
    return f"{head}\n   {safe(_flat(post.text), 140)}"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _schedule(session: Session, ws: Workspace, post: Post, at: str | None, acting: Acting, anyway: bool) -> str:
    from goodwill.actions.posts import do_schedule_post
    from goodwill.publishing.schedule import parse_when

    now = datetime.now(UTC)
    when = parse_when(at, ws, now=now) if at else None
    check = do_schedule_post(session, ws, post, at=when, acting=acting, anyway=anyway, now=now)
    note = (
        f" [yellow](promotional share {check.share_after:.0%} > {check.limit:.0%}: scheduled anyway)[/]"
        if check.over
        else ""
    )
    return _line(post, note)


@post_app.command("new")
def post_new(
    text: Annotated[str, typer.Argument(help="The post's text.")],
    channel: ChannelsOpt,
    variant: Annotated[
        list[str] | None, typer.Option(help="NETWORK=TEXT (or handle/id=TEXT): this channel's own text.")
    ] = None,
    link: Annotated[list[str] | None, typer.Option(help="A link to add (repeat).")] = None,
    image: Annotated[list[str] | None, typer.Option(help="An image: a file path or an address (repeat).")] = None,
    at: AtOpt = None,
    queue: Annotated[bool, typer.Option("--queue", help="Schedule in each channel's next free queue slot.")] = False,
    anyway: AnywayOpt = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Write a post for one or more channels; with --at or --queue, schedule it too (else it stays a draft)."""
    from goodwill.actions.posts import access_channel_by_ref, do_create_post

    variants = {}
    for item in variant or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r}: write NETWORK=TEXT, e.g. bluesky='Shorter text'")
        variants[key.strip()] = value
    with _session(database, workspace, who) as (session, ws, acting):
        channels = [access_channel_by_ref(session, ws, c) for c in channel]
        posts = do_create_post(
            session,
            ws,
            channels=channels,
            text=text,
            variants=variants,
            links=link or [],
            media=image or [],
            acting=acting,
        )
        lines = [_schedule(session, ws, p, at, acting, anyway) if (at or queue) else _line(p) for p in posts]
        data = [_post_dict(p) for p in posts]
    if json:
        print_json({"data": data, "count": len(data)})
        return
    for line in lines:
        out.print(line, highlight=False)


def _post_dict(post: Post) -> dict[str, Any]:
    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at else None

    return {
        "id": post.id,
        "channel_id": post.channel_id,
        "status": post.status,
        "text": post.text,
        "scheduled_at": iso(post.scheduled_at),
        "published_at": iso(post.published_at),
        "message_id": post.message_id,
        "detail": post.detail,
    }


@post_app.command("list")
def post_list(
    status: Annotated[
        str | None, typer.Option(help="draft, approval, scheduled, published, failed, cancelled.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="One channel: id, handle or network.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Posts, newest first, with their status; a failed post shows what the platform said."""
    from sqlalchemy import select

    from goodwill.actions.posts import access_channel_by_ref, list_posts
    from goodwill.store.tables_publishing import PostDelivery

    with _session(database, workspace, None) as (session, ws, _acting):
        channel_id = access_channel_by_ref(session, ws, channel).id if channel else None
        posts = list_posts(session, ws, status=status, channel_id=channel_id)[:limit]
        errors: dict[int, str] = dict(
            session.execute(  # type: ignore[arg-type]
                select(PostDelivery.post_id, PostDelivery.last_error).where(
                    PostDelivery.post_id.in_([p.id for p in posts]), PostDelivery.last_error.is_not(None)
                )
            ).all()
        )
        data = [{**_post_dict(p), "error": errors.get(p.id)} for p in posts]
        lines = [_line(p, f"\n   [red]{safe(errors[p.id])}[/]" if p.id in errors else "") for p in posts]
    if json:
        print_json({"data": data, "count": len(data)})
        return
    for line in lines or ["No posts."]:
        out.print(line, highlight=False)


def _act(post_id: int, database: str | None, workspace: str | None, who: str | None, action: str, **kw: Any) -> None:
    from goodwill.actions import posts as actions

    with _session(database, workspace, who) as (session, ws, acting):
        post = actions.access_post_by_id(session, ws, post_id)
        getattr(actions, f"do_{action}_post")(session, ws, post, acting=acting, **kw)
        line = _line(post)
    out.print(line, highlight=False)


@post_app.command("edit")
def post_edit(
    post: PostArg,
    text: Annotated[str, typer.Argument(help="The new text.")],
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Change an unpublished post's text (checked against its network's length limit)."""
    _act(post, database, workspace, who, "edit", text=text)


@post_app.command("approve")
def post_approve(
    post: PostArg, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None
) -> None:
    """Approve a post waiting for approval: it is scheduled at its time."""
    _act(post, database, workspace, who, "approve")


@post_app.command("reject")
def post_reject(
    post: PostArg,
    note: Annotated[str | None, typer.Option(help="Why (the author sees it).")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Send a post waiting for approval back to draft."""
    _act(post, database, workspace, who, "reject", note=note)


@post_app.command("cancel")
def post_cancel(post: PostArg, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Cancel an unpublished post: it will never be sent."""
    _act(post, database, workspace, who, "cancel")


@post_app.command("retry")
def post_retry(post: PostArg, who: AsOpt = None, database: DatabaseOpt = None, workspace: WorkspaceOpt = None) -> None:
    """Publish a failed post again (same idempotency key)."""
    _act(post, database, workspace, who, "retry")


@post_app.command("import")
def post_import(
    file: Annotated[
        Path, typer.Argument(help="CSV: text, channels, when (or date, time), link, image, text_<network>.")
    ],
    draft: Annotated[bool, typer.Option("--draft", help="Create drafts only; schedule nothing.")] = False,
    anyway: AnywayOpt = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import a month of planned posts from CSV, all or nothing (a bad line writes nothing and is named)."""
    from goodwill.publishing.importing import import_posts, summary

    data = file.read_text(encoding="utf-8-sig")
    with _session(database, workspace, who) as (session, ws, acting):
        posts = import_posts(session, ws, data, acting=acting, now=datetime.now(UTC), schedule=not draft, anyway=anyway)
        result = summary(posts)
    if json:
        print_json(result)
        return
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(result["by_status"].items()))
    out.print(f"Imported {result['posts']} posts ({statuses or 'none'}).", highlight=False)


@post_app.command("classify")
def post_classify(
    text: Annotated[str, typer.Argument(help="A post's text.")],
    channel: Annotated[list[str] | None, typer.Option("--channel", "-c", help="Check its length here too.")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """What a text would count as in the content mix, and whether it fits each channel."""
    from goodwill.publishing.classify import classify_post

    found = classify_post(text)
    lengths = []
    if channel:
        from goodwill.actions.posts import access_channel_by_ref
        from goodwill.publishing.drafts import check_length

        with _session(database, workspace, None) as (session, ws, _acting):
            lengths = [check_length(access_channel_by_ref(session, ws, c), text).as_dict() for c in channel]
    if json:
        print_json({**found.as_dict(), "lengths": lengths})
        return
    out.print(f"{found.category.value} ({found.kind.value}): {safe(', '.join(found.evidence))}", highlight=False)
    for item in lengths:
        mark = "fits" if item["fits"] else "[red]too long[/]"
        out.print(f"  channel {item['channel_id']} ({item['network']}): {item['length']}/{item['limit'] or '∞'} {mark}")


@schedule_app.command("post")
def schedule_post(
    post: PostArg,
    at: AtOpt = None,
    anyway: AnywayOpt = False,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Schedule (or reschedule) a post at --at, or in its channel's next free queue slot."""
    from goodwill.actions.posts import access_post_by_id

    with _session(database, workspace, who) as (session, ws, acting):
        line = _schedule(session, ws, access_post_by_id(session, ws, post), at, acting, anyway)
    out.print(line, highlight=False)


@schedule_app.command("slots")
def schedule_slots(
    channel: Annotated[str, typer.Argument(help="Channel id, handle or network.")],
    add: Annotated[list[str] | None, typer.Option(help="Add a slot: 'mon 09:30' (workspace time; repeat).")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="Remove a slot (repeat).")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """List a channel's queue slots; --add and --remove change them (owners and admins)."""
    from goodwill.actions.posts import access_channel_by_ref, do_add_slot, do_remove_slot
    from goodwill.publishing.schedule import slot_label, slots_of

    with _session(database, workspace, who) as (session, ws, acting):
        row = access_channel_by_ref(session, ws, channel)
        for slot in add or []:
            do_add_slot(session, ws, row, slot, acting=acting)
        for slot in remove or []:
            do_remove_slot(session, ws, row, slot, acting=acting)
        labels = [slot_label(s.weekday, s.minute) for s in slots_of(session, row)]
        zone = ws.timezone
    out.print(f"Queue slots of {safe(row.handle)} ({zone}): {', '.join(labels) or 'none'}", highlight=False)


@schedule_app.command("cadence")
def schedule_cadence(database: DatabaseOpt = None, workspace: WorkspaceOpt = None, json: JsonOpt = False) -> None:
    """Posts this week against each channel's posts_per_week goal, streaks, and warnings before a gap shows."""
    from goodwill.publishing.cadence import cadence

    with _session(database, workspace, None) as (session, ws, _acting):
        rows = cadence(session, ws, now=datetime.now(UTC))
    if json:
        print_json({"data": [r.as_dict() for r in rows], "count": len(rows)})
        return
    for r in rows:
        goal = f"{r.this_week}/{r.goal:g} this week, streak {r.streak} weeks" if r.goal else f"{r.this_week} this week"
        out.print(f"{safe(r.channel)} ({r.network}): {goal}", highlight=False)
        if r.warning:
            out.print(f"  [yellow]{safe(r.warning)}[/]")
    if not rows:
        out.print("No channel has posted or has a posts_per_week goal yet.")


@schedule_app.command("best-times")
def schedule_best_times(
    channel: Annotated[str, typer.Argument(help="Channel id, handle or network.")],
    days: Annotated[int, typer.Option(min=7, help="History to read, in days.")] = 90,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """The weekday-and-hour slots where the channel's own posts drew the most responses."""
    from goodwill.actions.posts import access_channel_by_ref
    from goodwill.publishing.cadence import best_times

    with _session(database, workspace, None) as (session, ws, _acting):
        row = access_channel_by_ref(session, ws, channel)
        newest = _newest(session, row.id)
        found = best_times(session, ws, channel=row, now=newest, days=days)
        zone = ws.timezone
    if json:
        print_json({"data": found, "count": len(found)})
        return
    out.print(f"Best times for {safe(row.handle)} ({zone}), responses per post:", highlight=False)
    for f in found:
        out.print(f"  {f['slot']}  {f['engagement']:.2f} (from {f['posts']} post(s); all posts {f['overall']:.2f})")


def _newest(session: Session, channel_id: int) -> datetime:
    """The end of the history to read: now, or the newest message (an imported archive ends in the past)."""
    from sqlalchemy import func, select

    from goodwill.store.tables import Message

    newest = session.scalar(select(func.max(Message.created_at)).where(Message.channel_id == channel_id))
    now = datetime.now(UTC)
    return min(newest, now) if newest else now


@schedule_app.command("policy")
def schedule_policy(
    approval: Annotated[str | None, typer.Option(help="none | agents | all: whose posts need an approver.")] = None,
    max_promo: Annotated[str | None, typer.Option(help="Largest promotional share of a feed: 30% or 0.3.")] = None,
    gap_days: Annotated[
        float | None, typer.Option(help="Days of silence after which a channel looks abandoned.")
    ] = None,
    warn_days: Annotated[float | None, typer.Option(help="Warn this many days before a gap shows.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Show or change the publishing policy (owners and admins)."""
    from goodwill.actions.posts import do_set_publishing_policy
    from goodwill.publishing.drafts import publishing_policy

    share = None
    if max_promo is not None:
        text = max_promo.strip()
        share = float(text.rstrip("%")) / 100 if text.endswith("%") else float(text)
    with _session(database, workspace, who) as (session, ws, acting):
        if any(v is not None for v in (approval, share, gap_days, warn_days)):
            policy = do_set_publishing_policy(
                session,
                ws,
                approval=approval,
                max_promotional_share=share,
                gap_days=gap_days,
                warn_days=warn_days,
                acting=acting,
            )
        else:
            policy = publishing_policy(ws)
    out.print(
        f"approval: {policy['approval']}; promotional share at most {policy['max_promotional_share']:.0%}; "
        f"a channel looks abandoned after {policy['gap_days']:g} days (warned {policy['warn_days']:g} days before)",
        highlight=False,
    )


@app.command()
def calendar(
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: today, workspace time).")] = None,
    days: Annotated[int, typer.Option(min=1, max=92, help="How many days.")] = 7,
    channel: Annotated[str | None, typer.Option(help="One channel: id, handle or network.")] = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Posts by day: scheduled, awaiting approval, published and failed, with their category."""
    from goodwill.actions.posts import access_channel_by_ref
    from goodwill.publishing.schedule import calendar as build
    from goodwill.publishing.schedule import zone_of

    with _session(database, workspace, None) as (session, ws, _acting):
        first = date.fromisoformat(start) if start else datetime.now(zone_of(ws)).date()
        ids = [access_channel_by_ref(session, ws, channel).id] if channel else None
        found = build(session, ws, start=first, days=days, channel_ids=ids)
    if json:
        print_json({day: [e.as_dict() for e in entries] for day, entries in found.items()})
        return
    for day, entries in found.items():
        out.print(f"[bold]{day} {date.fromisoformat(day):%a}[/]")
        for e in entries:
            error = f" [red]{safe(e.error)}[/]" if e.error and e.status == "failed" else ""
            out.print(
                f"  {e.local:%H:%M} {e.status:<9} {safe(e.channel)} ({e.network}) · {e.category}: "
                f"{safe(_flat(e.text), 90)}{error}",
                highlight=False,
            )


@app.command()
def mix(
    since: Annotated[str, typer.Option(help="A length back from the end (90d, 12w) or a date.")] = "90d",
    channel: Annotated[str | None, typer.Option(help="One channel: id, handle or network.")] = None,
    weeks: Annotated[bool, typer.Option("--weeks", help="Show each week too.")] = False,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """The content mix: promotional, useful (reputation, authority, visibility, expertise), chat and
    engagement, the share of promotional posts and replies per broadcast, and whether the feed is ad-heavy."""
    from goodwill.actions.posts import access_channel_by_ref
    from goodwill.analytics.scope import latest_message, parse_moment
    from goodwill.publishing.mix import mix as build

    with _session(database, workspace, None) as (session, ws, _acting):
        newest = latest_message(session, ws)
        until = newest + timedelta(seconds=1) if newest else datetime.now(UTC)
        ids = [access_channel_by_ref(session, ws, channel).id] if channel else None
        report = build(session, ws, since=parse_moment(since, now=until), until=until, channel_ids=ids)
    if json:
        print_json(report)
        return
    _print_mix(report, weeks)


def _print_mix(report: dict[str, Any], weeks: bool) -> None:
    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.0%}"

    o = report["overall"]
    verdict = "[red]ad-heavy[/]" if report["ad_heavy"] else "[green]balanced[/]"
    out.print(
        f"{o['posts']} posts, {o['replies']} replies: promotional {pct(o['promotional_share'])} "
        f"(at most {report['max_promotional_share']:.0%}): {verdict}; "
        f"{o['replies_per_broadcast'] or 0} replies a broadcast",
        highlight=False,
    )
    out.print("  " + ", ".join(f"{k} {n}" for k, n in o["categories"].items() if n), highlight=False)
    for c in report["channels"]:
        out.print(
            f"  {safe(c['channel'])} ({c['network']}): {c['posts']} posts, promotional {pct(c['promotional_share'])}, "
            f"{c['replies_per_broadcast'] or 0} replies a broadcast",
            highlight=False,
        )
    if weeks:
        for w in report["weeks"]:
            out.print(
                f"  week of {w['from'][:10]}: {w['posts']} posts, promotional {pct(w['promotional_share'])}, "
                f"{w['replies']} replies",
                highlight=False,
            )
