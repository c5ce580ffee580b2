"""People, posts, rules, goals, the audit report and the audit log over the API."""

from __future__ import annotations

from goodwill.actions import access_workspace
from goodwill.store.tables import Post
from tests.api.conftest import Api
from tests.inbox.conftest import NOW


def test_people_with_their_identities_searchable_by_name_or_handle(api: Api) -> None:
    people = api.get("people").json()
    assert people["count"] == 3 and {p["display_name"] for p in people["data"]} == {"Ann Lee", "Bob Ray", "Cat Kim"}
    assert [p["display_name"] for p in api.get("people", params={"q": "bo"}).json()["data"]] == ["Bob Ray"]
    assert [p["display_name"] for p in api.get("people", params={"q": "%"}).json()["data"]] != []  # no wildcard games
    ann = api.get("people", params={"q": "ann", "limit": 1}).json()["data"][0]
    detail = api.get(f"people/{ann['id']}").json()
    assert [i["handle"] for i in detail["identities"]] == ["ann"] and detail["identities"][0]["network"] == "x"
    assert detail["relationship"]["inbound_count"] == 1
    assert api.get("people", params={"limit": 0}).json()["error"]["field"] == "query.limit"


def test_posts_listed_newest_first_and_filtered_by_status(api: Api) -> None:
    with api.world.store.session() as session:
        ws = access_workspace(session, "acme")
        for i, status in enumerate(("draft", "published", "draft")):
            session.add(
                Post(workspace_id=ws.id, channel_id=api.world.channel.id, status=status, text=f"p{i}", created_at=NOW)
            )
    posts = api.get("posts").json()
    assert posts["count"] == 3 and [p["text"] for p in posts["data"]] == ["p2", "p1", "p0"]
    drafts = api.get("posts", params={"status": "draft"}).json()
    assert drafts["count"] == 2
    one = api.get(f"posts/{drafts['data'][0]['id']}").json()
    assert one["status"] == "draft" and one["channel_id"] == api.world.channel.id
    assert api.get("posts/424242").status_code == 404


def test_rules_created_toggled_deleted_and_checked_field_by_field(api: Api) -> None:
    rule = {
        "name": "refunds",
        "conditions": {"keyword": ["refund"], "intent": ["complaint"]},
        "actions": {"tag": ["refund"], "priority": 80},
    }
    made = api.call("POST", "rules", json=rule)
    assert made.status_code == 201 and made.json()["conditions"] == {"keyword": ["refund"], "intent": ["complaint"]}
    rid = made.json()["id"]
    assert api.call("PATCH", f"rules/{rid}", json={"enabled": False}).json()["enabled"] is False
    assert api.get("rules").json()["count"] == 1
    empty = api.call("POST", "rules", json={**rule, "conditions": {}})
    assert empty.status_code == 422 and empty.json()["error"] == {
        "code": "invalid",
        "message": "a rule needs at least one condition",
        "field": "conditions",
    }
    blank_tag = api.call("POST", "rules", json={**rule, "actions": {"tag": ["  "]}})
    assert blank_tag.status_code == 422 and blank_tag.json()["error"]["field"] == "actions"
    wrong = api.call("POST", "rules", json={**rule, "actions": {"priority": 101}})
    assert wrong.json()["error"]["field"] == "body.actions.priority"
    assert api.call("DELETE", f"rules/{rid}").status_code == 204
    assert api.get(f"rules/{rid}").status_code == 404


def test_goals_set_in_their_unit_and_removed(api: Api) -> None:
    made = api.call("PUT", "goals/response_rate", json={"target": "95%"})
    assert made.json() == {
        "metric": "response_rate",
        "target": 0.95,
        "channel_id": None,
        "unit": "share",
        "help": "share of all conversations answered",
    }
    per_channel = api.call("PUT", "goals/posts_per_week", json={"target": 3, "channel_id": api.world.channel.id})
    assert per_channel.json()["channel_id"] == api.world.channel.id
    assert api.get("goals").json()["count"] == 2
    assert api.call("PUT", "goals/happiness", json={"target": 1}).json()["error"]["field"] == "metric"
    assert api.call("PUT", "goals/response_rate", json={"target": "lots"}).json()["error"]["field"] == "target"
    assert (
        api.call("PUT", "goals/response_rate", json={"target": 1, "channel_id": 999}).json()["error"]["field"]
        == "channel_id"
    )
    assert api.call("DELETE", "goals/response_rate").status_code == 204
    assert api.call("DELETE", "goals/response_rate").status_code == 404
    assert api.call("DELETE", "goals/posts_per_week", params={"channel_id": api.world.channel.id}).status_code == 204


def test_the_strategy_audit_report_and_its_errors(api: Api) -> None:
    report = api.get("audit", params={"since": "all"}).json()
    assert report["workspace"] == {"slug": "acme", "name": "Acme"}
    assert report["responsiveness"]["overall"]["inbound_conversations"] == 3
    assert api.get("audit", params={"since": "soon"}).json()["error"]["field"] == "since"
    assert api.get("audit", params={"channel": "myspace"}).json()["error"]["field"] == "channel"


def test_the_audit_log_is_read_by_cursor_every_entry_once(api: Api) -> None:
    for i in range(5):
        api.call("PATCH", f"conversations/{api.world.conversation_of('1').id}", json={"priority": 10 + i})
    seen: list[int] = []
    cursor = None
    while True:
        page = api.get("audit-log", params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= 5 + 4 + 4  # actions, team, tokens
    only = api.get("audit-log", params={"action": "conversation.priority"}).json()
    assert only["count"] == 5 and all(e["actor"] == "olive@acme.test" for e in only["data"])
    for bad in ("nonsense", "YTEy!", "Yng"):
        assert api.get("audit-log", params={"cursor": bad}).json()["error"]["field"] == "cursor"
