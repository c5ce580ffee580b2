"""The inbound pipeline: every connector and importer ends here.

normalised messages -> dedupe by (channel, native id) -> identities and people -> conversations -> triage
-> store, all in one transaction per batch -> events after commit.

Idempotent: ingesting the same messages again stores nothing and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice, repeat
from typing import Any

from sqlalchemy import Connection, select, text

from goodwill import events
from goodwill.domain.enums import Direction
from goodwill.domain.message import NormalisedMessage
from goodwill.domain.triage import TriageResult
from goodwill.ingest import conversations as convs
from goodwill.ingest.background import Labels, with_labels
from goodwill.ingest.forgotten import drop_forgotten
from goodwill.ingest.identities import chunks, identity_key, resolve_identities
from goodwill.ingest.relationships import Contact, record_contacts
from goodwill.ingest.rows import insert_messages, insert_triage
from goodwill.ingest.threads import Stored, ThreadPlace, ids_to_look_up, plan_threads, provisional_keys
from goodwill.memory import collector_paused
from goodwill.store import Store
from goodwill.store.bulk import select_in
from goodwill.store.checkpoints import Checkpointer
from goodwill.store.db import StoreError, trust_foreign_keys
from goodwill.store.tables import Channel, Identity, Message, table_of
from goodwill.triage.authors import add_author_priority
from goodwill.triage.workspace import classifier_for, workspace_settings

Classifier = Callable[[Sequence[str]], list[TriageResult]]
Labeller = Callable[[list[NormalisedMessage]], list[TriageResult]]
_M = table_of(Message)
_I = table_of(Identity)
_CH = table_of(Channel)
DEFAULT_BATCH = 1000
FIRST_BATCH = 2000  # the first batch of a run with triage alongside (see batch_sizes)
RAMP = 1.5  # how much each batch of such a run grows over the one before, up to the batch size
IMPORT_BATCH = 20_000  # file imports: fewer, larger transactions (a fixed number of statements per batch)


@dataclass(slots=True)
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    conversations_opened: int = 0
    conversations_merged: int = 0
    conversations_reopened: int = 0
    people_created: int = 0
    forgotten: int = 0  # dropped: by or about a person forgotten on request (goodwill.ingest.forgotten)

    def add(self, other: IngestResult) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """The few channel facts ingest needs; taken from a Channel row so no session has to stay open."""

    id: int
    workspace_id: int
    network: str
    account_id: str

    @classmethod
    def of(cls, channel: Channel) -> ChannelRef:
        return cls(channel.id, channel.workspace_id, channel.network, channel.account_id)


def ingest(
    store: Store,
    channel: Channel | ChannelRef,
    messages: Iterable[NormalisedMessage],
    *,
    batch_size: int = DEFAULT_BATCH,
    classify: Classifier | None = None,
    background_triage: bool = False,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Store `messages` for `channel`, one transaction per batch of `batch_size`.

    A message that breaks the model's contract raises InvalidMessage before its batch writes anything.
    `background_triage` classifies the next batch in a second process while this one is stored (for large
    imports on a machine with a spare core; it uses the workspace's triage model, like in-process triage).
    `on_batch` is called after each committed batch (progress bars).
    """
    ref = channel if isinstance(channel, ChannelRef) else ChannelRef.of(channel)
    iterator = iter(messages)
    sizes = batch_sizes(batch_size, background_triage)
    batches = iter(lambda: list(islice(iterator, next(sizes))), [])
    return ingest_batches(
        store,
        ((ref, batch) for batch in batches),
        classify=classify,
        background_triage=background_triage,
        on_batch=on_batch,
    )


def batch_sizes(batch_size: int, background_triage: bool) -> Iterator[int]:
    """The sizes of a run's batches: with triage alongside, the first is small (FIRST_BATCH), so the worker's
    first labels come soon after it starts instead of after it has classified a whole large batch, and the
    next ones grow by RAMP until they reach `batch_size`: the worker classifies each while the one before is
    stored, so a batch much larger than the one before would be waited for."""
    size = FIRST_BATCH
    while background_triage and size < batch_size:
        yield size
        size = int(size * RAMP) if RAMP > 1 else batch_size
    yield from repeat(batch_size)


def ingest_batches(
    store: Store,
    batches: Iterable[tuple[ChannelRef, list[NormalisedMessage]]],
    *,
    classify: Classifier | None = None,
    background_triage: bool = False,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Ingest (channel, batch) pairs in order; see `ingest`."""
    if background_triage and classify is not None:
        raise ValueError("background triage uses the default model: pass classify or background_triage")
    total = IngestResult()
    pairs: Iterable[tuple[tuple[ChannelRef, list[NormalisedMessage]], Callable[[], Labels] | None]]
    if background_triage:
        pending = iter(batches)
        first = next(pending, None)
        if first is None:
            return total
        with store.reader() as session:  # every batch belongs to the first one's workspace (one import)
            settings = workspace_settings(session.connection(), first[0].workspace_id)
        pairs = with_labels(chain([first], pending), lambda pair: pair[1], settings=settings)
    else:
        pairs = ((pair, None) for pair in batches)
    with Checkpointer(store.engine) as checkpoints:  # SQLite: the log is copied back beside the next batch
        for (ref, batch), labels in pairs:
            result = ingest_batch(store, ref, batch, classify=classify, labels=labels, checkpoints=checkpoints)
            total.add(result)
            if on_batch is not None:
                on_batch(result)
    return total


def ingest_batch(
    store: Store,
    channel: ChannelRef,
    batch: Sequence[NormalisedMessage],
    *,
    classify: Classifier | None = None,
    labels: Labels | Callable[[], Labels] | None = None,
    checkpoints: Checkpointer | None = None,
) -> IngestResult:
    """Ingest one batch in one transaction. `labels` (native id -> labels, or a function returning them,
    called once when the labels are needed), when given, replace `classify`; without either, the workspace's
    triage model labels the batch (goodwill.triage.classifier_for). `checkpoints`, in a run of batches,
    takes SQLite's log checkpoints off this transaction's commit (goodwill.store.checkpoints)."""
    with collector_paused():  # the batch's rows and states all survive until it is stored: see memory.py
        result = _ingest_batch(store, channel, batch, classify=classify, labels=labels, checkpoints=checkpoints)
    if checkpoints is not None:
        checkpoints.committed()
    return result


def _ingest_batch(
    store: Store,
    channel: ChannelRef,
    batch: Sequence[NormalisedMessage],
    *,
    classify: Classifier | None,
    labels: Labels | Callable[[], Labels] | None,
    checkpoints: Checkpointer | None,
) -> IngestResult:
    for message in batch:
        message.validate()
    result = IngestResult(received=len(batch))
    unique: dict[str, NormalisedMessage] = {}
    for message in batch:
        unique.setdefault(message.native.id, message)
    now = datetime.now(UTC)
    with store.session() as session:
        conn = session.connection()
        trust_foreign_keys(conn)  # every reference below is read or created under the lock: see _take_turn
        if checkpoints is not None:
            checkpoints.writer(conn)
        _take_turn(conn, channel.workspace_id)
        _check_channel(conn, channel)
        known = _stored_native_ids(conn, channel.id, list(unique))
        new = [m for native_id, m in unique.items() if native_id not in known]
        result.duplicates = len(batch) - len(new)
        new, result.forgotten = drop_forgotten(
            conn, workspace_id=channel.workspace_id, channel_id=channel.id, messages=new
        )
        if not new:
            return result
        if labels is not None:
            given = labels
            labeller: Labeller = lambda messages: _given(given, messages)  # noqa: E731
        else:
            chosen = classify or classifier_for(workspace_settings(conn, channel.workspace_id))
            labeller = lambda messages: chosen([m.text for m in messages])  # noqa: E731
        sent = _store_new(conn, channel, new, labeller, now, result)
    events.send(sent)
    return result


def _given(labels: Labels | Callable[[], Labels], messages: list[NormalisedMessage]) -> list[TriageResult]:
    found = labels() if callable(labels) else labels
    return [found[m.native.id] for m in messages]


INGEST_LOCK = 0x676F6F64  # advisory lock namespace ("good")


def _take_turn(conn: Connection, workspace_id: int) -> None:
    """Batches for one workspace are written one at a time, whichever process writes them (several workers,
    a web process). Conversation, identity and relationship state is folded in memory from what the batch
    read, so two interleaved batches would lose one's counts. PostgreSQL: a transaction-scoped advisory lock,
    taken before the dedupe read so that read sees the previous holder's rows. SQLite: the driver runs reads
    outside a transaction until the first write, so another writer could commit between this batch's reads
    and its inserts; a write that changes nothing opens the transaction and takes SQLite's write lock first
    (waiting up to the busy timeout), so the reads that follow see every earlier batch and no later one.

    Holding the lock is also why SQLite's foreign key checks are off for the batch (`trust_foreign_keys`):
    every id the batch writes is the channel's (checked once), or one it read or created after taking its
    turn, and the one delete (a provisional conversation merged away) moves its dependents first."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": INGEST_LOCK, "id": workspace_id})
    elif conn.dialect.name == "sqlite":
        conn.execute(text("UPDATE workspace SET id = id WHERE 0"))


def _check_channel(conn: Connection, channel: ChannelRef) -> None:
    """The batch's channel still exists in its workspace (checked once, under the lock: with foreign keys
    trusted on SQLite, this is the check that an insert would otherwise make for every row)."""
    found = conn.execute(
        select(_CH.c.id).where(_CH.c.id == channel.id, _CH.c.workspace_id == channel.workspace_id)
    ).first()
    if found is None:
        raise StoreError(f"channel {channel.id} of workspace {channel.workspace_id} no longer exists")


def _stored_native_ids(conn: Connection, channel_id: int, native_ids: Sequence[str]) -> set[str]:
    rows = select_in(conn, _M, ("native_id",), where={"channel_id": channel_id}, column="native_id", values=native_ids)
    return {native_id for (native_id,) in rows}


def _store_new(
    conn: Connection,
    channel: ChannelRef,
    new: list[NormalisedMessage],
    labeller: Labeller,
    now: datetime,
    result: IngestResult,
) -> list[events.Event]:
    """Write the new messages of one batch; the caller holds the transaction. Returns the events to send.

    Conversation state is folded in memory first, so a conversation opened by this batch is inserted once,
    in its final state, and a stored one is updated once.
    """
    resolved = resolve_identities(
        conn,
        workspace_id=channel.workspace_id,
        network=channel.network,
        account_id=channel.account_id,
        messages=new,
        now=now,
    )
    result.people_created = resolved.people_created
    identities = resolved.identities
    authors = [identities[identity_key(m)] for m in new]
    places, states = _place(conn, channel, new)

    inbound_at = [i for i, m in enumerate(new) if m.direction is Direction.INBOUND]
    labels = dict(zip(inbound_at, labeller([new[i] for i in inbound_at]), strict=True))
    # the authors' reach and relationship raise the stored priority (bulk lookups; waiting stays the inbox's)
    known = {
        identity_id: (person_id, resolved.followers[identity_id]) for identity_id, person_id in identities.values()
    }
    add_author_priority(
        conn,
        channel.workspace_id,
        labels,
        {i: authors[i][0] for i in labels},
        known=known,
        new_people=resolved.new_people,
    )
    arrivals: dict[int, list[convs.Arrival]] = defaultdict(list)
    for i, m in enumerate(new):
        label = labels.get(i)
        arrivals[id(states[i])].append(
            convs.Arrival(
                created_at=m.created_at,
                direction=m.direction,
                person_id=authors[i][1],
                needs_reply=label.needs_reply if label else False,
                priority=label.priority if label else 0,
            )
        )
    touched = {id(state): state for state in states}
    reopened = [s for key, s in touched.items() if convs.fold(s, arrivals[key])]
    opened = [s for s in touched.values() if s["id"] is None]
    stored = [s for s in touched.values() if s["id"] is not None]
    convs.insert_conversations(conn, workspace_id=channel.workspace_id, channel_id=channel.id, states=opened)
    convs.write_states(conn, stored)
    conversation_ids = [state["id"] for state in states]

    message_ids = insert_messages(conn, channel, new, conversation_ids, authors, now)
    insert_triage(conn, message_ids, labels)
    merged = _merge_provisional(conn, channel, new, places, states)

    contacts: dict[int, Contact] = defaultdict(Contact)
    people = _counterparts(conn, channel.id, new, authors, [state["person_id"] for state in states])
    for m, person in zip(new, people, strict=True):
        if person is not None:
            contacts[person].add(m.created_at, inbound=m.direction is Direction.INBOUND)
    record_contacts(conn, workspace_id=channel.workspace_id, contacts=contacts, now=now)

    result.stored = len(new)
    result.conversations_opened = len(opened)
    result.conversations_merged = len(merged)
    result.conversations_reopened = len(reopened)
    workspace_id = channel.workspace_id
    sent: list[events.Event] = [events.ConversationOpened(workspace_id, s["id"]) for s in opened]
    sent.extend(events.ConversationsMerged(workspace_id, source, target) for source, target in merged)
    sent.extend(events.ConversationReopened(workspace_id, s["id"]) for s in reopened)
    sent.append(
        events.MessagesStored(workspace_id, channel.id, tuple(message_ids), tuple(sorted(set(conversation_ids))))
    )
    return sent


def _place(
    conn: Connection, channel: ChannelRef, new: list[NormalisedMessage]
) -> tuple[list[ThreadPlace], list[dict[str, Any]]]:
    """Each message's place and conversation state: stored conversations are loaded, new ones started (with
    no id yet); messages of one conversation share one state dict."""
    stored: dict[str, Stored] = {}
    rows = select_in(
        conn,
        _M,
        ("native_id", "conversation_id", "direction", "parent_native_id"),
        where={"channel_id": channel.id},
        column="native_id",
        values=ids_to_look_up(new),
    )
    for native_id, conversation_id, direction, parent_native_id in rows:
        own = direction == Direction.OUTBOUND.value and parent_native_id is None
        stored[native_id] = Stored(conversation_id, own_post=own)
    places = plan_threads(new, stored, account_id=channel.account_id)
    by_key = convs.load_by_keys(conn, channel.id, [p.key for p in places if p.key is not None])
    by_id = convs.load_by_ids(conn, [p.conversation_id for p in places if p.conversation_id is not None])
    for m, place in zip(new, places, strict=True):
        if place.key is not None and place.key not in by_key:
            by_key[place.key] = convs.new_state(place.key, opened_at=m.created_at)
    states = [by_id[p.conversation_id] if p.conversation_id is not None else by_key[p.key] for p in places]  # type: ignore[index]
    return places, states


def _counterparts(
    conn: Connection,
    channel_id: int,
    new: list[NormalisedMessage],
    authors: list[tuple[int, int | None]],
    conversation_people: list[int | None],
) -> list[int | None]:
    """The person each message is contact with: its author when inbound; for the brand's messages, the
    author of the message answered, else the private conversation's person; nobody for the brand's own posts.
    """
    person_by_native = {m.native.id: authors[i][1] for i, m in enumerate(new)}
    wanted = sorted(
        {
            m.thread.parent.id
            for m in new
            if m.direction is Direction.OUTBOUND and m.thread.parent and m.thread.parent.id not in person_by_native
        }
    )
    for chunk in chunks(wanted):
        person_by_native.update(
            conn.execute(
                select(_M.c.native_id, _I.c.person_id)
                .join(_I, _I.c.id == _M.c.identity_id)
                .where(_M.c.channel_id == channel_id, _M.c.native_id.in_(chunk))
            )
            .tuples()
            .all()
        )
    people: list[int | None] = []
    for i, m in enumerate(new):
        if m.direction is Direction.INBOUND:
            people.append(authors[i][1])
        elif m.thread.parent is not None and person_by_native.get(m.thread.parent.id) is not None:
            people.append(person_by_native[m.thread.parent.id])
        elif m.is_private:
            people.append(conversation_people[i])
        else:
            people.append(None)
    return people


def _merge_provisional(
    conn: Connection,
    channel: ChannelRef,
    new: list[NormalisedMessage],
    places: list[ThreadPlace],
    states: list[dict[str, Any]],
) -> list[tuple[int, int]]:
    """Merge provisional threads that messages of this batch complete (see threads.py); (source, target) ids."""
    wanted = provisional_keys(new, places)
    if not wanted:
        return []
    merged = []
    targets = []
    for key, provisional in convs.load_by_keys(conn, channel.id, list(wanted)).items():
        target = states[wanted[key]]
        if provisional["id"] == target["id"]:
            continue
        convs.merge_into(conn, provisional, target)
        merged.append((provisional["id"], target["id"]))
        targets.append(target)
    convs.write_states(conn, list({id(t): t for t in targets}.values()))
    return merged
