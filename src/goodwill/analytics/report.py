"""The strategy audit: "is our social strategy working?" as one JSON-able report (library API first: the
CLI, HTML and dashboard render this dict). Definitions: docs/audit.md."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from goodwill.analytics import content as c
from goodwill.analytics.goals import goals_of, scorecard
from goodwill.analytics.mistakes import check
from goodwill.analytics.relationships import relationships
from goodwill.analytics.responsiveness import conversation_table, responsiveness
from goodwill.analytics.scope import Scope, resolve_scope
from goodwill.inbox.sla import hours_of

VERSION = 1


def figures(session: Session, scope: Scope, *, full: bool = True) -> dict[str, Any]:
    """Every figure of one period. `full=False` leaves out the lists that only the current period shows."""
    table = conversation_table(session, scope)
    report: dict[str, Any] = {
        "period": scope.as_dict(),
        "responsiveness": responsiveness(session, scope, table, full=full),
        "content": c.content(session, scope),
        "relationships": relationships(session, scope, table, full=full),
    }
    if full:
        report["voice"] = c.voice(session, scope, table)
        report["coverage"] = c.coverage(session, scope)
    return report


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
    for trends (`compare`)."""
    scope = resolve_scope(session, workspace=workspace, since=since, until=until, channel=channel)
    report = figures(session, scope)
    previous = figures(session, scope.previous(), full=False) if compare else None
    hours = hours_of(scope.workspace)
    report["version"] = VERSION
    report["generated_at"] = datetime.now(UTC).isoformat()
    report["workspace"] = {"slug": scope.workspace.slug, "name": scope.workspace.name}
    report["business_hours"] = (scope.workspace.settings or {}).get("business_hours") or "24/7"
    report["business_hours_set"] = hours.windows is not None
    report["goals"] = scorecard(goals_of(scope.workspace), report, previous)
    report["mistakes"] = check(report)
    report["previous"] = previous
    report["later"] = {  # filled by later issues
        "publishing": "issue 9: post categories from the publishing plan replace the stand-in classifier",
        "relationships": "relationship states as of the period's start and end (docs/relationships.md)",
    }
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
