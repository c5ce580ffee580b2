"""Plan the demo world (pure, in memory) and build it into a store (through `ingest`, like any connector).

`plan_world` is deterministic for (seed, days, now): the same arguments give the same people, texts, ids and
times. `build_world` is idempotent: the parameters are recorded in the audit log when the workspace is made
("demo.build"), so a second call returns the summary of the finished world, and a call after a crash
resumes with the recorded parameters (ingest skips what is already stored).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

import goodwill.connectors.local  # noqa: F401 - registers the local connector
from goodwill.actions.audit import Acting, audit
from goodwill.actions.workspaces import do_create_workspace, do_ensure_channel, do_set_channel_connector
from goodwill.demo import brand
from goodwill.demo import people as p
from goodwill.demo.ids import Ids
from goodwill.demo.life import Life
from goodwill.demo.people import EVIDENCE, Population
from goodwill.demo.platform import Shaper
from goodwill.demo.story import Planned, Story
from goodwill.domain.enums import ConversationKind, Direction, Network, PostStatus
from goodwill.domain.message import NormalisedMessage
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.tables import (
    AuditEntry,
    Base,
    Channel,
    Conversation,
    Identity,
    Message,
    Person,
    Post,
    Teammate,
    Workspace,
)

DEMO = Acting.system("demo")
IdentityKey = tuple[str, str, str]  # (network, id_scope, native_id): one Identity row
CROSS_PERSONAS = (p.ADVOCATE,) * 4 + (p.COLD_ADVOCATE,) * 2 + (p.REGULAR,) * 5 + (p.AT_RISK, p.GOING_COLD, p.GOING_COLD)
SINGLES = (
    (p.ADVOCATE, 10),
    (p.COLD_ADVOCATE, 3),
    (p.GOING_COLD, 10),
    (p.REGULAR, 34),
    (p.AT_RISK, 10),
    (p.NEW, 26),
    (p.SPAMMER, 12),
)


@dataclass(frozen=True, slots=True)
class CrossNetwork:
    evidence: str  # website | handle_domain | same_handle | name_avatar | crosspost
    identities: tuple[IdentityKey, IdentityKey]


@dataclass(frozen=True, slots=True)
class Cast:
    """Who the simulation made what: the ground truth later features are checked against."""

    advocates: tuple[IdentityKey, ...]
    cold_advocates: tuple[IdentityKey, ...]
    going_cold: tuple[IdentityKey, ...]
    at_risk: tuple[IdentityKey, ...]
    new_connections: tuple[IdentityKey, ...]
    welcomed: tuple[IdentityKey, ...]  # the few new connections the team did welcome
    influencers: tuple[IdentityKey, ...]
    spammers: tuple[IdentityKey, ...]
    cross_network: tuple[CrossNetwork, ...]  # one human, two Identities, left unmerged
    decoys: tuple[tuple[IdentityKey, IdentityKey], ...]  # two humans who only share a name: never merge


@dataclass(slots=True)
class World:
    seed: int
    days: int
    start: datetime
    now: datetime
    humans: list[p.Human]
    messages: list[Planned]  # in time order
    cast: Cast
    shaper: Shaper

    def normalised(self, network: Network) -> list[NormalisedMessage]:
        return [self.shaper.shape(m) for m in self.messages if m.network is network]


@dataclass(frozen=True, slots=True)
class ChannelCount:
    network: str
    handle: str
    messages: int


@dataclass(frozen=True, slots=True)
class WorldSummary:
    workspace: str
    brand: str
    created: bool  # False when the world was already there
    seed: int
    days: int
    start: datetime
    now: datetime
    channels: tuple[ChannelCount, ...]
    teammates: int
    people: int
    identities: int
    messages: int
    inbound: int
    outbound: int
    posts: int
    conversations: int
    direct_conversations: int
    open_needing_reply: int
    cast: Cast


def _utc(now: datetime | None) -> datetime:
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must carry a time zone, e.g. datetime.now(UTC)")
    return now.astimezone(UTC).replace(microsecond=0)


def plan_world(*, seed: int = 7, days: int = 90, now: datetime | None = None) -> World:
    """The whole world in memory: people, the brand's feed and every message, deterministic for the arguments."""
    if days < 14:
        raise ValueError("the demo world needs at least 14 days of life")
    now = _utc(now)
    start = now - timedelta(days=days)
    rng = random.Random(seed)
    ids = Ids(rng)
    shaper = Shaper(ids)
    story = Story(rng, start=start, now=now, days=days, assign_ref=shaper.assign)
    pop = Population(rng, ids, start)
    for persona, (evidence, a, b) in zip(CROSS_PERSONAS, EVIDENCE, strict=True):
        pop.cross_network(persona, evidence, a, b)
    for persona, count in SINGLES:
        for _ in range(count):
            pop.human(persona)
    for network in (Network.X, Network.INSTAGRAM, Network.BLUESKY):
        pop.human(p.INFLUENCER, [network])
    scale = days / 90
    for _ in range(round(480 * scale)):
        pop.human(p.ONE_OFF)
    for _ in range(round(140 * scale)):
        pop.human(p.AUDIENCE)
    twin = pop.human(p.REGULAR, [Network.X], first="Alex", last="Chen")
    pop.human(p.ONE_OFF, [Network.FACEBOOK], first="Alex", last="Chen").decoy_of = twin.key

    life = Life(story, pop.humans)
    life.feed()
    for human in pop.humans:
        life.live(human)
    life.audience()
    story.messages.sort(key=lambda m: (m.at, m.seq))
    cast = _cast(pop.humans, story, life)
    return World(seed, days, start, now, pop.humans, story.messages, cast, shaper)


def _cast(humans: list[p.Human], story: Story, life: Life) -> Cast:
    def wrote(acc: p.Account) -> bool:
        return story.written.get(id(acc), 0) > 0

    def keys(persona: str) -> tuple[IdentityKey, ...]:
        return tuple(a.key for h in humans if h.persona == persona for a in h.accounts if wrote(a))

    cross = tuple(
        CrossNetwork(h.evidence, (h.accounts[0].key, h.accounts[1].key))
        for h in humans
        if h.evidence and len(h.accounts) == 2 and all(wrote(a) for a in h.accounts)
    )
    by_key = {h.key: h for h in humans}
    decoys = tuple(
        (by_key[h.decoy_of].accounts[0].key, h.accounts[0].key)
        for h in humans
        if h.decoy_of and wrote(h.accounts[0]) and wrote(by_key[h.decoy_of].accounts[0])
    )
    return Cast(
        advocates=keys(p.ADVOCATE),
        cold_advocates=keys(p.COLD_ADVOCATE),
        going_cold=keys(p.GOING_COLD),
        at_risk=keys(p.AT_RISK),
        new_connections=keys(p.NEW),
        welcomed=tuple(a.key for a in life.welcomed),
        influencers=keys(p.INFLUENCER),
        spammers=keys(p.SPAMMER),
        cross_network=cross,
        decoys=decoys,
    )


def _demo_channel(session: Session, workspace: Workspace, account: brand.BrandAccount) -> Channel:
    """A simulated account: replies sent from the demo go to the local connector, which records them in the
    data folder instead of posting anywhere."""
    channel = do_ensure_channel(
        session,
        workspace,
        network=account.network,
        account_id=account.account_id,
        handle=account.handle,
        name=account.name,
        acting=DEMO,
    )
    do_set_channel_connector(session, channel, "local", acting=DEMO)
    return channel


def build_world(
    store: Store, *, seed: int = 7, days: int = 90, now: datetime | None = None, workspace_slug: str = "demo"
) -> WorldSummary:
    """Build the demo world into `store` (idempotent: an existing demo workspace is summarised, not duplicated).

    The world is written as a connector would write it: channels and teammates first, then every message
    through `ingest` (one transaction per batch), then a published Post for each of the brand's own posts.
    """
    with store.session() as session:
        workspace, seed, days, now, done = _begin(session, workspace_slug, seed, days, now)
        if done:
            cast = plan_world(seed=seed, days=days, now=now).cast
            return _summary(session, workspace, cast, seed, days, now, created=False)
    world = plan_world(seed=seed, days=days, now=now)
    with store.session() as session:
        workspace = session.get_one(Workspace, workspace.id)
        channels = {a.network: ChannelRef.of(_demo_channel(session, workspace, a)) for a in brand.ACCOUNTS}
        team = _ensure_team(session, workspace.id, world.start)
    for network, ref in channels.items():
        ingest(store, ref, world.normalised(network))
    with store.session() as session:
        posts = _ensure_posts(session, workspace.id, channels, world, team)
        workspace = session.get_one(Workspace, workspace.id)
        audit(
            session,
            workspace_id=workspace.id,
            acting=DEMO,
            action="demo.built",
            object_type="workspace",
            object_id=workspace.id,
            data={"messages": len(world.messages), "posts": posts},
        )
        return _summary(session, workspace, world.cast, world.seed, world.days, world.now, created=True)


def _begin(
    session: Session, slug: str, seed: int, days: int, now: datetime | None
) -> tuple[Workspace, int, int, datetime, bool]:
    """The workspace and the world's parameters: recorded ones when the demo workspace exists (and whether it
    is complete), else a new workspace with these parameters recorded."""
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is not None:
        recorded = _recorded(session, workspace.id, "demo.build")
        if recorded is None:
            raise ValueError(f"workspace {slug!r} exists and is not a demo world: pick another slug")
        done = _recorded(session, workspace.id, "demo.built") is not None
        return workspace, int(recorded["seed"]), int(recorded["days"]), datetime.fromisoformat(recorded["now"]), done
    moment = _utc(now)
    workspace = do_create_workspace(session, slug=slug, name=brand.NAME, timezone=brand.TIMEZONE, acting=DEMO)
    audit(
        session,
        workspace_id=workspace.id,
        acting=DEMO,
        action="demo.build",
        object_type="workspace",
        object_id=workspace.id,
        data={"seed": seed, "days": days, "now": moment.isoformat()},
    )
    return workspace, seed, days, moment, False


def _recorded(session: Session, workspace_id: int, action: str) -> dict[str, Any] | None:
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.workspace_id == workspace_id, AuditEntry.action == action)
        .order_by(AuditEntry.id)
        .limit(1)
    )
    return None if entry is None else dict(entry.data)


def _ensure_team(session: Session, workspace_id: int, since: datetime) -> dict[str, int]:
    """Teammates by email -> id; no sign-in until a password is set (password_hash stays None)."""
    known = {t.email: t.id for t in session.scalars(select(Teammate).where(Teammate.workspace_id == workspace_id))}
    for member in brand.TEAM:
        if member.email in known:
            continue
        row = Teammate(
            workspace_id=workspace_id,
            email=member.email,
            name=member.name,
            role=member.role.value,
            password_hash=None,
            is_away=member.away_last_days > 0,
            created_at=since - timedelta(days=30),
        )
        session.add(row)
        session.flush()
        known[member.email] = row.id
        audit(
            session,
            workspace_id=workspace_id,
            acting=DEMO,
            action="teammate.create",
            object_type="teammate",
            object_id=row.id,
            data={"email": member.email, "role": member.role.value},
        )
    return known


def _ensure_posts(
    session: Session, workspace_id: int, channels: dict[Network, ChannelRef], world: World, team: dict[str, int]
) -> int:
    """One published Post per own post, linked to its Message; skipped when the Post is already there."""
    made = 0
    for network, ref in channels.items():
        own = [m for m in world.messages if m.network is network and m.is_post]
        if not own:
            continue
        rows = session.execute(
            select(Message.native_id, Message.id).where(
                Message.channel_id == ref.id, Message.native_id.in_([m.ref.id for m in own])
            )
        )
        ids = {native_id: message_id for native_id, message_id in rows}
        linked = set(session.scalars(select(Post.message_id).where(Post.channel_id == ref.id)))
        for m in own:
            message_id = ids.get(m.ref.id)
            if message_id is None or message_id in linked:
                continue
            session.add(
                Post(
                    workspace_id=workspace_id,
                    channel_id=ref.id,
                    status=PostStatus.PUBLISHED.value,
                    text=m.text,
                    scheduled_at=m.at,
                    published_at=m.at,
                    message_id=message_id,
                    created_by_id=team.get(m.teammate or ""),
                    created_at=m.at - timedelta(hours=20),
                    detail={"title": m.title} if m.title else {},
                )
            )
            made += 1
    return made


def _summary(
    session: Session, workspace: Workspace, cast: Cast, seed: int, days: int, now: datetime, *, created: bool
) -> WorldSummary:
    ws = workspace.id

    def count(*where: ColumnElement[bool], model: type[Base] = Message) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    per_channel = session.execute(
        select(Channel.network, Channel.handle, func.count(Message.id))
        .outerjoin(Message, Message.channel_id == Channel.id)
        .where(Channel.workspace_id == ws)
        .group_by(Channel.id, Channel.network, Channel.handle)
        .order_by(Channel.id)
    ).tuples()
    return WorldSummary(
        workspace=workspace.slug,
        brand=workspace.name,
        created=created,
        seed=seed,
        days=days,
        start=now - timedelta(days=days),
        now=now,
        channels=tuple(ChannelCount(n, h, c) for n, h, c in per_channel),
        teammates=count(Teammate.workspace_id == ws, model=Teammate),
        people=count(Person.workspace_id == ws, model=Person),
        identities=count(Identity.workspace_id == ws, model=Identity),
        messages=count(Message.workspace_id == ws),
        inbound=count(Message.workspace_id == ws, Message.direction == Direction.INBOUND.value),
        outbound=count(Message.workspace_id == ws, Message.direction == Direction.OUTBOUND.value),
        posts=count(Post.workspace_id == ws, model=Post),
        conversations=count(Conversation.workspace_id == ws, model=Conversation),
        direct_conversations=count(
            Conversation.workspace_id == ws, Conversation.kind == ConversationKind.DIRECT.value, model=Conversation
        ),
        open_needing_reply=count(
            Conversation.workspace_id == ws,
            Conversation.status == "open",
            Conversation.needs_reply.is_(True),
            model=Conversation,
        ),
        cast=cast,
    )
