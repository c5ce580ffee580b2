"""The right to be forgotten: every trace of the person goes, other people's words stay (with mentions of
them redacted), and neither a re-import nor new deliveries bring them back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, insert, select

from goodwill import events
from goodwill.actions.conversations import do_add_note
from goodwill.actions.policy import do_add_vip
from goodwill.actions.privacy import do_forget_person
from goodwill.actions.workspaces import NotFound, access_workspace
from goodwill.connectors.files.importer import import_file
from goodwill.store import Store
from goodwill.store.backup import table_counts
from goodwill.store.tables import AuditEntry, Conversation, Identity, Message, Person
from tests.cli import goodwill
from tests.conftest import TESTER, shared_file
from tests.safety.world import BOB, BOB_NAME, WORLD, line, traces, write


def _import(store: Store, path: Path):
    return import_file(store, workspace="acme", fmt="jsonl", path=path, acting=TESTER).result


def _person(store: Store, handle: str) -> int:
    with store.reader() as session:
        return int(session.scalar(select(Identity.person_id).where(Identity.handle == handle)))  # type: ignore[arg-type]


def _forget(store: Store, person_id: int, metadata: MetaData | None = None):
    with store.session() as session:
        return do_forget_person(session, access_workspace(session, "acme"), person_id, acting=TESTER, metadata=metadata)


def _texts(store: Store) -> dict[str, str]:
    with store.reader() as session:
        return dict(session.execute(select(Message.native_id, Message.text)).tuples().all())


def test_forgetting_removes_every_trace_and_a_reimport_does_not_bring_them_back(
    store: Store, workspace: str, tmp_path: Path
) -> None:
    world = write(tmp_path / "world.jsonl", WORLD)
    assert _import(store, world).stored == 9
    bob, carol = _person(store, BOB), _person(store, "carol_reads")
    with store.session() as session:
        ws = access_workspace(session, workspace)
        kept = session.scalar(select(Message.conversation_id).where(Message.native_id == "m7"))
        do_add_note(session, session.get(Conversation, kept), f"@{BOB} answered this one for us", acting=TESTER)  # type: ignore[arg-type]
        do_add_vip(session, ws, session.get(Person, bob), list_name="press", acting=TESTER)  # type: ignore[arg-type]
    assert traces(store, BOB) and traces(store, BOB_NAME)

    heard: list[events.Event] = []
    unsubscribe = events.subscribe(events.PersonForgotten, heard.append)
    try:
        result = _forget(store, bob)
    finally:
        unsubscribe()
    with store.reader() as session:
        assert heard == [events.PersonForgotten(access_workspace(session, workspace).id, bob)]

    assert traces(store, BOB) == {} and traces(store, BOB_NAME) == {} and traces(store, "12 Elm St") == {}
    texts = _texts(store)
    assert sorted(texts) == ["m3", "m4", "m7"]  # his messages, and everything below them in a reply tree
    assert texts["m3"] == "@acme @[forgotten] is right, same here."  # Carol's words stay, the mention goes
    assert result.deleted["person"] == 1 and result.deleted["identity"] == 1 and result.deleted["message"] == 6
    assert result.deleted["vip_entry"] == 1 and result.deleted["relationship"] == 1
    assert result.conversations_kept == 1
    with store.reader() as session:
        conversation = session.get(Conversation, kept)
        assert conversation is not None and conversation.person_id == carol and conversation.message_count == 1
        assert session.scalar(select(func.count()).select_from(Person)) == 1
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person.forget")).one()
        assert entry.object_id == str(bob) and entry.data["deleted"]["message"] == 6

    before = table_counts(store.engine)
    again = _import(store, world)
    assert (again.stored, again.forgotten, again.duplicates) == (0, 6, 3)
    later = write(
        tmp_path / "later.jsonl",
        [
            line("m10", "in", "100", "@acme hello again", 20),  # him, from his account: dropped
            line("m11", "out", "1", f"@{BOB} welcome back", 21, parent_id="m1"),  # an answer to his: dropped
            line("m12", "in", "200", f"@acme ask @{BOB}, he knows", 22),  # Carol: kept, redacted
        ],
    )
    first = _import(store, later)
    assert (first.stored, first.forgotten) == (1, 2)
    assert table_counts(store.engine)["person"] == before["person"]
    assert _texts(store)["m12"] == "@acme ask @[forgotten], he knows"
    assert traces(store, BOB) == {} and traces(store, BOB_NAME) == {}


def test_forgetting_a_person_of_the_real_customer_care_threads(store: Store, imported: str, tmp_path: Path) -> None:
    with store.reader() as session:
        person, handle, count = session.execute(
            select(Identity.person_id, Identity.handle, func.count())
            .join(Message, Message.identity_id == Identity.id)
            .where(Identity.person_id.is_not(None))
            .group_by(Identity.person_id, Identity.handle)
            .order_by(func.count().desc(), Identity.handle)
            .limit(1)
        ).one()
    assert count >= 3 and traces(store, handle)
    before = table_counts(store.engine)
    result = _forget(store, person)
    after = table_counts(store.engine)
    assert traces(store, handle) == {}
    assert before["person"] - after["person"] == 1 and before["message"] - after["message"] == result.deleted["message"]
    path = shared_file("data/customer-care/ibm_dev.json")
    reimport = import_file(store, workspace=imported, fmt="ibm-customer-care", path=path, acting=TESTER).result
    assert reimport.stored == 0 and reimport.forgotten == result.deleted["message"]
    assert table_counts(store.engine) == after
    assert traces(store, handle) == {}


def test_tables_added_later_are_covered_by_walking_the_schema(
    store: Store, workspace: str, tmp_path: Path, wider: MetaData
) -> None:
    _import(store, write(tmp_path / "world.jsonl", WORLD))
    bob, carol = _person(store, BOB), _person(store, "carol_reads")
    note, tag = wider.tables["fan_note"], wider.tables["fan_note_tag"]
    with store.engine.begin() as conn:
        for person, body in ((bob, "met at the fair"), (carol, f"friend of @{BOB}")):
            note_id = conn.execute(insert(note).values(person_id=person, body=body)).inserted_primary_key[0]  # type: ignore[index]
            conn.execute(insert(tag).values(note_id=note_id, tag="fair"))
    result = _forget(store, bob, metadata=wider)
    assert result.deleted["fan_note"] == 1 and result.deleted["fan_note_tag"] == 1
    assert result.redacted["fan_note"] == 1
    with store.engine.connect() as conn:
        assert conn.execute(select(note.c.body)).scalars().all() == ["friend of @[forgotten]"]
    assert traces(store, BOB) == {}


def test_forgetting_nobody_or_someone_elsewhere_is_refused(store: Store, workspace: str) -> None:
    with pytest.raises(NotFound, match="no person 999"):
        _forget(store, 999)


def _small_world(url: str, tmp_path: Path) -> Store:
    """The test world in a SQLite file, set up through the library (the command under test runs as a user
    runs it; starting `goodwill` only to set up would cost seconds each)."""
    from goodwill.actions import do_create_workspace

    store = Store(url)
    store.migrate()
    with store.session() as session:
        do_create_workspace(session, slug="acme", name="Acme", acting=TESTER)
    _import(store, write(tmp_path / "w.jsonl", WORLD))
    return store


def test_the_forget_command_previews_without_yes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    store = _small_world(db, tmp_path)
    bob = _person(store, BOB)
    preview = goodwill(tmp_path, "forget", str(bob), "-d", db, "-w", "acme")
    assert "Would delete" in preview.stdout and "--yes" in preview.stdout and traces(store, BOB)
    done = goodwill(tmp_path, "forget", str(bob), "--yes", "-d", db, "-w", "acme", "--json")
    assert '"done": true' in done.stdout and traces(store, BOB) == {}
    missing = goodwill(tmp_path, "forget", "999", "--yes", "-d", db, "-w", "acme", ok=False)
    assert missing.returncode == 1 and "no person 999" in missing.stderr
    store.dispose()
