"""Assignment by hand and by round robin (capacity, away, coming back) and the collision guard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from goodwill.actions import access_workspace
from goodwill.actions.activity import access_conversation_by_id, access_teammate_by_id, acting_teammate
from goodwill.actions.conversations import do_assign
from goodwill.actions.replies import Collision, do_reply, do_take_lock
from goodwill.actions.team import do_set_away, do_set_inbox_settings, do_set_seat
from goodwill.inbox.assignment import open_load
from tests.conftest import TESTER
from tests.factories import msg
from tests.inbox.conftest import NOW, World


def settings(world: World, **kwargs) -> None:
    with world.store.session() as session:
        do_set_inbox_settings(session, access_workspace(session, world.workspace), acting=TESTER, **kwargs)


def away(world: World, name: str, is_away: bool) -> None:
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_away(session, access_teammate_by_id(session, ws, world.team[name]), away=is_away, acting=TESTER)


def assignees(world: World, ids: list[str]) -> list[int | None]:
    return [world.conversation_of(i).assignee_id for i in ids]


def complaint(n: int, minutes: int = 0):
    return msg(f"c{n}", text="my order is late", author=f"user{n}", minutes=minutes + n)


def test_manual_assignment_is_audited_and_refuses_viewers(world: World) -> None:
    world.ingest(complaint(1))
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, world.conversation_of("c1").id)
        assert do_assign(session, conv, access_teammate_by_id(session, ws, "ben@acme.test"), acting=TESTER)
        with pytest.raises(ValueError, match="viewer"):
            do_assign(session, conv, access_teammate_by_id(session, ws, world.team["Vic"]), acting=TESTER)
    assert world.conversation_of("c1").assignee_id == world.team["Ben"]


def test_round_robin_within_capacity_never_to_the_away_and_fair_on_return(world: World) -> None:
    settings(world, auto_assign=True)
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        do_set_seat(session, ws, access_teammate_by_id(session, ws, world.team["Ada"]), capacity=3, acting=TESTER)
    world.ingest(complaint(1), complaint(2))
    assert assignees(world, ["c1", "c2"]) == [world.team["Ada"], world.team["Ben"]]  # owner and viewer take none
    away(world, "Ben", True)
    world.ingest(complaint(3), complaint(4), complaint(5))
    ada, ben = world.team["Ada"], world.team["Ben"]
    assert assignees(world, ["c3", "c4", "c5"]) == [ada, ada, None]  # Ada full at 3; Ben away: nobody
    away(world, "Ben", False)
    world.ingest(complaint(6), complaint(7))
    assert assignees(world, ["c6", "c7"]) == [ben, ben]  # Ada is full; Ben is back and takes turns
    with world.store.reader() as session:
        assert open_load(session, world.channel.workspace_id) == {ada: 3, ben: 3}


def test_returning_agent_rejoins_the_rotation_without_a_flood(world: World) -> None:
    settings(world, auto_assign=True)
    away(world, "Ben", True)
    world.ingest(*(complaint(n) for n in range(1, 5)))
    away(world, "Ben", False)
    world.ingest(*(complaint(n, minutes=10) for n in range(5, 9)))
    ada, ben = world.team["Ada"], world.team["Ben"]
    assert assignees(world, [f"c{n}" for n in range(5, 9)]) == [ben, ada, ben, ada]


def test_two_teammates_never_answer_at_once(world: World) -> None:
    world.ingest(complaint(1))
    cid = world.conversation_of("c1").id
    with world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, cid)
        do_take_lock(session, conv, acting=acting_teammate(session, ws, world.team["Ada"]), now=NOW)
    with pytest.raises(Collision, match="Ada Smith is answering"), world.store.session() as session:
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, cid)
        do_reply(session, ws, conv, "on it", acting=acting_teammate(session, ws, world.team["Ben"]), now=NOW)
    with world.store.session() as session:  # Ada herself goes on; once her lease ran out, Ben may answer
        ws = access_workspace(session, world.workspace)
        conv = access_conversation_by_id(session, ws, cid)
        do_take_lock(session, conv, acting=acting_teammate(session, ws, world.team["Ada"]), now=NOW)
        later = NOW + timedelta(minutes=3)
        do_reply(session, ws, conv, "on it", acting=acting_teammate(session, ws, world.team["Ben"]), now=later)
