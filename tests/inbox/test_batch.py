"""The inbox job in batches gives what it gives one conversation at a time, in the same order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions import access_workspace
from goodwill.actions.policy import do_create_rule, do_set_sla_policy
from goodwill.actions.team import do_set_inbox_settings
from goodwill.inbox.processing import process, process_batch
from goodwill.store.tables import Activity, AuditEntry, Conversation, ConversationTag, Seat
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import NOW, World

COLUMNS = (
    "rules_through_id intent waiting_since sla_target sla_due_at sla_warn_at assignee_id priority status "
    "is_hidden snoozed_until inbox_pending"
).split()


def _outcome(session: Session) -> dict[str, Any]:
    session.flush()
    conversations = session.scalars(select(Conversation).order_by(Conversation.id))
    return {
        "conversations": [tuple(getattr(c, name) for name in COLUMNS) for c in conversations],
        "activity": list(
            session.execute(select(Activity.conversation_id, Activity.kind, Activity.data).order_by(Activity.id))
        ),
        "audit": list(
            session.execute(select(AuditEntry.action, AuditEntry.object_id, AuditEntry.data).order_by(AuditEntry.id))
        ),
        "tags": list(
            session.execute(
                select(ConversationTag.conversation_id, ConversationTag.tag).order_by(
                    ConversationTag.conversation_id, ConversationTag.tag
                )
            )
        ),
        "turns": list(session.execute(select(Seat.teammate_id, Seat.last_assigned_at).order_by(Seat.teammate_id))),
    }


def _run(world: World, work: Callable[[Session, list[Conversation]], None]) -> dict[str, Any]:
    """`work` over the pending conversations in a transaction rolled back afterwards; what it left."""
    with world.store.engine.connect() as conn:
        transaction = conn.begin()
        session = Session(bind=conn)
        try:
            pending = list(
                session.scalars(
                    select(Conversation).where(Conversation.inbox_pending.is_(True)).order_by(Conversation.id)
                )
            )
            assert len(pending) >= 6
            work(session, pending)
            return _outcome(session)
        finally:
            session.close()
            transaction.rollback()


def test_a_batch_of_conversations_ends_exactly_as_processing_them_one_by_one(world: World) -> None:
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_inbox_settings(session, ws, auto_assign=True, capacity=2, acting=TESTER)
        do_set_sla_policy(
            session, ws, intent="complaint", ack_minutes=15, response_minutes=30, resolution_minutes=600, acting=TESTER
        )
        rules = [
            ("refunds", {"keyword": ["refund"]}, {"tag": ["refund"], "priority": 80, "assign": "auto"}),
            ("questions", {"intent": ["question"]}, {"tag": ["question"]}),
            ("spam", {"keyword": ["buy now"]}, {"hide": True}),
            ("later", {"keyword": ["tomorrow"]}, {"snooze": 60}),
        ]
        for name, conditions, actions in rules:
            do_create_rule(session, ws, name=name, conditions=conditions, actions=actions, acting=TESTER)
    world.ingest(
        msg("old", text="is it open?", author="u9", dm="d9"), msg("r9", text="yes", dm="d9", out=True, minutes=1)
    )
    world.ingest(
        msg("1", text="where is my order?", author="u1", dm="d1", minutes=2),  # auto-assigned at the end
        msg("2", text="refund please, it is broken", author="u2", dm="d2", minutes=3),  # a rule assigns it
        msg("3", text="buy now cheap", author="u3", dm="d3", minutes=4),
        msg("4", text="love it, thanks", author="u4", dm="d4", minutes=5),
        msg("5", text="my refund is late", author="u5", dm="d5", minutes=6),
        msg("6", text="call me tomorrow?", author="u6", dm="d6", minutes=7),
        msg("7", text="still broken?", author="u9", dm="d9", minutes=8),  # after the brand's reply
        msg("8", text="any news?", author="u1", dm="d1", minutes=9),
        process=False,
    )

    def one_by_one(session: Session, conversations: list[Conversation]) -> None:
        for conversation in conversations:
            process(session, conversation, now=NOW)

    def batched(session: Session, conversations: list[Conversation]) -> None:
        process_batch(session, conversations, now=NOW)

    alone, together = _run(world, one_by_one), _run(world, batched)
    assert together == alone
    assigned = [row[COLUMNS.index("assignee_id")] for row in alone["conversations"]]
    assert len({a for a in assigned if a is not None}) == 2  # both agents took turns: the order matters
    assert any(row[COLUMNS.index("is_hidden")] for row in alone["conversations"])
