"""Triage with the store (SQLite and PostgreSQL): the authors' reach and relationship in the stored priority,
audited corrections and what follows from them, the workspace's own model in the pipeline, retraining."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, select

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.audit import Acting
from goodwill.actions.team import do_add_teammate
from goodwill.actions.triage import (
    access_message_by_id,
    corrections_of,
    do_correct_triage,
    do_set_triage_model,
    hold_back,
)
from goodwill.domain import Network
from goodwill.domain.enums import Role
from goodwill.ingest.pipeline import ChannelRef, ingest
from goodwill.store import Store
from goodwill.store.tables import AuditEntry, Conversation, Identity, Message, Person, Relationship, Triage
from goodwill.triage import classifier_for, classify
from goodwill.triage.workspace import forget_cached_models
from tests.conftest import TESTER
from tests.factories import msg
from tests.triage.minidata import write_minidata

COMPLAINT = "@acme my order never arrived, worst service ever, still waiting for a refund"


def _channel(store: Store, workspace: str) -> ChannelRef:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        return ChannelRef.of(do_ensure_channel(session, ws, network=Network.X, account_id="brand", acting=TESTER))


@contextmanager
def statements_of(store: Store) -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile, including those ingest sends straight to the driver
    (SQLite's trace callback; SQLAlchemy's cursor event elsewhere)."""
    statements: list[str] = []
    if store.engine.dialect.name == "sqlite":
        trace = lambda dbapi, *_: dbapi.set_trace_callback(statements.append)  # noqa: E731
        event.listen(store.engine, "checkout", trace)
        store.engine.dispose()  # pooled connections are checked out again, traced
        try:
            yield statements
        finally:
            event.remove(store.engine, "checkout", trace)
            store.engine.dispose()
        return
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(store.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", listen)


def _triage(store: Store, native_id: str) -> Triage:
    with store.reader() as session:
        mid = session.scalar(select(Message.id).where(Message.native_id == native_id))
        return session.get_one(Triage, mid)


def test_reach_and_relationship_raise_the_stored_priority_in_bulk(store: Store, workspace: str) -> None:
    channel = _channel(store, workspace)
    ingest(store, channel, [msg("m0", text=COMPLAINT, author="vip", followers=10)])
    with store.session() as session:  # make the author a VIP at risk
        person_id = session.scalar(select(Identity.person_id).where(Identity.native_id == "vip"))
        session.get_one(Person, person_id).is_vip = True
        session.execute(Relationship.__table__.update().where(Relationship.person_id == person_id).values(at_risk=True))
    with statements_of(store) as statements:
        ingest(
            store,
            channel,
            [msg(f"a{i}", text=COMPLAINT, author=f"fan{i}", followers=100_000) for i in range(20)]
            + [msg("m1", text=COMPLAINT, author="vip", followers=10), msg("q0", text=COMPLAINT, author="nobody")],
        )
    assert sum("vip_entry" in s for s in statements) == 1  # one lookup per batch, not one per message
    text_only = classify([COMPLAINT])[0].priority
    famous, vip, nobody = _triage(store, "a0"), _triage(store, "m1"), _triage(store, "q0")
    assert nobody.priority == text_only
    assert nobody.evidence["priority"] == {"text": text_only, "reach": 0.0, "relationship": 0.0}
    assert famous.priority == min(100, text_only + 15)
    assert famous.evidence["priority"]["reach"] == 15.0 and famous.evidence["priority"]["followers"] == 100_000
    assert vip.evidence["priority"]["relationship"] == 27.0 and vip.evidence["priority"]["vip"] is True
    assert vip.priority == min(100, round(text_only + 27 + 3 * 1.0413926851582251))
    assert "waited" not in vip.evidence["priority"]  # waiting is ranked by the inbox, never stored
    with store.reader() as session:
        conv = session.scalar(select(Conversation).join(Message).where(Message.native_id == "m1"))
        assert conv is not None and conv.priority == max(vip.priority, _triage(store, "m0").priority)


def test_reach_counts_the_followers_this_batch_stores(store: Store, workspace: str) -> None:
    """Ingest passes the followers it has just written (not a second read of the identities): a newer message
    in the batch updates them, an older one leaves the stored count."""
    channel = _channel(store, workspace)
    ingest(store, channel, [msg("f0", text=COMPLAINT, author="grower", followers=10, minutes=5)])
    with statements_of(store) as statements:
        ingest(
            store,
            channel,
            [
                msg("f1", text=COMPLAINT, author="grower", followers=100_000, minutes=10),
                msg("g1", text=COMPLAINT, author="shrinker", followers=100_000, minutes=10),
            ],
        )
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "followers" in s and "identity" in s]
    assert len(reads) == 1  # resolving the authors; the priority reuses what it read
    ingest(store, channel, [msg("g0", text=COMPLAINT, author="shrinker", followers=10, minutes=1)])
    text_only = classify([COMPLAINT])[0].priority
    assert _triage(store, "f1").evidence["priority"]["followers"] == 100_000
    assert _triage(store, "f1").priority == min(100, text_only + 15)
    assert _triage(store, "g0").evidence["priority"]["followers"] == 100_000  # older: the stored count stays


def _setup_correction(store: Store, workspace: str) -> tuple[int, int, int]:
    channel = _channel(store, workspace)
    ingest(store, channel, [msg("c1", text=COMPLAINT, author="ann")])
    with store.session() as session:
        ws = access_workspace(session, workspace)
        viewer = do_add_teammate(session, ws, email="v@acme.test", name="V", role=Role.VIEWER, acting=TESTER)
        agent = do_add_teammate(session, ws, email="a@acme.test", name="A", role=Role.AGENT, acting=TESTER)
        mid = session.scalar(select(Message.id).where(Message.native_id == "c1"))
        assert mid is not None
        return mid, viewer.id, agent.id


def test_a_correction_is_audited_with_the_text_and_moves_the_conversation(store: Store, workspace: str) -> None:
    mid, viewer_id, agent_id = _setup_correction(store, workspace)
    with store.session() as session:
        ws = access_workspace(session, workspace)
        message = access_message_by_id(session, ws, mid)
        with pytest.raises(PermissionError):
            do_correct_triage(session, ws, message, intent="praise", acting=Acting("v@acme.test", viewer_id))
        with pytest.raises(ValueError, match="intent 'thanks'"):
            do_correct_triage(session, ws, message, intent="thanks", acting=TESTER)
        with pytest.raises(ValueError, match="say what it is instead"):
            do_correct_triage(session, ws, message, complaint=False, acting=TESTER)
        with pytest.raises(ValueError, match="only a complaint has a severity"):
            do_correct_triage(session, ws, message, intent="praise", severity=3, acting=TESTER)
    before = _triage(store, "c1")
    assert before.intent == "complaint" and before.needs_reply
    with store.session() as session:
        ws = access_workspace(session, workspace)
        message = access_message_by_id(session, ws, mid)
        acting = Acting("a@acme.test", agent_id)
        assert do_correct_triage(session, ws, message, intent="chatter", sentiment="neutral", acting=acting)
        assert not do_correct_triage(session, ws, message, intent="chatter", acting=acting)  # idempotent
    after = _triage(store, "c1")
    assert (after.intent, after.complaint, after.severity, after.sentiment) == ("chatter", False, 0, "neutral")
    assert not after.needs_reply and after.corrected_by_id == agent_id and not after.low_confidence
    assert after.evidence["corrected"]["before"]["intent"] == "complaint"
    assert after.evidence["priority"]["text"] == after.priority
    with store.reader() as session:
        conv = session.scalar(select(Conversation).join(Message).where(Message.id == mid))
        assert conv is not None and (conv.intent, conv.needs_reply, conv.priority) == ("chatter", False, 0)
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "triage.correct")))
        assert len(entries) == 1 and entries[0].actor_id == agent_id
        data = entries[0].data
        assert data["text"] == COMPLAINT and data["set"] == {"intent": "chatter", "sentiment": "neutral"}
        assert data["before"]["intent"] == "complaint" and data["after"]["intent"] == "chatter"
        (correction,) = corrections_of(session, access_workspace(session, workspace))
        ex = correction.example
        assert (ex.text, ex.intent, ex.complaint, ex.sentiment, ex.severity) == (
            COMPLAINT,
            "chatter",
            False,
            "neutral",
            None,
        )
    with store.session() as session:  # back to a complaint: the conversation needs a reply again
        ws = access_workspace(session, workspace)
        do_correct_triage(session, ws, access_message_by_id(session, ws, mid), severity=4, acting=TESTER)
    again = _triage(store, "c1")
    assert (again.intent, again.complaint, again.severity, again.needs_reply) == ("complaint", True, 4, True)
    with store.reader() as session:
        conv = session.scalar(select(Conversation).join(Message).where(Message.id == mid))
        assert conv is not None and conv.needs_reply and conv.priority == again.priority > 60
        (correction,) = corrections_of(session, access_workspace(session, workspace))  # the latest per message
        assert correction.example.severity == 4 and correction.example.complaint is True


def test_hold_back_is_deterministic_and_keeps_one_for_two_or_more() -> None:
    from goodwill.actions.triage import Correction
    from goodwill.triage.training import Example
    from tests.factories import T0

    corrections = [Correction(i, Example(f"text {i}", complaint=bool(i % 2)), T0) for i in range(10)]
    train_on, held = hold_back(corrections, 0.2)
    assert len(held) == 2 and len(train_on) == 8
    assert hold_back(corrections, 0.2) == (train_on, held)
    assert any(hold_back(corrections, 0.2, seed=seed)[1] != held for seed in range(1, 6))
    assert len(hold_back(corrections[:2], 0.2)[1]) == 1 and hold_back(corrections[:1], 0.2)[1] == []
    assert hold_back(corrections, 0.0)[1] == []
    with pytest.raises(ValueError):
        hold_back(corrections, 1.0)


def test_the_workspace_model_labels_its_messages(
    store: Store, workspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sklearn")
    from goodwill.actions.triage import retrain_workspace

    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path / "data"))
    forget_cached_models()
    channel = _channel(store, workspace)
    texts = [f"@acme the app logs me out every day, {i} times" for i in range(6)]
    ingest(store, channel, [msg(f"t{i}", text=t, author=f"u{i}") for i, t in enumerate(texts)])
    with store.session() as session:
        ws = access_workspace(session, workspace)
        for i in range(6):
            message = session.scalar(select(Message).where(Message.native_id == f"t{i}"))
            assert message is not None
            do_correct_triage(session, ws, message, intent="praise", sentiment="positive", acting=TESTER)
    report = retrain_workspace(
        store, workspace, data_dir=write_minidata(tmp_path / "base"), holdout=0.34, acting=TESTER
    )
    assert (report.corrections, report.trained_on, report.held_back) == (6, 4, 2)
    assert report.before["intent"]["n"] == 2 and set(report.after) == set(report.before)
    assert Path(report.path) == tmp_path / "data" / "models" / f"{workspace}.npz" and Path(report.path).exists()
    with store.reader() as session:
        settings = access_workspace(session, workspace).settings
        assert settings["triage_model"]["path"] == f"models/{workspace}.npz"
        assert settings["triage_model"]["version"] == report.version
        assert session.scalar(select(AuditEntry.data).where(AuditEntry.action == "triage.model"))["model"]
    assert classifier_for(settings)(["hello"])[0].model_version == report.version
    ingest(store, channel, [msg("new", text="@acme thanks, love it", author="zed")])
    assert _triage(store, "new").model_version == report.version
    # large imports triage in a second process: it loads the same workspace model
    ingest(store, channel, [msg("bg", text="@acme thanks, love it", author="zed")], background_triage=True)
    assert _triage(store, "bg").model_version == report.version
    with store.session() as session:  # back to the shipped model
        do_set_triage_model(session, access_workspace(session, workspace), model=None, acting=TESTER)
    ingest(store, channel, [msg("newer", text="@acme thanks, love it", author="zed")])
    assert _triage(store, "newer").model_version == classify(["x"])[0].model_version
    forget_cached_models()


def test_a_missing_model_file_falls_back_to_the_shipped_model(tmp_path: Path) -> None:
    forget_cached_models()
    settings = {"triage_model": {"path": str(tmp_path / "gone.npz")}}
    assert classifier_for(settings)(["hello"])[0].model_version == classify(["hello"])[0].model_version
    assert classifier_for({}) is classify
