"""The strategy audit: "is our social strategy working?" as one JSON-able report (library API first: the
CLI, HTML and dashboard render this dict). Definitions: docs/audit.md."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from goodwill.analytics import content as c
from goodwill.analytics.goals import goals_of, scorecard
from goodwill.analytics.mistakes import check
from goodwill.analytics.relationships import advocacy, follow_ups, new_connections_periods
from goodwill.analytics.responsiveness import (
    conversation_table,
    praise_periods,
    responder_table,
    responsiveness_of,
    teammates,
    waiting,
)
from goodwill.analytics.scope import Scope, resolve_scope
from goodwill.analytics.sections import Sections
from goodwill.inbox.sla import hours_of
from goodwill.memory import collector_paused

VERSION = 1


def submit(run: Sections, scope: Scope, previous: Scope | None = None, *, full: bool = True) -> dict[str, Future[Any]]:
    """Start every query of one period, and of the period before it when given (the longest first; the
    sections that need the conversation table last, so the table is being built or done when they wait for
    it). The content mix, praise and new connections of both periods come from one read each."""
    periods = (scope,) if previous is None else (scope, previous)
    parts = {"table": run.submit(responder_table if full else conversation_table, scope)}
    if full:
        parts["advocacy"] = run.submit(advocacy, scope)
    parts["content"] = run.submit(c.content_periods, periods)
    parts["new_connections"] = run.submit(new_connections_periods, periods)
    parts["praise"] = run.submit(praise_periods, periods)
    if previous is not None:
        parts["previous_table"] = run.submit(conversation_table, previous)
    if full:
        parts["coverage"] = run.submit(c.coverage, scope)
        parts["waiting"] = run.submit(waiting, scope)
    return parts


def submit_dependent(run: Sections, scope: Scope, parts: dict[str, Future[Any]]) -> None:
    """The sections of the full report that read the conversation table."""
    parts["teammates"] = run.submit(teammates, scope, parts["table"])
    parts["voice"] = run.submit(c.voice, scope, parts["table"])
    parts["follow_ups"] = run.submit(follow_ups, scope, parts["table"])


def collect(scope: Scope, parts: dict[str, Future[Any]], *, full: bool = True, index: int = 0) -> dict[str, Any]:
    """Every figure of one period from its finished parts (the same keys in the same order as always); `index`
    1 picks the period before from the parts both periods share."""
    got = {key: part.result() for key, part in parts.items()}
    table = got["table" if index == 0 else "previous_table"]
    report: dict[str, Any] = {
        "period": scope.as_dict(),
        "responsiveness": responsiveness_of(
            scope,
            table,
            got["teammates"] if full else [],
            got["waiting"] if full else {"complaints": None, "questions": None, "oldest": []},
            got["praise"][index],
        ),
        "content": got["content"][index],
        "relationships": (
            {"new_connections": got["new_connections"][index], "follow_ups": got["follow_ups"], **got["advocacy"]}
            if full
            else {"new_connections": got["new_connections"][index]}
        ),
    }
    if full:
        report["voice"] = got["voice"]
        report["coverage"] = got["coverage"]
    return report


def figures(session: Session, scope: Scope, *, full: bool = True) -> dict[str, Any]:
    """Every figure of one period. `full=False` leaves out the lists that only the current period shows."""
    with Sections(session) as run:
        parts = submit(run, scope, full=full)
        if full:
            submit_dependent(run, scope, parts)
        return collect(scope, parts, full=full)


def audit(
    session: Session,
    *,
    workspace: str,
    since: str | datetime | None = "90d",
    until: str | datetime | None = None,
    channel: str | None = None,
    compare: bool = True,
) -> dict[str, Any]:
    """The whole report for a workspace (or one channel) over a period, with the period before it beside it
    for trends (`compare`). Python's cyclic garbage collector is paused while it runs (goodwill.memory): the
    report reads hundreds of thousands of rows that all live until it is done, and the collector walked them
    again and again for nothing (its passes took about 0.4 CPU s of a report over 1,000,000 messages; the
    whole report's time with and without the pause differed within the noise: docs/benchmarks.md)."""
    with collector_paused():
        return _audit(session, workspace=workspace, since=since, until=until, channel=channel, compare=compare)


def _audit(
    session: Session,
    *,
    workspace: str,
    since: str | datetime | None,
    until: str | datetime | None,
    channel: str | None,
    compare: bool,
) -> dict[str, Any]:
    scope = resolve_scope(session, workspace=workspace, since=since, until=until, channel=channel)
    before = scope.previous() if compare else None
    with Sections(session) as run:  # both periods' sections, concurrently when safe (analytics.sections)
        parts = submit(run, scope, before)
        submit_dependent(run, scope, parts)
        report = collect(scope, parts)
        previous = collect(before, parts, full=False, index=1) if before is not None else None
    hours = hours_of(scope.workspace)
    report["version"] = VERSION
    report["generated_at"] = datetime.now(UTC).isoformat()
    report["workspace"] = {"slug": scope.workspace.slug, "name": scope.workspace.name}
    report["business_hours"] = (scope.workspace.settings or {}).get("business_hours") or "24/7"
    report["business_hours_set"] = hours.windows is not None
    report["goals"] = scorecard(goals_of(scope.workspace), report, previous)
    report["mistakes"] = check(report)
    report["previous"] = previous
    return report


def compare_periods(
    session: Session,
    *,
    workspace: str,
    first: tuple[str | datetime, str | datetime],
    second: tuple[str | datetime, str | datetime],
    channel: str | None = None,
) -> dict[str, Any]:
    """Two periods side by side: the full report of each (no trend columns)."""
    return {
        "periods": [
            audit(session, workspace=workspace, since=a, until=b, channel=channel, compare=False)
            for a, b in (first, second)
        ]
    }
