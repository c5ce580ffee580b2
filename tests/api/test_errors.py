"""Errors are JSON with the right status everywhere under /api; other paths keep FastAPI's own bodies."""

from __future__ import annotations

from tests.api.conftest import Api


def test_unknown_paths_and_methods_answer_json(api: Api) -> None:
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"error": {"code": "not_found", "message": "Not Found"}}
    wrong = api.call("DELETE", "conversations")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
    assert api.client.get("/webhooks/x/999999", params={"crc_token": "a"}).json() == {"detail": "no such webhook"}


def test_validation_names_the_field_and_the_value_wrong(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    not_json = api.call(
        "POST", f"conversations/{cid}/notes", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code in (400, 422) and "error" in not_json.json()
    no_text = api.call("POST", f"conversations/{cid}/notes", json={})
    assert no_text.status_code == 422
    assert no_text.json()["error"] == {
        "code": "validation",
        "message": "body.text: Field required",
        "field": "body.text",
    }
    nul = api.call("POST", f"conversations/{cid}/notes", json={"text": "a\u0000b"})
    assert nul.status_code == 422 and "NUL" in nul.json()["error"]["message"]
    assert api.get("conversations/abc").json()["error"]["field"] == "path.conversation_id"
    assert api.get(f"conversations/{2**70}").json()["error"]["field"] == "path.conversation_id"
    assert api.get("conversations", params={"limit": 1000}).json()["error"]["field"] == "query.limit"
    huge = api.call("POST", f"conversations/{cid}/replies", json={"text": "x" * 10_001})
    assert huge.status_code == 422 and huge.json()["error"]["field"] == "body.text"


def test_the_openapi_document_and_docs_are_served(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    assert "/api/v1/workspaces/{slug}/conversations" in spec["paths"]
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    responses = spec["paths"]["/api/v1/workspaces/{slug}/conversations/{conversation_id}"]["patch"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert api.client.get("/docs").status_code == 200


def test_numbers_out_of_range_are_refused_not_crashed_on(api: Api) -> None:
    for assignee in ("99999999999999999999999", "²"):
        answer = api.get("conversations", params={"assignee": assignee})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "assignee", answer.text
    for since in ("999999999999d", "0001-01-01"):
        answer = api.get("audit", params={"since": since})
        assert answer.status_code in (200, 422), answer.text
    assert api.get("audit", params={"since": "999999999999d"}).status_code == 422
    for target in ("inf", "nan", "-inf", "1e400"):
        answer = api.call("PUT", "goals/posts_per_week", json={"target": target})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "target", answer.text
    assert api.get("goals").json()["count"] == 0
    rule = {"name": "r", "conditions": {"keyword": ["x"]}, "actions": {"snooze": 10**12}}
    assert api.call("POST", "rules", json=rule).json()["error"]["field"] == "body.actions.snooze"
