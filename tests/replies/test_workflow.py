"""Suggestions from the reply library, the check through the store, and approvals, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id, acting_teammate
from goodwill.actions.approvals import (
    HELD,
    REJECTED,
    access_approval_by_id,
    do_approve_reply,
    do_reject_reply,
    do_set_approval_policy,
    list_approvals,
)
from goodwill.actions.replies import do_reply
from goodwill.connectors.local import read_posts
from goodwill.jobs import send_due
from goodwill.replies.context import check_reply
from goodwill.replies.library import do_save_reply, do_set_reply_style
from goodwill.replies.suggest import suggest_replies
from goodwill.store.tables import Activity, AuditEntry
from goodwill.store.tables_replies import Outbox
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import NOW, World


def named(native_id: str, text: str, name: str = "Ann Lee", **kw: object) -> object:
    m = msg(native_id, text=text, **kw)  # type: ignore[arg-type]
    return dataclasses.replace(m, author=dataclasses.replace(m.author, display_name=name))


def test_suggestions_for_a_complaint_name_the_problem_take_it_private_and_promise_a_follow_up(world: World) -> None:
    world.ingest(named("1", "My refund is late again, this is the worst"))  # type: ignore[arg-type]
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_reply_style(session, ws, contact="help@acme.test", acting=TESTER)
        conv = access_conversation_by_id(session, ws, world.conversation_of("1").id)
        found = suggest_replies(session, ws, conv, teammate_id=world.team["Ada"], now=NOW)
    best = found[0]
    assert best.source == "composed:complaint" and not best.blocked
    assert best.text.startswith("Ann, I'm so sorry about the refund you're still waiting for.")
    assert "help@acme.test" in best.text and "follow up with you" in best.text and best.text.endswith("– Ada")
    assert best.length <= 280 and best.limit == 280


def test_a_question_gets_the_librarys_answer_with_the_persons_name(world: World) -> None:
    world.ingest(named("1", "Do you ship to Canada? What does it cost?"))  # type: ignore[arg-type]
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_save_reply(
            session,
            ws,
            name="shipping-canada",
            text="Hi {first_name}! We ship to Canada for a flat $14 (5-8 days).",
            intent="question",
            keywords=["canada", "ship", "shipping"],
            acting=TESTER,
        )
        do_save_reply(
            session, ws, name="hours", text="Open 7-5 daily.", intent="question", keywords=["open"], acting=TESTER
        )
        conv = access_conversation_by_id(session, ws, world.conversation_of("1").id)
        found = suggest_replies(session, ws, conv, now=NOW)
    assert found[0].source == "library:shipping-canada"
    assert found[0].text == "Hi Ann! We ship to Canada for a flat $14 (5-8 days)."
    assert "library:hours" not in [s.source for s in found]
    assert any(s.source == "composed:acknowledge" and "get back to you" in s.text for s in found)


def test_check_reads_the_conversation_and_the_brands_recent_replies(world: World) -> None:
    canned = "Thanks for reaching out! Please DM us so we can help."
    for i in range(4):
        world.ingest(named(f"c{i}", "my refund is late", name=f"Person{i} X", author=f"u{i}"))  # type: ignore[arg-type]
        world.ingest(msg(f"r{i}", text=canned, parent=f"c{i}", out=True, minutes=1))
    world.ingest(named("9", "the mug arrived broken", author="u9"))  # type: ignore[arg-type]
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, world.conversation_of("9").id)
        found = {f.check.value: f.level.value for f in check_reply(session, ws, conv, canned, now=NOW)}
    assert found["canned"] == "block" and found["no_name"] == "warn"


def held_reply(world: World, text: str = "I'm so sorry Ann, a new one ships today.") -> tuple[int, int]:
    world.ingest(named("1", "my order arrived broken, worst service ever"))  # type: ignore[arg-type]
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_approval_policy(
            session, ws, rules=[{"teammate": world.team["Ada"]}, {"findings": "block"}], acting=TESTER
        )
        conv = access_conversation_by_id(session, ws, world.conversation_of("1").id)
        row = do_reply(session, ws, conv, text, acting=acting_teammate(session, ws, world.team["Ada"]), now=NOW)
        assert row.status == HELD
        [approval] = list_approvals(session, ws)
        return row.id, approval.id


def test_a_held_reply_waits_then_is_approved_edited_and_sent(world: World) -> None:
    _outbox, approval_id = held_reply(world)
    assert send_due(world.store, now=NOW).sent == 0  # the worker never claims a held reply
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        approval = access_approval_by_id(session, ws, approval_id)
        with pytest.raises(PermissionError, match="wrote this reply"):
            do_approve_reply(session, ws, approval, acting=acting_teammate(session, ws, world.team["Ada"]))
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        approval = access_approval_by_id(session, ws, approval_id)
        with pytest.raises(PermissionError, match="not an approver"):
            do_approve_reply(session, ws, approval, acting=acting_teammate(session, ws, world.team["Ben"]))
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        approval = access_approval_by_id(session, ws, approval_id)
        olive = acting_teammate(session, ws, world.team["Olive"])
        do_approve_reply(session, ws, approval, acting=olive, text="Ann, I'm so sorry! A new one ships today.", now=NOW)
    assert send_due(world.store, now=NOW).sent == 1
    assert [p["text"] for p in read_posts(world.posts_file)] == ["Ann, I'm so sorry! A new one ships today."]
    with world.store.reader() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "reply_approval")))
        kinds = list(session.scalars(select(Activity.kind).order_by(Activity.id)))
        approval = session.get_one(type(approval), approval_id)
    assert actions == ["reply.held", "reply.edited", "reply.approved"]
    assert {"reply_held", "reply_approved"} <= set(kinds)
    assert approval.original_text == "I'm so sorry Ann, a new one ships today." and approval.status == "approved"


def test_a_rejected_reply_is_never_sent_and_a_blocking_finding_holds_any_reply(world: World) -> None:
    outbox_id, approval_id = held_reply(world)
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        approval = access_approval_by_id(session, ws, approval_id)
        do_reject_reply(session, ws, approval, acting=TESTER, note="Offer the replacement first")
        with pytest.raises(ValueError, match="already rejected"):
            do_approve_reply(session, ws, approval, acting=TESTER)
        conv = access_conversation_by_id(session, ws, world.conversation_of("1").id)
        ben = acting_teammate(session, ws, world.team["Ben"])
        later = NOW + timedelta(minutes=3)  # after Ada's composing lease
        pitch = do_reply(
            session, ws, conv, "Sorry! Why not try our award-winning mug, 20% off today only!!", acting=ben, now=later
        )
        fine = do_reply(
            session, ws, conv, "Ann, I'm so sorry. Could you DM us the order number?", acting=ben, now=later
        )
        assert (pitch.status, fine.status) == (HELD, "pending")
        assert list_approvals(session, ws)[0].findings[0]["check"] == "oversell"
    assert send_due(world.store, now=later).sent == 1
    with world.store.reader() as session:
        assert session.get_one(Outbox, outbox_id).status == REJECTED
