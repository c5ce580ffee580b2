"""Merges by hand and their exact undo, the team's data on a person, permissions, the update after each new
message (equal to a full recompute), nudges and their decisions, and LinkedIn connections."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.audit import Acting
from goodwill.actions.nudges import access_nudge_by_id, do_refresh_nudges, do_set_nudge_status
from goodwill.actions.people import access_person_by_id, do_merge_people, do_recompute_relationships, do_unmerge
from goodwill.actions.person_notes import do_add_person_note, do_label_person, do_set_person_field
from goodwill.actions.team import do_add_teammate
from goodwill.connectors.archives.common import ArchiveError
from goodwill.connectors.files.importer import import_file
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.ingest import ChannelRef, ingest
from goodwill.relationships import person_view
from goodwill.relationships.connections import connection_nudges, do_import_connections, linkedin_connections
from goodwill.relationships.state import compute
from goodwill.relationships.updates import install
from goodwill.store import Store
from goodwill.store.tables import AuditEntry, Identity, Person, Relationship
from goodwill.store.tables_relationships import Nudge, PersonMerge, RelationshipDetail
from tests.conftest import TESTER
from tests.connectors.test_archives_more import linkedin_export
from tests.factories import T0, msg


def _channel(store: Store, workspace: str, network: Network, account: str) -> ChannelRef:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        return ChannelRef.of(
            do_ensure_channel(session, ws, network=network, account_id=account, handle=account, acting=TESTER)
        )


def _person_of(store: Store, native_id: str) -> int:
    with store.reader() as session:
        person = session.scalar(select(Identity.person_id).where(Identity.native_id == native_id))
        assert person is not None
        return person


@pytest.fixture
def two_networks(store: Store, workspace: str) -> tuple[ChannelRef, ChannelRef]:
    x = _channel(store, workspace, Network.X, "brand")
    bsky = _channel(store, workspace, Network.BLUESKY, "did:plc:brand")
    ingest(store, x, [msg("x1", text="Your cold brew is the best in town, I tell everyone to go", author="dana")])
    ingest(store, x, [msg("x2", text="Thanks Dana!", parent="x1", root="x1", out=True, minutes=30)])
    ingest(
        store,
        bsky,
        [
            msg(
                "b1",
                text="My order never arrived and nobody answers",
                author="did:plc:dana",
                network=Network.BLUESKY,
                minutes=60,
            )
        ],
    )
    return x, bsky


def test_a_merge_moves_everything_and_an_unmerge_after_new_messages_recomputes(
    store: Store, workspace: str, two_networks: tuple[ChannelRef, ChannelRef]
) -> None:
    _x, bsky = two_networks
    dana_x, dana_b = _person_of(store, "dana"), _person_of(store, "did:plc:dana")
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_recompute_relationships(session, ws, acting=TESTER, now=T0 + timedelta(days=1))
        kept, other = access_person_by_id(session, ws, dana_x), access_person_by_id(session, ws, dana_b)
        do_set_person_field(session, ws, other, "plan", "subscriber", acting=TESTER)
        do_set_person_field(session, ws, kept, "plan", "kept wins", acting=TESTER)
        do_label_person(session, ws, other, "coffee-nerd", acting=TESTER)
        record = do_merge_people(session, ws, kept, other, acting=TESTER, now=T0 + timedelta(days=1))
        assert kept.fields == {"plan": "kept wins"} and kept.labels == ["coffee-nerd"]
        with pytest.raises(ValueError, match="already merged"):
            do_merge_people(session, ws, other, kept, acting=TESTER)
        with pytest.raises(ValueError, match="themselves"):
            do_merge_people(session, ws, kept, kept, acting=TESTER)
        merge_id = record.id
        view = person_view(session, ws, dana_x)
        assert {i["network"] for i in view.identities} == {"x", "bluesky"}
        assert view.relationship and view.relationship["inbound"] == 2 and view.relationship["complaints"] == 1
        assert [t.network for t in view.timeline if t.type == "message"] == ["x", "x", "bluesky"]
    # a new message on the merged identity lands on the kept person; the undo then recomputes both
    ingest(store, bsky, [msg("b2", text="Still waiting!!", author="did:plc:dana", network=Network.BLUESKY, minutes=90)])
    assert _person_of(store, "did:plc:dana") == dana_x
    with store.session() as session:
        ws = access_workspace(session, workspace)
        back = do_unmerge(session, ws, session.get_one(PersonMerge, merge_id), acting=TESTER)
        assert back.id == dana_b and back.labels == ["coffee-nerd"] and back.fields == {"plan": "subscriber"}
        with pytest.raises(ValueError, match="already undone"):
            do_unmerge(session, ws, session.get_one(PersonMerge, merge_id), acting=TESTER)
    assert _person_of(store, "did:plc:dana") == dana_b and _person_of(store, "dana") == dana_x
    with store.reader() as session:
        rels = {r.person_id: r for r in session.scalars(select(Relationship))}
        assert rels[dana_b].stage == "aware" and rels[dana_x].stage in ("conversing", "advocate")
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "person")))
        assert {"person.merge", "person.unmerge", "person.field", "person.label"} <= set(actions)
        assert session.get_one(Person, dana_x).labels == []


def test_viewers_cannot_merge_or_annotate(store: Store, workspace: str, two_networks: tuple[object, object]) -> None:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        viewer = do_add_teammate(session, ws, email="v@acme.test", name="Vi", role=Role.VIEWER, acting=TESTER)
        acting = Acting(viewer.email, viewer.id)
        a = access_person_by_id(session, ws, _person_of(store, "dana"))
        b = access_person_by_id(session, ws, _person_of(store, "did:plc:dana"))
        with pytest.raises(PermissionError):
            do_merge_people(session, ws, a, b, acting=acting)
        with pytest.raises(PermissionError):
            do_add_person_note(session, ws, a, "hello", acting=acting)
        with pytest.raises(ValueError, match="field name"):
            do_set_person_field(session, ws, a, "1bad", "x", acting=TESTER)


def test_the_update_after_each_message_equals_a_full_recompute(store: Store, workspace: str) -> None:
    x = _channel(store, workspace, Network.X, "brand")
    uninstall = install(store)
    try:
        ingest(
            store, x, [msg(f"p{i}", text="Love it, best coffee ever", author=f"u{i % 3}", minutes=i) for i in range(9)]
        )
        ingest(store, x, [msg("r1", text="Thank you!", parent="p1", root="p1", out=True, minutes=20)])
        ingest(store, x, [msg("c1", text="My order arrived broken, so angry", author="u2", minutes=40)])
    finally:
        uninstall()
    with store.session() as session:
        stored = {
            r.person_id: (r.stage, r.health, r.is_advocate, r.at_risk) for r in session.scalars(select(Relationship))
        }
        when = max(r.updated_at for r in session.scalars(select(Relationship)))
        ws = access_workspace(session, workspace)
        full = {
            s.person_id: (s.stage, s.health, s.is_advocate, s.at_risk) for _, s in compute(session, ws.id, now=when)
        }
    assert len(stored) == 3 and set(stored) == set(full)
    with store.reader() as session:  # the explained rows are written only by the relationship update
        details = {d.person_id: d for d in session.scalars(select(RelationshipDetail))}
        assert set(details) == set(stored) and details[_person_of(store, "u2")].complaints == 1
    assert all(stored[p][:1] == full[p][:1] and stored[p][2:] == full[p][2:] for p in stored)


def test_nudges_are_stored_once_decided_by_teammates_and_follow_the_last_contact(store: Store, workspace: str) -> None:
    x = _channel(store, workspace, Network.X, "brand")
    ingest(store, x, [msg("p1", text="Best cold brew in town, thank you so much!", author="fan")])
    now = T0 + timedelta(days=1)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        first = do_refresh_nudges(session, ws, acting=TESTER, now=now)
        assert do_refresh_nudges(session, ws, acting=TESTER, now=now).created == 0  # idempotent
        nudges = list(session.scalars(select(Nudge)))
        kinds = {n.kind for n in nudges}
        assert first.created == len(nudges) and {"thank", "welcome"} <= kinds
        thank = next(n for n in nudges if n.kind == "thank")
        assert "nobody thanked" in thank.why and thank.draft and "Thank" in thank.draft
        with pytest.raises(ValueError, match="future"):
            do_set_nudge_status(session, ws, thank, "snoozed", until=now - timedelta(hours=1), acting=TESTER, now=now)
        with pytest.raises(ValueError, match="status"):
            do_set_nudge_status(session, ws, thank, "later", acting=TESTER)
        assert do_set_nudge_status(
            session, ws, thank, "snoozed", until=now + timedelta(hours=2), acting=TESTER, now=now
        )
        thank_id = thank.id
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_refresh_nudges(session, ws, acting=TESTER, now=now + timedelta(hours=3))  # wakes up, still due
        thank = access_nudge_by_id(session, ws, thank_id)
        assert thank.status == "open"
        do_set_nudge_status(session, ws, thank, "done", acting=TESTER, now=now + timedelta(hours=3))
        do_refresh_nudges(session, ws, acting=TESTER, now=now + timedelta(hours=4))
        assert access_nudge_by_id(session, ws, thank_id).status == "done"  # a decision is kept
        audited = session.scalar(
            select(func.count()).where(AuditEntry.action.like("nudge.%"), AuditEntry.object_type == "nudge")
        )
        assert audited == 2
    # the welcome is answered by a real message: its nudge expires
    ingest(store, x, [msg("r1", text="Welcome, and thank you!", parent="p1", root="p1", out=True, minutes=60 * 26)])
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_refresh_nudges(session, ws, acting=TESTER, now=now + timedelta(hours=5))
        statuses = {n.kind: n.status for n in session.scalars(select(Nudge))}
        assert statuses["welcome"] == "expired"


def test_a_newcomer_who_complains_is_welcomed_by_an_answer_to_the_complaint(store: Store, workspace: str) -> None:
    x = _channel(store, workspace, Network.X, "brand")
    text = "@brand my order never arrived and nobody answers my emails, worst service ever"
    ingest(store, x, [msg("c1", text=text, author="newbie")])
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_refresh_nudges(session, ws, acting=TESTER, now=T0 + timedelta(hours=2))
        welcome = next(n for n in session.scalars(select(Nudge)) if n.kind == "welcome")
        # the greeting template ("thanks for saying hello") is blocked by the tone guard on a complaint
        assert welcome.draft and "saying hello" not in welcome.draft
        assert any(word in welcome.draft.lower() for word in ("sorry", "apolog"))


def test_stay_in_touch_restarts_from_the_last_real_contact(store: Store, workspace: str) -> None:
    x = _channel(store, workspace, Network.X, "brand")
    texts = ["Your espresso is the best, I recommend it to everyone", "Love the new roast, get the Harbour Blend!"]
    ingest(store, x, [msg(f"a{i}", text=texts[i % 2], author="ally", minutes=i * 60 * 24 * 3) for i in range(4)])
    ingest(store, x, [msg("o1", text="Thank you Ally!", parent="a0", root="a0", out=True, minutes=30)])
    later = T0 + timedelta(days=50)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_refresh_nudges(session, ws, acting=TESTER, now=later)
        reconnect = [n for n in session.scalars(select(Nudge)) if n.kind == "reconnect"]
        assert len(reconnect) == 1 and reconnect[0].key.endswith((T0 + timedelta(days=9)).strftime("%Y-%m-%d"))
        do_set_nudge_status(session, ws, reconnect[0], "done", acting=TESTER, now=later)
    ingest(store, x, [msg("o2", text="Hi Ally! Missed you", parent="a3", root="a3", out=True, minutes=60 * 24 * 50)])
    with store.session() as session:
        ws = access_workspace(session, workspace)
        do_refresh_nudges(session, ws, acting=TESTER, now=later + timedelta(days=10))
        assert [n.kind for n in session.scalars(select(Nudge).where(Nudge.status == "open"))].count("reconnect") == 0
        do_refresh_nudges(session, ws, acting=TESTER, now=later + timedelta(days=31))
        keys = sorted(n.key for n in session.scalars(select(Nudge).where(Nudge.kind == "reconnect")))
        assert len(keys) == 2 and keys[1].endswith(later.strftime("%Y-%m-%d"))  # the timer restarted from o2


def _classify(texts: object) -> list[object]:
    from goodwill.triage import classify

    return classify(texts)  # type: ignore[arg-type]


def test_linkedin_connections_never_messaged_most_promising_first(store: Store, workspace: str, tmp_path: Path) -> None:
    path = linkedin_export(tmp_path)
    import_file(store, workspace=workspace, fmt="linkedin-export", path=path, acting=TESTER)
    now = datetime(2024, 4, 10, tzinfo=UTC)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        imported = do_import_connections(session, ws, path, acting=TESTER, now=now)
        assert (imported.rows, imported.new_people) == (2, 1)  # Inês wrote already: her identity is reused
        assert do_import_connections(session, ws, path, acting=TESTER).new_people == 0
        found = linkedin_connections(session, ws, now=now)
        assert [c.name for c in found] == ["Marco Tavares", "Inês Carvalho"]  # a CTO with an e-mail, newer
        assert found[0].has_email and "CTO" in found[0].why and found[0].draft.startswith("Hi Marco,")
        assert [n.key for n in connection_nudges(found)] == [f"connect:{c.identity_id}" for c in found]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr(
            "Connections.csv", "First Name,Last Name,URL,Connected On\nAna,Lima,https://example.com/ana,05 Mar 2024\n"
        )
    with store.session() as session:
        ws = access_workspace(session, workspace)
        before = session.scalar(select(func.count()).select_from(Identity))
        with pytest.raises(ArchiveError, match="not a LinkedIn profile URL") as refused:
            do_import_connections(session, ws, bad, acting=TESTER)
        assert refused.value.where.endswith("bad.zip!Connections.csv") and refused.value.line == 2
        assert session.scalar(select(func.count()).select_from(Identity)) == before
