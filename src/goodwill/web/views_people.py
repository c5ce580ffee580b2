"""People, a person's profile and relationship, nudges, and the publishing calendar (read-only pages)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from fastapi.responses import HTMLResponse

from goodwill.store.tables import Workspace
from goodwill.web import people as read
from goodwill.web.pages import PageError, page, store_of, viewer
from goodwill.web.render import html


@page("GET", "/people", role="viewer")
def people(request: Request, q: str = "") -> HTMLResponse:
    me = viewer(request)
    with store_of(request).reader() as session:
        rows = read.list_people(session, me.workspace_id, query=q[:100])
    return html(request, "people.html", rows=rows, q=q[:100], now=datetime.now(UTC))


@page("GET", "/people/{person_id}", role="viewer")
def person(request: Request, person_id: int) -> HTMLResponse:
    me = viewer(request)
    with store_of(request).reader() as session:
        found = read.profile(session, me.workspace_id, person_id)
    return html(request, "person.html", p=found, now=datetime.now(UTC))


@page("GET", "/nudges", role="viewer")
def nudges(request: Request) -> HTMLResponse:
    me = viewer(request)
    with store_of(request).reader() as session:
        items = read.nudges(session, session.get_one(Workspace, me.workspace_id))
    return html(request, "nudges.html", items=items)


@page("GET", "/calendar", role="viewer")
def calendar(request: Request, month: str = "") -> HTMLResponse:
    me = viewer(request)
    try:
        first = date.fromisoformat(f"{month}-01") if month else datetime.now(UTC).date().replace(day=1)
    except ValueError:
        raise PageError(400, f"month {month[:20]!r}: write it as YYYY-MM") from None
    with store_of(request).reader() as session:
        weeks = read.calendar(session, me.workspace_id, first)
    before = (first - timedelta(days=1)).replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return html(request, "calendar.html", weeks=weeks, month=first, before=before, after=after)
