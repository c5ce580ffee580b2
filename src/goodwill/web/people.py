"""Read models for the people, nudges and calendar pages (Person, Identity, Relationship, Nudge, Post): the
pages call these functions only, so each can move to a richer library query without touching a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from goodwill.actions.workspaces import NotFound
from goodwill.store.tables import Channel, Conversation, Identity, Person, Post, Relationship, Workspace


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    name: str
    handles: str
    stage: str | None
    inbound: int
    outbound: int
    last_inbound_at: datetime | None
    last_outbound_at: datetime | None
    is_advocate: bool
    at_risk: bool


def list_people(session: Session, workspace_id: int, *, query: str = "", limit: int = 50) -> list[PersonRow]:
    """People most recently heard from first; `query` matches a name or a handle."""
    handles = (
        select(func.aggregate_strings(Identity.network + ":" + func.coalesce(Identity.handle, Identity.native_id), " "))
        .where(Identity.person_id == Person.id)
        .correlate(Person)
        .scalar_subquery()
    )
    stmt = (
        select(Person.id, Person.display_name, handles, Relationship)
        .outerjoin(Relationship, Relationship.person_id == Person.id)
        .where(Person.workspace_id == workspace_id)
        .order_by(Relationship.last_inbound_at.desc().nulls_last(), Person.id)
        .limit(limit)
    )
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Person.display_name).like(like),
                Person.id.in_(select(Identity.person_id).where(func.lower(Identity.handle).like(like))),
            )
        )
    return [_row(pid, name, hs, r) for pid, name, hs, r in session.execute(stmt).tuples()]


def _row(pid: int, name: str, handles: str | None, r: Relationship | None) -> PersonRow:
    return PersonRow(
        id=pid,
        name=name,
        handles=handles or "",
        stage=r.stage if r else None,
        inbound=r.inbound_count if r else 0,
        outbound=r.outbound_count if r else 0,
        last_inbound_at=r.last_inbound_at if r else None,
        last_outbound_at=r.last_outbound_at if r else None,
        is_advocate=bool(r and r.is_advocate),
        at_risk=bool(r and r.at_risk),
    )


@dataclass(frozen=True, slots=True)
class Profile:
    person: Person
    identities: list[Identity]
    relationship: Relationship | None
    conversations: list[tuple[Conversation, str]]  # with the channel's handle


def profile(session: Session, workspace_id: int, person_id: int) -> Profile:
    person = session.get(Person, person_id)
    if person is None or person.workspace_id != workspace_id:
        raise NotFound(f"no person {person_id} in this workspace")
    identities = list(session.scalars(select(Identity).where(Identity.person_id == person.id).order_by(Identity.id)))
    relationship = session.scalar(select(Relationship).where(Relationship.person_id == person.id))
    conversations = [
        (c, handle)
        for c, handle in session.execute(
            select(Conversation, Channel.handle)
            .join(Channel, Channel.id == Conversation.channel_id)
            .where(Conversation.person_id == person.id)
            .order_by(Conversation.last_message_at.desc())
            .limit(30)
        ).tuples()
    ]
    return Profile(person, identities, relationship, conversations)


@dataclass(frozen=True, slots=True)
class Nudge:
    kind: str  # goodwill.relationships.nudges.KINDS
    person_id: int | None
    person: str
    why: str
    conversation_id: int | None = None
    draft: str | None = None


def nudges(session: Session, workspace: Workspace, *, now: datetime | None = None, limit: int = 50) -> list[Nudge]:
    """The open nudges the relationships library stored (goodwill.actions.nudges.do_refresh_nudges, run by the
    periodic schedule and `goodwill nudges`), and snoozed ones whose time has come: most promising first."""
    from goodwill.store.tables_relationships import Nudge as NudgeRow

    now = now or datetime.now(UTC)
    due = or_(
        NudgeRow.status == "open",
        (NudgeRow.status == "snoozed") & (NudgeRow.snoozed_until <= now),
    )
    query = (
        select(NudgeRow, Person.display_name)
        .join(Person, Person.id == NudgeRow.person_id)
        .where(NudgeRow.workspace_id == workspace.id, due)
        .order_by(NudgeRow.score.desc(), NudgeRow.due_at, NudgeRow.id)
        .limit(limit)
    )
    return [
        Nudge(n.kind, n.person_id, name, n.why, n.conversation_id, n.draft)
        for n, name in session.execute(query).tuples()
    ]


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    in_month: bool
    posts: list[tuple[Post, str]]  # with the channel's network


def calendar(session: Session, workspace_id: int, month: date) -> list[list[Day]]:
    """The month's weeks (Monday first), each day with the posts scheduled or published on it."""
    first = month.replace(day=1)
    start = first - timedelta(days=first.weekday())
    following = (first + timedelta(days=32)).replace(day=1)
    end = following + timedelta(days=(7 - following.weekday()) % 7)
    when = func.coalesce(Post.scheduled_at, Post.published_at, Post.created_at)
    lo, hi = (datetime.combine(d, datetime.min.time(), UTC) for d in (start, end))
    rows = session.execute(
        select(Post, Channel.network, when)
        .join(Channel, Channel.id == Post.channel_id)
        .where(Post.workspace_id == workspace_id, when >= lo, when < hi)
        .order_by(when)
    ).tuples()
    by_day: dict[date, list[tuple[Post, str]]] = {}
    for post, network, at in rows:
        at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        by_day.setdefault(at.date(), []).append((post, network))
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    return [
        [Day(d, d.month == first.month, by_day.get(d, [])) for d in days[w : w + 7]] for w in range(0, len(days), 7)
    ]
