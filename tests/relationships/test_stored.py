"""Stored relationship figures (goodwill.relationships.stored) against the fold of the messages: the audit's
advocacy section reads the stored ones only where they give exactly what the fold gives, and folds the rest.

Each test compares, field by field, the Figures the store gives as of a moment with the fold's as of the same
moment, and the audit's advocacy figures with the same section computed by folding everyone (the way it was
computed before the stored figures were read), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from goodwill.actions import access_workspace, do_ensure_channel
from goodwill.actions.conversations import do_resolve
from goodwill.actions.people import do_merge_people
from goodwill.actions.triage import do_correct_triage
from goodwill.analytics import relationships as audit_relationships
from goodwill.analytics.scope import resolve_scope
from goodwill.domain import Network
from goodwill.ingest import ChannelRef, ingest
from goodwill.relationships.figures import by_person, figures_of, load_rows
from goodwill.relationships.state import ADVOCACY_MIN, classify, recompute
from goodwill.relationships.stored import figures_at, stored_figures
from goodwill.store import Store
from goodwill.store.tables import Conversation, Identity, Message, Person
from tests.conftest import TESTER
from tests.factories import T0, msg

DAY_MINUTES = 24 * 60
PRAISE = "Best cold brew in town, I recommend it to everyone"
ANGRY = "My order arrived broken, so angry, still waiting"


def _history(store: Store, workspace: str) -> ChannelRef:
    """Five people over 60 days: a fan who recommends us, a regular who turns angry, a one-off complainer,
    someone we never answered, and a quiet fan who went cold."""
    with store.session() as session:
        ws = access_workspace(session, workspace)
        x = ChannelRef.of(
            do_ensure_channel(session, ws, network=Network.X, account_id="brand", handle="brand", acting=TESTER)
        )
    batch = []
    for i in range(6):  # the fan: praise every ten days, each answered
        batch.append(msg(f"fan{i}", text=PRAISE, author="fan", minutes=i * 10 * DAY_MINUTES))
        batch.append(
            msg(
                f"fanr{i}",
                text="Thank you!",
                parent=f"fan{i}",
                root=f"fan{i}",
                out=True,
                minutes=i * 10 * DAY_MINUTES + 30,
            )
        )
    for i in range(5):  # the regular: calm at first, angry in the last weeks
        words = "Nice coffee, thanks" if i < 3 else ANGRY
        batch.append(msg(f"reg{i}", text=words, author="regular", minutes=(5 + i * 12) * DAY_MINUTES))
        if i < 4:
            batch.append(
                msg(
                    f"regr{i}",
                    text="Sorry to hear, we are on it",
                    parent=f"reg{i}",
                    root=f"reg{i}",
                    out=True,
                    minutes=(5 + i * 12) * DAY_MINUTES + 60,
                )
            )
    batch.append(msg("one0", text=ANGRY, author="oneoff", minutes=50 * DAY_MINUTES))
    batch.append(msg("ign0", text="Do you ship to Spain?", author="ignored", minutes=30 * DAY_MINUTES))
    for i in range(4):  # the quiet fan: four conversations in the first three weeks, then silence
        batch.append(msg(f"q{i}", text=PRAISE, author="quiet", minutes=i * 6 * DAY_MINUTES + 5))
        batch.append(
            msg(f"qr{i}", text="Thanks!", parent=f"q{i}", root=f"q{i}", out=True, minutes=i * 6 * DAY_MINUTES + 40)
        )
    ingest(store, x, batch)
    return x


def _workspace_id(store: Store, workspace: str) -> int:
    with store.reader() as session:
        return access_workspace(session, workspace).id


def _recompute(store: Store, workspace: str, now: datetime) -> None:
    with store.session() as session:
        recompute(session, _workspace_id(store, workspace), now=now)


def _check_figures(store: Store, workspace: str, moment: datetime) -> tuple[int, int]:
    """Every stored figure the store trusts as of `moment` equals the fold's, field by field. Returns (people
    whose stored figures held, people with messages)."""
    ws = _workspace_id(store, workspace)
    at = moment.timestamp()
    with store.reader() as session:
        current, _ = stored_figures(session, ws)
        rows = dict(by_person(load_rows(session, ws, until=moment)))
    used = 0
    for person_id, stored in current.items():
        f = figures_at(person_id, stored, at)
        if f is None:
            continue
        folded = figures_of(person_id, rows.get(person_id, []), at)
        assert dataclasses.asdict(f) == dataclasses.asdict(folded), person_id
        assert classify(f, at) == classify(folded, at)
        lean = classify(f, at, explain=False)
        assert dataclasses.replace(classify(folded, at), reasons={}) == lean
        used += bool(f.inbound or f.outbound)
    return used, len(rows)


def _advocacy_by_fold(session: Any, scope: Any) -> dict[str, Any]:
    """The advocacy section folding everyone's messages (as before the stored figures were read)."""
    start, end = scope.since.timestamp(), scope.until.timestamp()
    before, now, stages, healths = set(), set(), {}, []
    at_risk = going_cold = cold_advocates = 0
    for person_id, rows in by_person(load_rows(session, scope.workspace.id, until=scope.until)):
        f = figures_of(person_id, rows, end)
        s = classify(f, end)
        if f.praise >= ADVOCACY_MIN and classify(figures_of(person_id, rows, start), start).is_advocate:
            before.add(person_id)
        if s.is_advocate:
            now.add(person_id)
        at_risk += s.at_risk
        going_cold += s.is_cold
        cold_advocates += s.is_cold and s.is_advocate
        stages[s.stage] = stages.get(s.stage, 0) + 1
        healths.append(s.health)
    healths.sort()
    return {
        "source": "relationship states (goodwill.relationships), as of the period's end",
        "advocates": len(now),
        "advocates_gained": len(now - before),
        "advocates_lost": len(before - now),
        "at_risk": at_risk,
        "going_cold": going_cold,
        "cold_advocates": cold_advocates,
        "stages": dict(sorted(stages.items())),
        "median_health": healths[len(healths) // 2] if healths else None,
    }


PERIODS = [  # (since, until) around the history's 60 days, from T0
    (None, None),
    ("30d", None),
    (T0 + timedelta(days=20), T0 + timedelta(days=45)),
    (T0 + timedelta(days=40), T0 + timedelta(days=100)),
    (T0 - timedelta(days=10), T0 + timedelta(days=9)),
]


def _check_advocacy(store: Store, workspace: str) -> list[dict[str, Any]]:
    out = []
    with store.reader() as session:
        for since, until in PERIODS:
            scope = resolve_scope(session, workspace=workspace, since=since or "all", until=until)
            section = audit_relationships.advocacy(session, scope)
            assert section == _advocacy_by_fold(session, scope), (since, until)
            out.append(section)
    return out


def test_fresh_stored_figures_equal_the_fold_at_every_later_moment(store: Store, workspace: str) -> None:
    _history(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    for days in (60.5, 61, 75, 95, 200):  # decay, going cold, the 30-day window moving past the messages
        used, people = _check_figures(store, workspace, T0 + timedelta(days=days))
        assert used == people == 5, days
    used, people = _check_figures(store, workspace, T0 + timedelta(days=40))  # some wrote after day 40
    assert 0 < used < people
    sections = _check_advocacy(store, workspace)
    assert sections[0]["advocates"] >= 1 and sections[0]["at_risk"] >= 1 and sections[3]["going_cold"] >= 1


def test_every_change_after_the_recompute_sends_the_person_back_to_the_fold(store: Store, workspace: str) -> None:
    x = _history(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    ws = _workspace_id(store, workspace)

    def stale() -> set[int]:
        """The people with messages whose stored figures are not trusted."""
        with store.reader() as session:
            _, others = stored_figures(session, ws)
            return others & {p for p, _ in by_person(load_rows(session, ws))}

    def person(native_id: str) -> int:
        with store.reader() as session:
            found = session.scalar(select(Identity.person_id).where(Identity.native_id == native_id))
            assert found is not None
            return found

    assert stale() == set()
    fan, regular, oneoff, ignored, quiet = (person(n) for n in ("fan", "regular", "oneoff", "ignored", "quiet"))

    with store.session() as session:  # a correction: the regular's angry message was praise after all
        message = session.scalar(select(Message).where(Message.native_id == "reg4"))
        assert message is not None
        assert do_correct_triage(
            session,
            access_workspace(session, workspace),
            message,
            intent="praise",
            sentiment="positive",
            acting=TESTER,
        )
    assert stale() == {regular}
    _check_advocacy(store, workspace)

    with store.session() as session:  # the one-off's complaint resolved
        conversation = session.scalar(
            select(Conversation)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.native_id == "one0")
        )
        assert conversation is not None
        do_resolve(session, conversation, acting=TESTER)
    assert stale() == {regular, oneoff}
    _check_advocacy(store, workspace)

    # no listener: a brand reply (no label, so no trigger counts it on SQLite: its id does), then their answer
    ingest(
        store,
        x,
        [msg("ignr0", text="So sorry, yes we do!", parent="ign0", root="ign0", out=True, minutes=58 * DAY_MINUTES)],
    )
    assert stale() == {regular, oneoff, ignored}
    _check_advocacy(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    assert stale() == set()
    ingest(store, x, [msg("ign1", text="Hello again?", author="ignored", minutes=59 * DAY_MINUTES)])
    assert stale() == {ignored}
    _check_advocacy(store, workspace)

    with store.session() as session:  # a message deleted by hand, straight in SQL: the triggers still count
        session.execute(text("DELETE FROM triage WHERE message_id IN (SELECT id FROM message WHERE native_id = 'q3')"))
        session.execute(update(Message).where(Message.native_id == "q3").values(text="edited"))
    assert stale() == {ignored, quiet}
    _check_advocacy(store, workspace)

    with store.session() as session:  # a merge moves the fan's identity and conversations to the quiet fan
        w = access_workspace(session, workspace)
        do_merge_people(
            session,
            w,
            session.get_one(Person, quiet),
            session.get_one(Person, fan),
            acting=TESTER,
            now=T0 + timedelta(days=61),
        )
    _check_advocacy(store, workspace)

    _recompute(store, workspace, T0 + timedelta(days=62))  # the full recompute makes everyone current again
    assert stale() == set()
    used, people = _check_figures(store, workspace, T0 + timedelta(days=70))
    assert used == people
    _check_advocacy(store, workspace)


def test_a_message_between_the_recompute_and_the_end_is_folded(store: Store, workspace: str) -> None:
    """Recomputed as of day 30 while the messages run to day 60 (an archive imported with its own dates, or
    a report over a period that ends before the recompute): whoever wrote between the two is folded."""
    _history(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=30))
    for days in (20, 30, 31, 45, 70):
        used, people = _check_figures(store, workspace, T0 + timedelta(days=days))
        assert used == people if days == 30 else 0 < used < people, days  # day 30: the moment recomputed
    _check_advocacy(store, workspace)


def test_without_the_triggers_nothing_stored_is_trusted(store: Store, workspace: str) -> None:
    _history(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    ws = _workspace_id(store, workspace)
    drop = "DROP TRIGGER relationship_inputs_triage_up"
    with store.session() as session:
        session.execute(text(drop + (" ON triage" if store.dialect == "postgresql" else "")))
        current, others = stored_figures(session, ws)
        assert current == {} and len(others) >= 5
        session.rollback()  # PostgreSQL drops triggers in the transaction; SQLite's schema change is undone too


@pytest.mark.parametrize("moment_days", [61, 100])
def test_recompute_stores_what_the_audit_reads(store: Store, workspace: str, moment_days: int) -> None:
    """The update after each batch (the people it touched) stores the same figures as the full recompute."""
    _history(store, workspace)
    ws = _workspace_id(store, workspace)
    now = T0 + timedelta(days=moment_days)
    with store.session() as session:
        people = sorted(p for (p,) in session.execute(select(Person.id).where(Person.workspace_id == ws)))
        recompute(session, ws, person_ids=people[:2], now=now)
    with store.reader() as session:
        first, _ = stored_figures(session, ws)
    _recompute(store, workspace, now)
    with store.reader() as session:
        full, _ = stored_figures(session, ws)
    assert set(first) == set(people[:2]) and all(first[p] == full[p] for p in first)


def test_a_message_stored_after_a_deletion_is_seen(store: Store, workspace: str) -> None:
    """On SQLite a new message can take the id of the newest message deleted: the deletion itself makes the
    workspace's stored figures untrusted (the figures keep the deletions they saw)."""
    x = _history(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    ws = _workspace_id(store, workspace)
    with store.session() as session:
        newest = session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1))
        session.execute(text("DELETE FROM triage WHERE message_id = :m"), {"m": newest})
        session.execute(text("DELETE FROM message WHERE id = :m"), {"m": newest})
    ingest(store, x, [msg("one1", text=PRAISE, author="oneoff", minutes=60 * DAY_MINUTES)])
    with store.reader() as session:
        current, _ = stored_figures(session, ws)
        reused = session.scalar(select(Message.id).where(Message.native_id == "one1"))
    assert current == {}
    if store.dialect == "sqlite":
        assert reused == newest  # the id was given again: only the deletion count shows the change
    _check_advocacy(store, workspace)
    _recompute(store, workspace, T0 + timedelta(days=61))
    used, people = _check_figures(store, workspace, T0 + timedelta(days=70))
    assert used == people
