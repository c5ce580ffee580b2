"""SLA clocks in business hours, breach and escalation, neglected praise; rules on inbound messages; VIPs."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_teammate_by_id
from goodwill.actions.policy import do_add_vip, do_create_rule, do_set_sla_policy
from goodwill.actions.team import do_set_away, do_set_inbox_settings
from goodwill.inbox import list_inbox, neglected_praise
from goodwill.inbox.queries import InboxFilter
from goodwill.inbox.sla import BusinessHours, hours_of, parse_hours
from goodwill.jobs import check_sla, process_pending
from goodwill.store.tables import AuditEntry, Notification, Person, Workspace
from tests.conftest import TESTER
from tests.factories import T0, msg
from tests.inbox.conftest import NOW, World, utc


def test_business_hours_skip_nights_and_weekends_in_the_workspace_zone() -> None:
    spec = parse_hours("mon-fri 09:00-17:00")
    ws = Workspace(slug="w", name="W", timezone="America/New_York", settings={"business_hours": spec})
    hours = hours_of(ws)
    friday_4pm_ny = utc(2026, 3, 6, 21, 0)  # 16:00 in New York (EST)
    assert hours.add(friday_4pm_ny, 120) == utc(2026, 3, 9, 14, 0)  # one hour Fri, one hour Mon 09:00-10:00 EDT
    assert BusinessHours(ZoneInfo("UTC"), None).add(friday_4pm_ny, 120) == utc(2026, 3, 6, 23, 0)
    with pytest.raises(ValueError, match="mon-fri"):
        parse_hours("weekdays 9-5")


def test_breach_is_flagged_once_escalated_and_cleared_by_a_reply(world: World) -> None:
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_sla_policy(
            session,
            ws,
            intent="complaint",
            ack_minutes=15,
            response_minutes=30,
            resolution_minutes=600,
            escalate_priority=95,
            escalate_to=access_teammate_by_id(session, ws, world.team["Ben"]),
            acting=TESTER,
        )
    world.ingest(msg("1", text="my refund is late"))
    conv = world.conversation_of("1")
    assert (conv.sla_target, conv.sla_due_at) == ("ack", T0 + timedelta(minutes=15))
    with world.store.reader() as session:
        page, _ = list_inbox(session, workspace=world.workspace, now=T0 + timedelta(minutes=12))
        assert page[0].sla_state == "at_risk" and not page[0].sla_breached  # predicted breach
    assert check_sla(world.store, now=T0 + timedelta(minutes=14)) == 0
    assert check_sla(world.store, now=T0 + timedelta(minutes=16)) == 1
    assert check_sla(world.store, now=T0 + timedelta(minutes=20)) == 0  # once per target
    conv = world.conversation_of("1")
    assert (conv.priority, conv.assignee_id, conv.sla_breached_at is not None) == (95, world.team["Ben"], True)
    with world.store.reader() as session:
        page, _ = list_inbox(
            session, workspace=world.workspace, filters=InboxFilter(breached_only=True), now=T0 + timedelta(minutes=16)
        )
        assert [c.id for c in page] == [conv.id] and page[0].sla_breached
        escalations = list(session.scalars(select(Notification.teammate_id).where(Notification.kind == "escalation")))
        assert escalations == [world.team["Ben"]]
    world.ingest(msg("2", text="sorry, fixing it now", parent="1", root="1", out=True, minutes=20))
    conv = world.conversation_of("1")
    assert (conv.sla_target, conv.sla_breached_at, conv.needs_reply) == ("resolution", None, False)


def test_escalation_moves_work_away_from_an_away_assignee(world: World) -> None:
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_inbox_settings(session, ws, auto_assign=True, acting=TESTER)
    world.ingest(msg("1", text="broken again"))
    assert world.conversation_of("1").assignee_id == world.team["Ada"]
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_away(session, access_teammate_by_id(session, ws, world.team["Ada"]), away=True, acting=TESTER)
    assert check_sla(world.store, now=T0 + timedelta(hours=2)) == 1  # built-in default: acknowledge within 60
    assert world.conversation_of("1").assignee_id == world.team["Ben"]


def test_neglected_praise(world: World) -> None:
    world.ingest(
        msg("1", text="love the new roast", author="a"),
        msg("2", text="love it", author="b"),
        msg("3", text="thanks!", parent="2", root="2", out=True, minutes=5),
    )
    with world.store.reader() as session:
        found = neglected_praise(session, workspace=world.workspace, now=T0 + timedelta(days=2))
        assert [c.id for c in found] == [world.conversation_of("1").id]
        assert neglected_praise(session, workspace=world.workspace, now=T0 + timedelta(hours=2)) == []


def rule(world: World, name: str, conditions: dict, actions: dict) -> None:
    with world.store.session() as session:
        do_create_rule(
            session,
            access_workspace(session, world.workspace),
            name=name,
            conditions=conditions,
            actions=actions,
            acting=TESTER,
        )


def test_rules_tag_assign_prioritise_hide_and_snooze(world: World) -> None:
    rule(
        world,
        "refunds",
        {"keyword": ["refund"], "intent": ["complaint"]},
        {"tag": ["refund"], "assign": "ben@acme.test", "priority": 90},
    )
    rule(world, "spam", {"intent": ["spam"]}, {"hide": True})
    rule(world, "big voices", {"min_followers": 10000, "network": ["x"]}, {"tag": ["reach"]})
    rule(world, "chatter", {"intent": ["chatter"], "keyword": "weekend"}, {"snooze": "next"})
    world.ingest(
        msg("1", text="Where is my REFUND, it's late", followers=50000),
        msg("2", text="buy now cheap followers", author="s"),
        msg("3", text="have a nice weekend", author="c"),
        msg("4", text="refundable?", author="d"),
    )
    refund, spam, chat, other = (world.conversation_of(n) for n in "1234")
    assert (refund.assignee_id, refund.priority) == (world.team["Ben"], 90)
    assert spam.is_hidden and chat.status == "snoozed" and other.assignee_id is None
    with world.store.reader() as session:
        page, _ = list_inbox(
            session, workspace=world.workspace, filters=InboxFilter(status=None, needs_reply_only=False)
        )
        tags = {c.id: c.tags for c in page}
        applied = list(session.scalars(select(AuditEntry.data).where(AuditEntry.action == "rule.applied")))
    assert tags[refund.id] == ["reach", "refund"] and spam.id not in tags
    assert len(applied) == 4
    process_pending(world.store, now=NOW)  # nothing pending: rules never run twice on a message
    with world.store.reader() as session:
        assert len(list(session.scalars(select(AuditEntry.id).where(AuditEntry.action == "rule.applied")))) == 4


def test_vip_lists_and_bad_rules(world: World) -> None:
    rule(world, "press", {"vip": "press"}, {"priority": 99})
    world.ingest(msg("1", text="hello there", author="journo"))
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        person = session.get_one(Person, world.conversation_of("1").person_id)
        assert do_add_vip(session, ws, person, list_name="press", acting=TESTER)
        assert not do_add_vip(session, ws, person, list_name="press", acting=TESTER)
    world.ingest(msg("2", text="question for a story?", author="journo", minutes=5))
    assert world.conversation_of("2").priority == 99
    with pytest.raises(ValueError, match="unknown rule condition"):
        rule(world, "bad", {"mood": ["x"]}, {"tag": ["x"]})
    with pytest.raises(ValueError, match="not one of"):
        rule(world, "bad", {"intent": ["rant"]}, {"tag": ["x"]})
