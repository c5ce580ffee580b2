"""Hostile social text is shown as text on every page that shows it: never markup, never a link."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from goodwill.store.tables import Identity, Person
from tests.web.conftest import XSS, Site, assert_no_active_content

RAW = ("<script>window.pwned", "<img src=x", 'href="javascript:', '<a href="javascript')


def _assert_inert(page: str, where: str) -> None:
    for raw in RAW:
        assert raw not in page, (where, raw)
    assert_no_active_content(page, where)


def test_payloads_in_messages_are_escaped_in_the_inbox_and_the_conversation(site: Site) -> None:
    owner = site.client("owner")
    inbox = owner.get("/inbox", params={"all": "true", "status": "any"}).text
    _assert_inert(inbox, "inbox")
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in inbox
    assert "&lt;img src=x onerror=&#34;window.pwned=2&#34;&gt;" in inbox
    for name in XSS:
        page = owner.get(f"/conversations/{site.conversations[f'x-{name}']}").text
        _assert_inert(page, name)
        assert "window.pwned" in page  # shown, as text
    assert not re.search(r'href="\s*javascript:', inbox + page, re.I)


def test_payloads_in_names_and_profile_links_are_escaped(site: Site) -> None:
    with site.store.session() as session:
        session.execute(update(Person).values(display_name="<script>window.pwned=5</script>"))
        session.execute(update(Identity).values(profile_url="javascript:window.pwned=6", handle="<b>h</b>"))
        person = session.scalar(select(Person.id).limit(1))
    owner = site.client("owner")
    for path in ("/inbox", "/people", f"/people/{person}", "/nudges", f"/conversations/{site.conversations['c1']}"):
        page = owner.get(path).text
        assert "<script>window.pwned=5" not in page and "<b>h</b>" not in page, path
        assert 'href="javascript:window.pwned=6' not in page, path
        assert_no_active_content(page, path)
    assert "&lt;script&gt;window.pwned=5&lt;/script&gt;" in owner.get(f"/people/{person}").text


def test_the_audit_report_escapes_message_text(site: Site) -> None:
    page = site.client("owner").get("/audit/report", params={"since": "365d"}).text
    _assert_inert(page, "audit")
