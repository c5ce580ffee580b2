from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from goodwill import events
from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.domain import InvalidMessage, Network, NormalisedMessage
from goodwill.ingest import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.db import StoreError
from goodwill.store.tables import (
    Activity,
    Conversation,
    ConversationLock,
    ConversationTag,
    Identity,
    Message,
    Person,
    Relationship,
    Teammate,
    Triage,
)
from tests.conftest import TESTER
from tests.factories import msg


@pytest.fixture
def channel(store: Store, workspace: str) -> ChannelRef:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        return ChannelRef.of(
            do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="acme", acting=TESTER)
        )


def count(store: Store, model: type) -> int:
    with store.reader() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def conversation_of(store: Store, native_id: str) -> int:
    with store.reader() as session:
        return session.scalar(select(Message.conversation_id).where(Message.native_id == native_id))


def test_reingesting_the_same_messages_is_a_no_op(store: Store, channel: ChannelRef) -> None:
    batch = [msg("1", text="my order is late"), msg("2", parent="1", out=True, minutes=5), msg("1")]
    first = ingest(store, channel, batch)
    assert (first.received, first.stored, first.duplicates) == (3, 2, 1)
    again = ingest(store, channel, batch)
    assert (again.stored, again.duplicates, again.conversations_opened, again.people_created) == (0, 3, 0, 0)
    assert count(store, Message) == 2
    assert count(store, Conversation) == 1


def test_one_author_is_one_identity_and_person_and_the_brand_has_no_person(store: Store, channel: ChannelRef) -> None:
    ingest(
        store,
        channel,
        [
            msg("1", author="ann", followers=10),
            msg("2", author="ann", minutes=3, followers=12),
            msg("3", out=True, parent="2", minutes=4),
        ],
    )
    ingest(store, channel, [msg("4", author="ann", minutes=60)])
    with store.reader() as session:
        identities = session.execute(
            select(Identity.native_id, Identity.person_id, Identity.followers, Identity.is_self).order_by(
                Identity.native_id
            )
        ).all()
    assert [(i.native_id, i.person_id is None, i.followers, i.is_self) for i in identities] == [
        ("ann", False, 12, False),
        ("brand", True, None, True),
    ]
    assert count(store, Person) == 1


def test_a_public_thread_is_one_conversation_and_a_dm_another(store: Store, channel: ChannelRef) -> None:
    ingest(
        store,
        channel,
        [
            msg("1", text="is the shop open on sunday?"),
            msg("2", parent="1", out=True, minutes=2),
            msg("3", parent="2", minutes=3),
            msg("d1", dm="dm-7", text="here is my order number", minutes=4),
            msg("d2", dm="dm-7", out=True, minutes=6),
        ],
    )
    assert conversation_of(store, "1") == conversation_of(store, "3")
    assert conversation_of(store, "d1") == conversation_of(store, "d2") != conversation_of(store, "1")
    with store.reader() as session:
        kinds = sorted(session.scalars(select(Conversation.kind)))
    assert kinds == ["direct", "thread"]


def test_x_replies_join_their_root_before_the_root_arrives(store: Store, channel: ChannelRef) -> None:
    ingest(store, channel, [msg("12", root="10", parent="11", minutes=2)])
    ingest(store, channel, [msg("11", root="10", parent="10", minutes=1)])
    ingest(store, channel, [msg("10", minutes=0)])
    assert conversation_of(store, "10") == conversation_of(store, "11") == conversation_of(store, "12")
    assert count(store, Conversation) == 1


@pytest.mark.parametrize(("order", "merges"), [("cba", 1), ("cab", 1), ("bca", 0), ("abc", 0)])
def test_a_reply_whose_parent_is_unknown_lands_and_is_relinked_later(
    store: Store, channel: ChannelRef, order: str, merges: int
) -> None:
    chain = {
        "a": msg("a", minutes=0, text="where is my parcel?"),
        "b": msg("b", parent="a", out=True, minutes=5),
        "c": msg("c", parent="b", minutes=9, text="still nothing"),
    }
    seen = []
    unsubscribe = events.subscribe(events.ConversationsMerged, seen.append)
    try:
        for native_id in order:  # one batch each: the worst case
            ingest(store, channel, [chain[native_id]])
    finally:
        unsubscribe()
    assert conversation_of(store, "a") == conversation_of(store, "b") == conversation_of(store, "c")
    with store.reader() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.message_count == 3
    assert conversation.first_inbound_at == chain["a"].created_at
    assert conversation.last_inbound_at == chain["c"].created_at
    assert conversation.last_outbound_at == chain["b"].created_at
    assert conversation.needs_reply is True  # "still nothing" came after the brand's answer
    assert len(seen) == merges  # a provisional thread keyed by the root needs no merge: the root joins it


def test_needs_reply_follows_who_spoke_last(store: Store, channel: ChannelRef) -> None:
    ingest(store, channel, [msg("1", text="this is the worst service, still waiting for my refund")])
    with store.reader() as session:
        conv = session.scalars(select(Conversation)).one()
        assert conv.needs_reply and conv.priority > 0
    ingest(store, channel, [msg("2", parent="1", out=True, minutes=30)])
    with store.reader() as session:
        conv = session.scalars(select(Conversation)).one()
        assert (conv.needs_reply, conv.priority) == (False, 0)
        assert conv.first_response_at == msg("2", minutes=30).created_at


def test_a_resolved_conversation_reopens_on_a_new_inbound_message(store: Store, channel: ChannelRef) -> None:
    ingest(store, channel, [msg("1", text="my order is broken")])
    with store.session() as session:
        conv = session.scalars(select(Conversation)).one()
        conv.status = "resolved"
    reopened = []
    unsubscribe = events.subscribe(events.ConversationReopened, reopened.append)
    try:
        result = ingest(store, channel, [msg("2", parent="1", minutes=60, text="still broken")])
    finally:
        unsubscribe()
    assert result.conversations_reopened == 1 and len(reopened) == 1
    with store.reader() as session:
        assert session.scalars(select(Conversation.status)).one() == "open"


def test_triage_labels_every_inbound_message_and_only_those(store: Store, channel: ChannelRef) -> None:
    ingest(store, channel, [msg("1", text="thanks, you are great"), msg("2", parent="1", out=True, minutes=1)])
    with store.reader() as session:
        rows = session.execute(select(Message.native_id, Triage.intent).join(Triage)).all()
    assert [r.native_id for r in rows] == ["1"]


def test_relationship_counts_both_directions(store: Store, channel: ChannelRef) -> None:
    ingest(
        store,
        channel,
        [
            msg("1", author="bob"),
            msg("2", parent="1", out=True, minutes=1),
            msg("3", parent="2", author="bob", minutes=2),
        ],
    )
    with store.reader() as session:
        rel = session.scalars(select(Relationship)).one()
    assert (rel.inbound_count, rel.outbound_count, rel.stage) == (2, 1, "conversing")


def test_a_message_breaking_the_contract_writes_nothing_from_its_batch(store: Store, channel: ChannelRef) -> None:
    bad = msg("2", minutes=1)
    bad.created_at = bad.created_at.replace(tzinfo=None)
    with pytest.raises(InvalidMessage, match="created_at"):
        ingest(store, channel, [msg("1"), bad])
    assert count(store, Message) == 0
    assert count(store, Person) == 0


def test_events_are_sent_after_commit_only(store: Store, channel: ChannelRef) -> None:
    stored = []

    def check(event: events.Event) -> None:
        assert isinstance(event, events.MessagesStored)
        assert count(store, Message) == len(event.message_ids)  # visible from another connection: committed
        stored.append(event)

    unsubscribe = events.subscribe(events.MessagesStored, check)
    try:
        ingest(store, channel, [msg("1"), msg("2", parent="1", minutes=1)])
        ingest(store, channel, [msg("1")])  # nothing new: no event
    finally:
        unsubscribe()
    assert len(stored) == 1 and len(stored[0].message_ids) == 2


def test_the_brands_messages_count_as_contact_with_the_person_answered(store: Store, channel: ChannelRef) -> None:
    ingest(
        store,
        channel,
        [
            msg("post", out=True, text="New beans in store!"),  # our own post: contact with nobody
            msg("a1", author="ann", parent="post", minutes=5, text="love these"),
            msg("b1", author="bob", parent="post", minutes=6, text="are they decaf?"),
            msg("r1", out=True, parent="b1", minutes=9, text="They are not, Bob"),
            msg("d1", author="cat", dm="dm-cat", minutes=10),
            msg("d2", out=True, dm="dm-cat", minutes=11),
        ],
    )
    ingest(store, channel, [msg("r2", out=True, parent="a1", minutes=60, text="Thanks Ann!")])  # parent stored
    with store.reader() as session:
        rows = session.execute(
            select(Identity.handle, Relationship.inbound_count, Relationship.outbound_count)
            .join(Relationship, Relationship.person_id == Identity.person_id)
            .order_by(Identity.handle)
        ).all()
    assert [tuple(r) for r in rows] == [("ann", 1, 1), ("bob", 1, 1), ("cat", 1, 1)]


def test_identity_profile_follows_the_newest_message(store: Store, channel: ChannelRef) -> None:
    newer, older = msg("2", author="ann", minutes=10, followers=20), msg("1", author="ann", followers=10)
    newer.author.raw = {"url": "https://ann.example", "bio": "coffee person"}
    ingest(store, channel, [newer])
    ingest(store, channel, [older])  # arrives late, carries an older profile: ignored
    with store.reader() as session:
        identity = session.scalars(select(Identity).where(Identity.native_id == "ann")).one()
        person = session.get(Person, identity.person_id)
    assert (identity.followers, identity.profile) == (20, {"url": "https://ann.example", "bio": "coffee person"})
    assert person.created_at == newer.created_at  # the first message the person was seen in


def test_triage_alongside_stores_the_same_labels_as_triage_in_process(tmp_path) -> None:
    from goodwill.actions import do_create_workspace

    texts = ["my order never came, this is the worst", "thanks, love the new blend!", "do you ship to Canada?"]
    labels = []
    for background in (False, True):
        s = Store(f"sqlite:///{tmp_path / f'{background}.db'}")
        s.migrate()
        with s.session() as session:
            ws = do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
            ref = ChannelRef.of(do_ensure_channel(session, ws, network=Network.X, account_id="brand", acting=TESTER))
        batch = [msg(str(i), text=texts[i % 3], minutes=i) for i in range(30)] + [msg("o", out=True, parent="1")]
        ingest(s, ref, batch, batch_size=7, background_triage=background)
        with s.reader() as session:
            labels.append(
                session.execute(
                    select(Message.native_id, *(c for c in Triage.__table__.c if c.name not in ("id", "message_id")))
                    .join(Triage)
                    .order_by(Message.native_id)
                ).all()
            )
        s.dispose()
    assert len(labels[0]) == 30 and labels[0] == labels[1]


def test_each_comment_on_a_brand_post_is_a_conversation_so_answering_one_hides_no_other(
    store: Store, channel: ChannelRef
) -> None:
    ingest(store, channel, [msg("post", out=True, text="New beans in store!")])
    ingest(
        store,
        channel,
        [
            msg("a", author="ann", parent="post", minutes=1, text="is the decaf back?"),
            msg("b", author="bob", parent="post", minutes=2, text="my last bag was stale, not happy"),
            msg("c", author="cat", parent="post", minutes=3, text="where do you ship?"),
        ],
    )
    ingest(store, channel, [msg("r", out=True, parent="b", minutes=9, text="So sorry Bob, DMing you")])
    ingest(store, channel, [msg("b2", author="bob", parent="r", minutes=12, text="thanks!")])
    conversations = {n: conversation_of(store, n) for n in ("post", "a", "b", "c", "r", "b2")}
    assert len({conversations[n] for n in ("post", "a", "b", "c")}) == 4
    assert conversations["r"] == conversations["b"] == conversations["b2"]
    with store.reader() as session:
        waiting = set(session.scalars(select(Conversation.id).where(Conversation.needs_reply.is_(True))))
    assert {conversations["a"], conversations["c"]} <= waiting and conversations["post"] not in waiting


def test_a_reply_naming_a_brand_post_as_root_and_parent_branches_before_the_post_arrives(
    store: Store, channel: ChannelRef
) -> None:
    first = msg("x1", author="ann", root="p", parent="p", minutes=1)
    second = msg("x2", author="bob", root="p", parent="p", minutes=2)
    deeper = msg("x3", author="cat", root="p", parent="x2", minutes=3)
    for m in (first, second):
        m.thread.parent_author_id = "brand"  # the platform says the brand wrote the parent (X in_reply_to_user_id)
    ingest(store, channel, [first, second])
    ingest(store, channel, [deeper])  # follows the comment it answers, not the post named as root
    assert conversation_of(store, "x1") != conversation_of(store, "x2") == conversation_of(store, "x3")
    ingest(store, channel, [msg("p", out=True, text="Spring roast is out")])
    assert conversation_of(store, "p") not in {conversation_of(store, "x1"), conversation_of(store, "x2")}


def test_labels_cross_from_the_triage_worker_unchanged() -> None:
    from goodwill import triage
    from goodwill.ingest.background import unpack
    from goodwill.triage.worker import classify_packed, pack

    texts = ["my order never came, this is the worst", "thanks!", "", "¿envían a México?"]
    results = triage.classify(texts)
    assert [unpack(pack(r)) for r in results] == results
    assert [unpack(p) for p in pickle.loads(classify_packed(texts, {}))] == results  # what the worker sends


def test_with_triage_alongside_the_first_batch_is_small_so_labels_come_soon() -> None:
    from itertools import islice, pairwise

    from goodwill.ingest.pipeline import FIRST_BATCH, RAMP, batch_sizes

    ramp = list(islice(batch_sizes(20_000, True), 12))
    assert ramp[0] == FIRST_BATCH and ramp[-3:] == [20_000] * 3  # small first, then growing to the batch size
    assert all(b > a and b <= a * RAMP + 1 for a, b in pairwise(ramp) if b < 20_000)
    assert list(islice(batch_sizes(20_000, False), 2)) == [20_000, 20_000]
    assert list(islice(batch_sizes(500, True), 2)) == [500, 500]


def test_the_worker_starts_without_the_parents_main_script_and_main_comes_back() -> None:
    import sys

    from goodwill.ingest.background import _bare_main

    main = sys.modules["__main__"]
    with pytest.raises(RuntimeError), _bare_main():
        assert not hasattr(sys.modules["__main__"], "__file__")  # what spawn would run again in the worker
        raise RuntimeError("the worker failed to start")
    assert sys.modules["__main__"] is main


def test_the_same_account_id_in_two_scopes_is_two_identities_found_again_by_scope(
    store: Store, channel: ChannelRef
) -> None:
    def scoped(native_id: str, scope: str, minutes: float) -> NormalisedMessage:
        m = msg(native_id, author="42", minutes=minutes, handle=f"42@{scope}")
        m.author.id_scope = f"server:{scope}"
        return m

    ingest(store, channel, [scoped("a", "one.example", 0), scoped("b", "two.example", 1)])
    ingest(store, channel, [scoped("c", "two.example", 2), scoped("d", "one.example", 3)])
    with store.reader() as session:
        rows = session.execute(
            select(Message.native_id, Identity.id_scope, Identity.handle).join(Identity).order_by(Message.native_id)
        ).all()
        identities = session.scalar(select(func.count()).select_from(Identity).where(Identity.native_id == "42"))
    assert identities == 2
    assert [(n, scope) for n, scope, _h in rows] == [
        ("a", "server:one.example"),
        ("b", "server:two.example"),
        ("c", "server:two.example"),
        ("d", "server:one.example"),
    ]
    assert {scope: handle for _n, scope, handle in rows} == {
        "server:one.example": "42@one.example",
        "server:two.example": "42@two.example",
    }


def test_a_merged_provisional_thread_hands_its_tags_notes_and_lock_to_the_thread_it_joins(
    store: Store, channel: ChannelRef
) -> None:
    """Ingest writes with SQLite's foreign key checks off (store.db.trust_foreign_keys), so the merge moves
    what refers to the provisional conversation instead of leaving it to a cascade: nothing lost, no orphan."""
    ingest(store, channel, [msg("c", parent="b", minutes=9, text="still nothing")])
    ingest(store, channel, [msg("a", minutes=0, text="where is my parcel?")])
    provisional, target = conversation_of(store, "c"), conversation_of(store, "a")
    assert provisional != target
    now = datetime.now(UTC)
    with store.session() as session:
        ws = access_workspace(session, "acme")
        mate = Teammate(workspace_id=ws.id, email="sam@acme.test", name="Sam", role="agent", created_at=now)
        session.add(mate)
        session.flush()
        session.add_all(
            [
                ConversationTag(conversation_id=provisional, tag="late"),
                ConversationTag(conversation_id=provisional, tag="refund"),
                ConversationTag(conversation_id=target, tag="late"),
                Activity(
                    workspace_id=ws.id, conversation_id=provisional, kind="note", actor_label="Sam", created_at=now
                ),
                ConversationLock(conversation_id=provisional, teammate_id=mate.id, acquired_at=now, expires_at=now),
            ]
        )
    ingest(store, channel, [msg("b", parent="a", out=True, minutes=5)])
    assert conversation_of(store, "c") == target
    with store.reader() as session:
        assert session.scalars(select(Conversation.id)).all() == [target]
        tags = session.scalars(select(ConversationTag.tag).where(ConversationTag.conversation_id == target))
        assert sorted(tags) == ["late", "refund"]
        assert session.scalars(select(Activity.conversation_id)).all() == [target]
        assert session.scalars(select(ConversationLock.conversation_id)).all() == [target]
        if store.engine.dialect.name == "sqlite":
            assert session.execute(text("PRAGMA foreign_key_check")).all() == []
            assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again for everyone else


def test_a_batch_for_a_channel_deleted_meanwhile_is_refused_and_writes_nothing(
    store: Store, channel: ChannelRef
) -> None:
    gone = ChannelRef(channel.id + 1000, channel.workspace_id, channel.network, channel.account_id)
    with pytest.raises(StoreError, match="no longer exists"):
        ingest(store, gone, [msg("1", text="hello?")])
    assert count(store, Message) == count(store, Person) == count(store, Conversation) == 0
