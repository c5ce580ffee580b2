"""Conversations over the API: the inbox with filters and pages, one conversation, changes in one
transaction, notes, messages, triage corrections."""

from __future__ import annotations

from sqlalchemy import func, select

from goodwill.store.tables import AuditEntry, Conversation, Notification
from tests.api.conftest import Api
from tests.factories import msg


def _audit_rows(api: Api) -> int:
    with api.world.store.reader() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_the_inbox_most_urgent_first_with_filters_and_pages(api: Api) -> None:
    everything = api.get("conversations").json()
    assert everything["count"] == 3 and [c["person"] for c in everything["data"]] == ["Ann Lee", "Bob Ray", "Cat Kim"]
    first = everything["data"][0]
    assert first["intent"] == "complaint" and first["needs_reply"] and first["preview"].startswith("My refund")
    assert first["person_id"] is not None and first["channel"] == "acme" and first["network"] == "x"
    waiting = api.get("conversations", params={"needs_reply": True}).json()
    assert waiting["count"] == 2 and {c["intent"] for c in waiting["data"]} == {"complaint", "question"}
    assert api.get("conversations", params={"intent": "praise"}).json()["count"] == 1
    page = api.get("conversations", params={"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and [c["person"] for c in page["data"]] == ["Bob Ray"]
    assert api.get("conversations", params={"offset": 5}).json() == {"data": [], "count": 3}
    unknown = api.get("conversations", params={"assignee": "nobody@acme.test"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "assignee"
    bad = api.get("conversations", params={"intent": "anger"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "query.intent"


def test_one_patch_assigns_tags_prioritises_and_snoozes_or_changes_nothing(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    ada = api.world.team["Ada"]
    change = {"assignee_id": ada, "add_tags": ["Billing", "#refund"], "priority": 90, "status": "snoozed"}
    changed = api.call("PATCH", f"conversations/{cid}", role="agent", json=change)
    assert changed.status_code == 200, changed.text
    body = changed.json()["conversation"]
    assert (body["assignee_id"], body["tags"], body["priority"], body["status"]) == (
        ada,
        ["billing", "refund"],
        90,
        "snoozed",
    )
    kinds = [i["kind"] for i in changed.json()["timeline"] if i["type"] == "activity"]
    assert {"assigned", "tagged", "priority", "status"} <= set(kinds)
    before = _audit_rows(api)
    # a bad tag after good changes: nothing of the request is kept
    refused = api.call(
        "PATCH", f"conversations/{cid}", json={"priority": 10, "status": "resolved", "add_tags": ["no spaces"]}
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "add_tags"
    with api.world.store.reader() as session:
        row = session.get_one(Conversation, cid)
        assert (row.priority, row.status) == (90, "snoozed")
    assert _audit_rows(api) == before
    assert api.call("PATCH", f"conversations/{cid}", json={"assignee_id": api.world.team["Vic"]}).json()["error"] == {
        "code": "invalid",
        "message": "vic@acme.test is a viewer and cannot be assigned conversations",
        "field": "assignee_id",
    }
    unassigned = api.call("PATCH", f"conversations/{cid}", json={"assignee_id": None}).json()["conversation"]
    assert unassigned["assignee_id"] is None
    ghost = api.call("PATCH", f"conversations/{cid}", json={"assignee_id": 999})
    assert ghost.status_code == 422 and ghost.json()["error"]["field"] == "assignee_id"
    stray = api.call("PATCH", f"conversations/{cid}", json={"snooze_until": "2030-01-01T00:00:00Z"})
    assert stray.status_code == 422 and stray.json()["error"]["field"] == "snooze_until"
    naive = api.call("PATCH", f"conversations/{cid}", json={"status": "snoozed", "snooze_until": "2030-01-01T00:00"})
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "body.snooze_until"
    typo = api.call("PATCH", f"conversations/{cid}", json={"priorty": 5})
    assert typo.status_code == 422 and typo.json()["error"]["field"] == "body.priorty"


def test_a_note_mentions_a_teammate_and_the_timeline_reads_top_to_bottom(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    note = api.call("POST", f"conversations/{cid}/notes", role="agent", json={"text": "@ben can you check the refund?"})
    assert note.status_code == 201
    assert note.json()["mentions"] == [api.world.team["Ben"]] and note.json()["actor"] == "ada@acme.test"
    with api.world.store.reader() as session:
        assert (
            session.scalar(select(Notification.teammate_id).where(Notification.kind == "mention"))
            == api.world.team["Ben"]
        )
    blank = api.call("POST", f"conversations/{cid}/notes", json={"text": "   "})
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "text"
    detail = api.get(f"conversations/{cid}").json()
    assert [i["type"] for i in detail["timeline"]] == ["message", "activity"]
    assert detail["timeline"][1]["text"] == "@ben can you check the refund?"


def test_messages_and_a_triage_correction(api: Api) -> None:
    cid = api.world.conversation_of("2").id
    listed = api.get(f"conversations/{cid}/messages").json()
    assert listed["count"] == 1
    message = listed["data"][0]
    assert message["triage"]["intent"] == "question" and message["direction"] == "in" and message["author"] == "@bob"
    corrected = api.call("POST", f"messages/{message['id']}/triage", role="agent", json={"intent": "lead"})
    assert corrected.status_code == 200 and corrected.json()["triage"]["intent"] == "lead"
    assert corrected.json()["triage"]["corrected"] is True
    assert api.get(f"messages/{message['id']}").json()["triage"]["intent"] == "lead"
    nothing = api.call("POST", f"messages/{message['id']}/triage", json={})
    assert nothing.status_code == 422 and "say what to correct" in nothing.json()["error"]["message"]
    assert api.call("POST", f"messages/{message['id']}/triage", json={"severity": 9}).status_code == 422


def _statements(api: Api, path: str, **params: object) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(api.world.store.engine, "before_cursor_execute", count)
    try:
        assert api.get(path, params=params).status_code == 200
    finally:
        event.remove(api.world.store.engine, "before_cursor_execute", count)
    return len(seen)


def test_list_pages_cost_the_same_statements_for_1_or_20_rows(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    api.get("/api/v1/me")  # the token's first use is stamped (one more statement, once in five minutes)
    few = (_statements(api, "conversations", limit=1), _statements(api, f"conversations/{cid}/messages", limit=1))
    api.world.ingest(*(msg(f"r{i}", text="still late?", author="ann", parent="1", minutes=5 + i) for i in range(20)))
    api.world.ingest(*(msg(f"n{i}", text=f"refund {i}?", author=f"p{i}", minutes=30 + i) for i in range(20)))
    many = (_statements(api, "conversations", limit=20), _statements(api, f"conversations/{cid}/messages", limit=20))
    assert api.get(f"conversations/{cid}/messages").json()["count"] == 21
    assert many == few, (few, many)
