"""On the demo world (goodwill.demo.plan_world is the ground truth): the advocates, people at risk and people
going cold the simulation made are found as such; every cross-network human is suggested for a merge with
its evidence and only the strongly proven are merged automatically; merging and un-merging them all puts
every row back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.actions import access_workspace
from goodwill.actions.audit import Acting
from goodwill.actions.nudges import do_refresh_nudges
from goodwill.actions.people import (
    do_merge_people,
    do_recompute_relationships,
    do_refresh_merges,
    do_unmerge,
    keeper_of,
    people_with_open_suggestions,
)
from goodwill.actions.person_notes import do_add_person_note, do_label_person, do_set_person_field, do_set_target
from goodwill.demo import build_world, plan_world
from goodwill.relationships import find_matches, people_list, person_view
from goodwill.store import Store
from goodwill.store.tables import AuditEntry, Conversation, Identity, Person, Relationship, VipEntry
from goodwill.store.tables_relationships import Nudge, PersonMerge, PersonNote, RelationshipDetail

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
TEAM = Acting("test")
EXPECTED = {  # how the simulation left each cross-network pair findable -> the evidence kinds that find it
    "website": {"website", "verified_link"},
    "handle_domain": {"verified_link"},
    "same_handle": {"handle"},
    "name_avatar": {"avatar"},
    "crosspost": {"crosspost"},
}


def _people(session: Session) -> dict[tuple[str, str, str], int]:
    return {(i.network, i.id_scope, i.native_id): i.person_id for i in session.scalars(select(Identity))}


def _found(truth: set[int], flagged: set[int]) -> tuple[float, float]:
    hit = truth & flagged
    return len(hit) / len(truth), len(hit) / max(1, len(flagged))


def _flags(session: Session) -> dict[str, set[int]]:
    rows = session.execute(
        select(Relationship, RelationshipDetail).join(
            RelationshipDetail, RelationshipDetail.person_id == Relationship.person_id
        )
    ).tuples()
    flags: dict[str, set[int]] = {"advocate": set(), "at_risk": set(), "cold": set()}
    for rel, detail in rows:
        for name, on in (("advocate", rel.is_advocate), ("at_risk", rel.at_risk), ("cold", detail.is_cold)):
            if on:
                flags[name].add(rel.person_id)
    return flags


def snapshot(session: Session) -> dict[str, Any]:
    """Every people-related value a merge touches (ids and values, not the rows' own surrogate ids)."""
    rel_columns = [c.name for c in Relationship.__table__.columns if c.name != "id"]
    return {
        "identities": sorted(session.execute(select(Identity.id, Identity.person_id)).tuples()),
        "conversations": sorted(session.execute(select(Conversation.id, Conversation.person_id)).tuples()),
        "people": sorted(
            (p.id, p.display_name, repr(p.fields), repr(p.labels), p.is_vip) for p in session.scalars(select(Person))
        ),
        "vips": sorted(session.execute(select(VipEntry.person_id, VipEntry.list_name, VipEntry.created_at)).tuples()),
        "relationships": sorted(
            tuple(getattr(r, c) for c in rel_columns) for r in session.scalars(select(Relationship))
        ),
        "details": sorted(
            repr(sorted((c.name, getattr(d, c.name)) for c in RelationshipDetail.__table__.columns))
            for d in session.scalars(select(RelationshipDetail))
        ),
        "notes": sorted(session.execute(select(PersonNote.id, PersonNote.person_id)).tuples()),
        "nudges": sorted(session.execute(select(Nudge.id, Nudge.person_id, Nudge.status)).tuples()),
    }


def test_the_demo_truth_is_found_and_merges_round_trip(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    cast = plan_world(seed=7, now=NOW).cast
    with store.session() as session:
        ws = access_workspace(session, "demo")
        do_recompute_relationships(session, ws, acting=TEAM, now=NOW)
        person = _people(session)
        flags = _flags(session)
        advocates = {person[k] for k in cast.advocates + cast.cold_advocates}
        at_risk = {person[k] for k in cast.at_risk}
        cold = {person[k] for k in cast.going_cold + cast.cold_advocates}
        recall, precision = _found(advocates, flags["advocate"])
        assert recall >= 0.75 and precision >= 0.9, (recall, precision)
        recall, precision = _found(at_risk, flags["at_risk"])
        assert recall >= 0.9 and precision >= 0.5, (recall, precision)
        recall, precision = _found(cold, flags["cold"])
        assert recall >= 0.8 and precision >= 0.7, (recall, precision)
        assert not flags["advocate"] & {person[k] for k in cast.spammers}
        cold_advocates = {person[k] for k in cast.cold_advocates}
        assert len(cold_advocates & flags["advocate"] & flags["cold"]) >= len(cold_advocates) - 1
        rows, total = people_list(session, ws, "advocates", limit=100)
        assert total == len(flags["advocate"]) and all(r.reasons["advocate"] for r in rows)

        # merge suggestions: every simulated cross-network human, with evidence; never the namesakes
        matches = {(m.person_a_id, m.person_b_id): m for m in find_matches(session, ws.id)}
        pairs = {tuple(sorted(person[k] for k in c.identities)): c.evidence for c in cast.cross_network}
        assert len(pairs) == 14 and set(pairs) <= set(matches)
        decoys = {tuple(sorted(person[k] for k in d)) for d in cast.decoys}
        assert decoys and not decoys & set(matches)
        for pair, evidence in pairs.items():
            kinds = matches[pair].kinds
            assert kinds & EXPECTED[evidence], (pair, evidence, kinds)
        strong = {pair for pair, m in matches.items() if m.strength == "strong"}
        assert strong and strong <= set(pairs)  # only proven pairs would merge automatically
        ranked = [pair for pair, m in matches.items() if m.score >= 0.6]
        assert set(ranked) <= set(pairs)  # every suggestion scored 0.6 or more is a real cross-network human

        # the team's own data on a person about to be merged travels with the merge and back
        merged_side = max(next(iter(strong)))
        someone = session.get_one(Person, merged_side)
        do_add_person_note(session, ws, someone, "Met at the Saturday market", acting=TEAM)
        do_set_person_field(session, ws, someone, "city", "Portland", acting=TEAM)
        do_label_person(session, ws, someone, "barista", acting=TEAM)
        do_set_target(session, ws, someone, acting=TEAM)
        do_refresh_nudges(session, ws, acting=TEAM, now=NOW)
        nudges = list(session.scalars(select(Nudge)))
        assert {"thank", "follow_up", "welcome", "reconnect"} <= {n.kind for n in nudges}
        assert all(n.why and n.draft and "{" not in n.draft for n in nudges)
        welcome = {n.person_id for n in nudges if n.kind == "welcome"}
        firsts = session.execute(select(Relationship.person_id, Relationship.first_contact_at)).tuples()
        new = {p for p, first in firsts if first is not None and first >= NOW - timedelta(hours=48)}
        assert welcome and welcome <= new  # only people who first wrote in the last 48 hours
        assert welcome & {person[k] for k in cast.new_connections}
        reconnect = {n.person_id for n in nudges if n.kind == "reconnect"}
        assert reconnect and reconnect <= flags["advocate"] | {merged_side}
    with store.session() as session:
        before = snapshot(session)
    with store.session() as session:
        ws = access_workspace(session, "demo")
        _, made = do_refresh_merges(session, ws, acting=TEAM, now=NOW + timedelta(minutes=1))
        assert {tuple(sorted((m.kept_person_id, m.merged_person_id))) for m in made} == strong
        assert all(m.automatic and m.evidence for m in made)
        audited = session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "person.merge"))
        assert {int(x) for x in audited} == {m.kept_person_id for m in made}
        one = next(m for m in made if merged_side in (m.kept_person_id, m.merged_person_id))
        view = person_view(session, ws, one.kept_person_id)
        assert len({i["network"] for i in view.identities}) == 2  # one person across networks
        assert {"Met at the Saturday market"} <= {t.text for t in view.timeline if t.type == "note"}
        assert "targets" in view.lists and view.fields.get("city") == "Portland"
        networks = {t.network for t in view.timeline if t.type == "message" and t.direction == "in"}
        assert len(networks) == 2
        assert person_view(session, ws, one.merged_person_id).merged_into == one.kept_person_id
        # a teammate accepts the suggestions scored 0.6 or more: with each human whole, the truth is found
        for suggestion in people_with_open_suggestions(session, ws.id):
            if suggestion.score >= 0.6:
                kept, other = keeper_of(session, suggestion.person_a_id, suggestion.person_b_id)
                do_merge_people(session, ws, kept, other, evidence=suggestion.evidence, acting=TEAM)
        do_recompute_relationships(session, ws, acting=TEAM, now=NOW)
        person = _people(session)
        flags = _flags(session)
        advocates = {person[k] for k in cast.advocates + cast.cold_advocates}
        assert _found(advocates, flags["advocate"]) == (1.0, 1.0)
        recall, precision = _found({person[k] for k in cast.going_cold + cast.cold_advocates}, flags["cold"])
        assert recall >= 0.9 and precision >= 0.75, (recall, precision)
        assert _found({person[k] for k in cast.at_risk}, flags["at_risk"])[0] >= 0.9
        after_merge = snapshot(session)
        assert after_merge != before
    with store.session() as session:
        ws = access_workspace(session, "demo")
        for record in sorted(session.scalars(select(PersonMerge)), key=lambda m: -m.id):
            do_unmerge(session, ws, record, acting=TEAM, now=NOW + timedelta(minutes=2))
    with store.session() as session:
        assert snapshot(session) == before
        ws = access_workspace(session, "demo")
        # an un-merged pair is not merged again automatically
        _, again = do_refresh_merges(session, ws, acting=TEAM, now=NOW + timedelta(minutes=3))
        assert again == []
