"""People and relationships: `people` (lists), `person` (one person, notes, fields, labels, target),
`merge` (suggestions, merge, un-merge), `nudges`, `linkedin-connections`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from goodwill.actions.audit import CLI, Acting
from goodwill.cli import render
from goodwill.cli.app import DatabaseOpt, JsonOpt, WorkspaceOpt, app, checked_store, out, print_json, workspace_slug
from goodwill.store.tables import Workspace

AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this teammate (e-mail); default: the CLI, as the owner.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as of this UTC time (ISO 8601), e.g. to replay a past day.", hidden=False),
]
RefreshOpt = Annotated[bool, typer.Option("--refresh/--no-refresh", help="Recompute before listing.")]


def _moment(as_of: str | None) -> datetime:
    if not as_of:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise ValueError(f"--as-of {as_of!r}: use an ISO 8601 time like 2026-03-01T12:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@contextmanager
def _acting(
    database: str | None, workspace: str | None, who: str | None
) -> Iterator[tuple[Session, Workspace, Acting]]:
    from goodwill.actions import access_workspace
    from goodwill.actions.activity import acting_teammate

    store = checked_store(database)
    with store.session() as session:
        ws = access_workspace(session, workspace_slug(workspace))
        yield session, ws, acting_teammate(session, ws, who) if who else CLI


def _flags(row: object) -> str:
    names = [("advocate", "is_advocate"), ("at risk", "at_risk"), ("cold", "is_cold")]
    return ", ".join(label for label, attr in names if getattr(row, attr))


@app.command()
def people(
    which: Annotated[str, typer.Argument(help="advocates, at-risk, cold, targets, vips, or all.")] = "advocates",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 30,
    refresh: RefreshOpt = True,
    as_of: AsOfOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Where relationships stand: advocates, people at risk, people going cold, targets and VIPs, explained."""
    from goodwill.actions.people import do_recompute_relationships
    from goodwill.relationships import people_list

    with _acting(database, workspace, None) as (session, ws, acting):
        if refresh:
            do_recompute_relationships(session, ws, acting=acting, now=_moment(as_of))
        rows, total = people_list(session, ws, which, limit=limit)
        data = [r.as_dict() for r in rows]
    if json:
        print_json({"data": data, "count": total})
        return
    out.print(f"[bold]{which}[/]: {total} people" + (f", the first {len(rows)}" if total > len(rows) else ""))
    for r in rows:
        why = [line for key in ("advocate", "at_risk", "cold") for line in r.reasons.get(key, [])]
        out.print(
            f"{r.id:>6}  [bold]{render.safe(r.name)}[/] ({', '.join(r.networks) or '-'}) {r.stage}, "
            f"health {r.health if r.health is not None else '-'}"
            + (f" [yellow]{_flags(r)}[/]" if _flags(r) else "")
            + (f" lists: {', '.join(r.lists)}" if r.lists else "")
        )
        for line in why[:3]:
            out.print(f"        [dim]{render.safe(line)}[/]", highlight=False)


@app.command()
def person(
    person_id: Annotated[int, typer.Argument(help="Person id, as listed by `goodwill people`.")],
    note: Annotated[str | None, typer.Option(help="Add an internal note on the person.")] = None,
    set_field: Annotated[list[str] | None, typer.Option("--set", help="Set a custom field: NAME=VALUE.")] = None,
    label: Annotated[list[str] | None, typer.Option(help="Add a label.")] = None,
    unlabel: Annotated[list[str] | None, typer.Option(help="Remove a label.")] = None,
    target: Annotated[
        bool | None, typer.Option("--target/--untarget", help="Put on (or take off) the targets list.")
    ] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """One person across networks: identities, relationship state explained, nudges, and the timeline."""
    from goodwill.actions import person_notes as p
    from goodwill.actions.people import access_person_by_id
    from goodwill.relationships import person_view

    with _acting(database, workspace, who) as (session, ws, acting):
        someone = access_person_by_id(session, ws, person_id)
        if note:
            p.do_add_person_note(session, ws, someone, note, acting=acting)
        for pair in set_field or []:
            name, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(f"--set {pair!r}: write NAME=VALUE (an empty VALUE removes the field)")
            p.do_set_person_field(session, ws, someone, name.strip(), value, acting=acting)
        for name in label or []:
            p.do_label_person(session, ws, someone, name, acting=acting)
        for name in unlabel or []:
            p.do_label_person(session, ws, someone, name, remove=True, acting=acting)
        if target is not None:
            p.do_set_target(session, ws, someone, target=target, acting=acting)
        view = person_view(session, ws, person_id)
        data = view.as_dict()
    if json:
        print_json(data)
        return
    _print_person(data)


def _print_person(v: dict[str, object]) -> None:
    out.print(f"[bold]{render.safe(str(v['display_name']))}[/] (person {v['id']})")
    if v.get("merged_into"):
        out.print(f"[yellow]merged into person {v['merged_into']}[/]: see `goodwill person {v['merged_into']}`")
    for i in v["identities"]:  # type: ignore[attr-defined]
        out.print(f"  {i['network']}: {render.safe(i['handle'] or i['display_name'] or '?')}")
    rel = v.get("relationship") or {}
    if rel:
        out.print(f"Stage [bold]{rel['stage']}[/], health {rel['health']}; {rel['inbound']} in, {rel['outbound']} out")  # type: ignore[index]
        for key, lines in (rel.get("reasons") or {}).items():  # type: ignore[attr-defined]
            if key != "health":
                out.print(f"  [yellow]{key}[/]: " + "; ".join(render.safe(str(x)) for x in lines))
    for key in ("fields", "labels", "lists"):
        if v.get(key):
            out.print(f"{key}: {render.safe(str(v[key]))}")
    for s in v["suggestions"]:  # type: ignore[attr-defined]
        kinds = ", ".join(e["kind"] for e in s["evidence"])
        out.print(
            f"  may be person {s['other']} ({s['strength']}, {s['score']}: {kinds}): goodwill merge --accept {s['id']}"
        )
    for n in v["nudges"]:  # type: ignore[attr-defined]
        out.print(f"  nudge {n['id']} [bold]{n['kind']}[/] ({n['status']}): {render.safe(n['why'])}")
    for item in v["timeline"]:  # type: ignore[attr-defined]
        arrow = {"in": "←", "out": "→"}.get(item.get("direction", ""), "·")
        head = f"{item['at'][:16]} {arrow} {item.get('network', item['type'])} {render.safe(item.get('author') or '')}"
        label = item.get("intent") or item.get("kind") or ""
        out.print(f"\n{head} [dim]{render.safe(label)}[/]")
        if item.get("text"):
            out.print(render.safe(item["text"]), highlight=False)


@app.command()
def merge(
    kept: Annotated[int | None, typer.Argument(help="The person to keep (with OTHER: merge them by hand).")] = None,
    other: Annotated[int | None, typer.Argument(help="The person folded into KEPT.")] = None,
    find: Annotated[
        bool, typer.Option("--find", help="Look for matches now; strong ones merge automatically.")
    ] = False,
    no_auto: Annotated[bool, typer.Option("--no-auto", help="With --find: suggest only, merge nothing.")] = False,
    accept: Annotated[int | None, typer.Option(help="Merge the People of this suggestion.")] = None,
    reject: Annotated[int | None, typer.Option(help="Not one human: drop this suggestion for good.")] = None,
    undo: Annotated[int | None, typer.Option(help="Un-merge: undo this merge exactly.")] = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """One person across networks: merge suggestions with their evidence, merges by hand, un-merges."""
    from goodwill.actions import people as p
    from goodwill.actions.workspaces import NotFound
    from goodwill.store.tables_relationships import MergeSuggestion, PersonMerge

    with _acting(database, workspace, who) as (session, ws, acting):
        done: list[str] = []
        if find:
            matches, made = p.do_refresh_merges(session, ws, acting=acting, auto_merge=not no_auto)
            done.append(f"{len(matches)} matches; merged automatically: {', '.join(str(m.id) for m in made) or 'none'}")
        if kept is not None or other is not None:
            if kept is None or other is None:
                raise ValueError("give two person ids: the one to keep, then the one to fold into it")
            record = p.do_merge_people(
                session,
                ws,
                p.access_person_by_id(session, ws, kept),
                p.access_person_by_id(session, ws, other),
                evidence=[{"kind": "manual", "detail": acting.label}],
                acting=acting,
            )
            done.append(f"merge {record.id}: person {other} is now part of person {kept}")
        if accept is not None or reject is not None:
            suggestion = session.get(MergeSuggestion, accept if accept is not None else reject)
            if suggestion is None or suggestion.workspace_id != ws.id:
                raise NotFound(f"no merge suggestion {accept if accept is not None else reject}")
            if reject is not None:
                p.do_reject_suggestion(session, ws, suggestion, acting=acting)
                done.append(f"suggestion {suggestion.id} rejected")
            else:
                a, b = p.keeper_of(session, suggestion.person_a_id, suggestion.person_b_id)
                record = p.do_merge_people(session, ws, a, b, evidence=suggestion.evidence, acting=acting)
                done.append(f"merge {record.id}: person {b.id} is now part of person {a.id}")
        if undo is not None:
            found = session.get(PersonMerge, undo)
            if found is None or found.workspace_id != ws.id:
                raise NotFound(f"no merge {undo}")
            back = p.do_unmerge(session, ws, found, acting=acting)
            done.append(f"merge {undo} undone: person {back.id} is on their own again")
        open_ = p.people_with_open_suggestions(session, ws.id)
        data: list[dict[str, Any]] = [
            {
                "id": s.id,
                "people": [s.person_a_id, s.person_b_id],
                "score": s.score,
                "strength": s.strength,
                "evidence": s.evidence,
            }
            for s in open_
        ]
    if json:
        print_json({"done": done, "data": data, "count": len(data)})
        return
    for line in done:
        out.print(line)
    out.print(f"[bold]{len(data)}[/] merge suggestions open")
    for s in data:
        out.print(f"{s['id']:>5}  people {s['people'][0]} + {s['people'][1]}  {s['strength']} ({s['score']})")
        for e in s["evidence"]:
            out.print(f"        [dim]{e['kind']}: {render.safe(str(e['detail']))}[/]", highlight=False)


@app.command()
def nudges(
    done: Annotated[int | None, typer.Option(help="Mark this nudge done.")] = None,
    dismiss: Annotated[int | None, typer.Option(help="Dismiss this nudge.")] = None,
    snooze: Annotated[int | None, typer.Option(help="Snooze this nudge (with --until).")] = None,
    until: Annotated[str | None, typer.Option(help="Wake a snoozed nudge at this UTC time (ISO 8601).")] = None,
    kind: Annotated[str | None, typer.Option(help="thank, follow_up, welcome, reconnect, reach_out, connect.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 30,
    refresh: RefreshOpt = True,
    as_of: AsOfOpt = None,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Who needs us next: each nudge with why and a ready draft; mark them done, snoozed or dismissed."""
    from sqlalchemy import select

    from goodwill.actions import nudges as n
    from goodwill.store.tables import Person
    from goodwill.store.tables_relationships import Nudge

    now = _moment(as_of)
    with _acting(database, workspace, who) as (session, ws, acting):
        for nudge_id, status in ((done, "done"), (dismiss, "dismissed"), (snooze, "snoozed")):
            if nudge_id is not None:
                when = _moment(until) if status == "snoozed" and until else None
                n.do_set_nudge_status(
                    session, ws, n.access_nudge_by_id(session, ws, nudge_id), status, until=when, acting=acting, now=now
                )
        if refresh:
            n.do_refresh_nudges(session, ws, acting=acting, now=now)
        query = (
            select(Nudge, Person.display_name)
            .join(Person, Person.id == Nudge.person_id)
            .where(Nudge.workspace_id == ws.id, Nudge.status == "open")
        )
        if kind:
            query = query.where(Nudge.kind == kind)
        rows = list(session.execute(query.order_by(Nudge.score.desc(), Nudge.due_at, Nudge.id).limit(limit)).tuples())
        data = [
            {
                "id": x.id,
                "kind": x.kind,
                "person": x.person_id,
                "name": name,
                "why": x.why,
                "draft": x.draft,
                "due_at": x.due_at.isoformat(),
                "conversation": x.conversation_id,
            }
            for x, name in rows
        ]
    if json:
        print_json({"data": data, "count": len(data)})
        return
    out.print(f"[bold]{len(data)}[/] nudges open")
    for d in data:
        out.print(
            f"{d['id']:>5}  [bold]{d['kind']}[/] {render.safe(str(d['name']))} (person {d['person']}): "
            + render.safe(str(d["why"]))
        )
        if d["draft"]:
            out.print(f"        [green]{render.safe(str(d['draft']))}[/]", highlight=False)


@app.command("linkedin-connections")
def linkedin_connections(
    export: Annotated[Path, typer.Argument(help="The LinkedIn data export (zip or unpacked folder).", exists=True)],
    limit: Annotated[int, typer.Option(min=1, max=5000, help="How many to show.")] = 30,
    who: AsOpt = None,
    database: DatabaseOpt = None,
    workspace: WorkspaceOpt = None,
    json: JsonOpt = False,
) -> None:
    """Connections never messaged beyond the connection, most promising first, each with a nudge."""
    from goodwill.actions.nudges import store_candidates
    from goodwill.relationships.connections import connection_nudges, do_import_connections
    from goodwill.relationships.connections import linkedin_connections as never_messaged

    with _acting(database, workspace, who) as (session, ws, acting):
        imported = do_import_connections(session, ws, export, acting=acting)
        found = never_messaged(session, ws)
        store_candidates(session, ws, connection_nudges(found), kinds=("connect",), now=datetime.now(UTC))
        data = [c.as_dict() for c in found[:limit]]
    if json:
        print_json({"data": data, "count": len(found), "imported": imported.rows, "new_people": imported.new_people})
        return
    out.print(
        f"{imported.rows} connections read ({imported.new_people} new); "
        f"[bold]{len(found)}[/] never messaged since connecting"
    )
    for c in data:
        out.print(
            f"{c['score']:.2f}  [bold]{render.safe(c['name'])}[/] "
            + render.safe(" ".join(x for x in (c["position"], c["company"]) if x))
        )
        out.print(f"      [dim]{render.safe(c['why'])}[/]", highlight=False)
        out.print(f"      [green]{render.safe(c['draft'])}[/]", highlight=False)
