"""The audit on the demo world finds what the simulation planted (goodwill.demo.plan_world is the truth);
goals through their audited action; the HTML is self-contained and escapes social text."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from goodwill.actions import access_workspace
from goodwill.actions.audit import Acting
from goodwill.actions.goals import do_remove_goal, do_set_goal
from goodwill.analytics.html import render
from goodwill.analytics.report import audit
from goodwill.demo import build_world, plan_world
from goodwill.store import Store
from goodwill.store.tables import AuditEntry

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_audit_finds_what_the_demo_planted(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    world = plan_world(seed=7, now=NOW)
    posts = [m for m in world.messages if m.is_post]
    promo_truth = sum(m.category == "promotional" for m in posts) / len(posts)
    with store.session() as session:
        ws = access_workspace(session, "demo")
        do_set_goal(session, ws, metric="complaint_response_rate", target="95%", acting=Acting("test"))
        do_set_goal(session, ws, metric="promotional_share", target="20%", acting=Acting("test"))
    with store.reader() as session:
        report = audit(session, workspace="demo")
    content = report["content"]["overall"]
    assert content["posts"] == len(posts)
    assert abs(content["promotional_share"] - promo_truth) < 0.02
    assert report["content"]["overall"]["silent_channels"] == ["larkspur@mastodon.social"]  # abandoned
    assert all(c["gaps"] for c in report["content"]["channels"])  # the holiday: nobody posts anywhere
    resp = report["responsiveness"]
    assert resp["praise"]["thanked_rate"] < 0.5  # praise nobody thanked
    assert resp["waiting"]["complaints"] > 0 and resp["waiting"]["oldest"]
    complaints = resp["overall"]["by_intent"]["complaint"]
    assert 0.5 < complaints["response_rate"] < 0.8  # the story answers about two complaints in three
    assert complaints["first_response_minutes"]["median"] > 60  # late
    assert {t["teammate"] for t in resp["teammates"]} >= {"sam@larkspur.coffee", "priya@larkspur.coffee"}
    status = {m["key"]: m["status"] for m in report["mistakes"]}
    assert status["giant_ad"] == status["neglected_praise"] == status["no_ones_home"] == "problem"
    goals = {g["metric"]: g for g in report["goals"]}
    assert goals["complaint_response_rate"]["met"] is False and goals["promotional_share"]["met"] is False
    assert report["relationships"]["new_connections"]["welcome_rate"] < 0.5


def test_goals_are_validated_and_audited(store: Store, workspace: str) -> None:
    with store.session() as session:
        ws = access_workspace(session, workspace)
        goal = do_set_goal(session, ws, metric="median_first_response_minutes", target="60", acting=Acting("t"))
        assert goal == {"metric": "median_first_response_minutes", "target": 60.0, "channel_id": None}
        do_set_goal(session, ws, metric="median_first_response_minutes", target="45", acting=Acting("t"))
        assert ws.settings["goals"] == [{**goal, "target": 45.0}]
        with pytest.raises(ValueError, match="unknown goal"):
            do_set_goal(session, ws, metric="happiness", target="1", acting=Acting("t"))
        with pytest.raises(ValueError, match="between 0 and 100%"):
            do_set_goal(session, ws, metric="response_rate", target="150%", acting=Acting("t"))
        assert do_remove_goal(session, ws, metric="median_first_response_minutes", acting=Acting("t"))
        assert not do_remove_goal(session, ws, metric="median_first_response_minutes", acting=Acting("t"))
    with store.reader() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("goal.%"))).all()
    assert actions == ["goal.set", "goal.set", "goal.remove"]


def test_the_html_report_is_self_contained_and_escapes_social_text(store: Store) -> None:
    build_world(store, seed=7, now=NOW)
    with store.reader() as session:
        report = audit(session, workspace="demo")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    report["responsiveness"]["waiting"]["oldest"][0]["text"] = hostile
    report["responsiveness"]["channels"][0]["channel"] = hostile
    page = render(report)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert not re.search(r"<[^>]+\s(?:src|href)=", page) and "<link" not in page  # nothing fetched
    assert page.count("<svg") >= 4 and "<title>" in page
