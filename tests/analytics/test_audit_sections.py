"""The audit's sections run concurrently on their own sessions only when that sees what the caller's session
sees (goodwill.analytics.sections); the report is the same either way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from goodwill.analytics import sections
from goodwill.analytics.report import audit
from goodwill.demo import build_world
from goodwill.store import Store

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _report(session: Session, **kwargs: Any) -> str:
    report = audit(session, workspace="demo", **kwargs)
    report.pop("generated_at")
    return json.dumps(report, default=str)


def test_concurrent_sections_give_the_serial_report_and_only_when_safe(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_world(store, seed=7, now=NOW)
    monkeypatch.setattr(sections.os, "cpu_count", lambda: 2)
    with store.reader() as session:
        session.execute(text("SELECT 1"))
        assert sections.shared_engine(session) is store.engine
        concurrent = [_report(session), _report(session, since="30d", channel="mastodon")]
    with monkeypatch.context() as m:
        m.setattr(sections, "MAX_WORKERS", 1)
        with store.reader() as session:
            serial = [_report(session), _report(session, since="30d", channel="mastodon")]
    assert concurrent == serial

    with store.engine.connect() as connection:  # a session bound to one connection: serial on it
        session = Session(bind=connection)
        assert sections.shared_engine(session) is None
        assert _report(session) == serial[0]
        session.close()

    with store.session() as session:  # writes not yet committed: other connections would not see them
        before = audit(session, workspace="demo")["responsiveness"]["praise"]["praise_messages"]
        assert before > 0
        session.execute(text("UPDATE triage SET intent = 'question' WHERE intent = 'praise'"))
        assert sections.shared_engine(session) is None
        assert audit(session, workspace="demo")["responsiveness"]["praise"]["praise_messages"] == 0
        session.rollback()
