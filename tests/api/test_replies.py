"""Replies over the API: queue one (idempotent), the collision guard, suggestions, the tone check, approvals."""

from __future__ import annotations

from goodwill.actions import access_workspace
from goodwill.actions.approvals import do_set_approval_policy
from tests.api.conftest import Api
from tests.conftest import TESTER


def test_a_reply_is_queued_once_per_idempotency_key(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    body = {"text": "So sorry, Ann! DM us your order number.", "idempotency_key": "client-key-0001"}
    first = api.call("POST", f"conversations/{cid}/replies", role="agent", json=body)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    again = api.call("POST", f"conversations/{cid}/replies", role="agent", json=body)
    assert again.json()["id"] == first.json()["id"]
    assert api.get("replies", params={"conversation_id": cid}).json()["count"] == 1
    elsewhere = api.call("POST", f"conversations/{api.world.conversation_of('2').id}/replies", role="agent", json=body)
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["field"] == "idempotency_key"
    stranger = api.call("POST", f"conversations/{cid}/replies", role="agent", json={"text": "x", "in_reply_to_id": 99})
    assert stranger.status_code == 422 and stranger.json()["error"]["field"] == "in_reply_to_id"


def test_a_teammate_composing_holds_off_the_others_with_409(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    assert api.call("POST", f"conversations/{cid}/lock", role="agent").status_code == 200
    clash = api.call("POST", f"conversations/{cid}/replies", role="owner", json={"text": "On it!"})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "collision"
    assert "Ada Smith is answering" in clash.json()["error"]["message"]


def test_suggestions_and_the_tone_check(api: Api) -> None:
    cid = api.world.conversation_of("1").id
    found = api.get(f"conversations/{cid}/suggestions", params={"count": 2}).json()
    assert found["count"] == 2 and found["data"][0]["source"] == "composed:complaint"
    assert "sorry" in found["data"][0]["text"].lower()
    bad = api.call("POST", f"conversations/{cid}/check", role="viewer", json={"text": "That's not our fault. Buy now!"})
    assert bad.status_code == 200 and bad.json()["blocking"] is True
    assert {f["check"] for f in bad.json()["data"]} >= {"defensive", "no_apology"}
    good = api.call(
        "POST", f"conversations/{cid}/check", json={"text": "Ann, I'm so sorry. Could you DM us your order number?"}
    )
    assert good.json()["blocking"] is False


def test_approvals_edit_approve_reject_and_nobody_decides_twice(api: Api) -> None:
    with api.world.store.session() as session:
        do_set_approval_policy(session, access_workspace(session, "acme"), rules=[{"role": "agent"}], acting=TESTER)
    cid = api.world.conversation_of("1").id
    for text in ("Sorry about that!", "We'll fix it."):
        held = api.call("POST", f"conversations/{cid}/replies", role="agent", json={"text": text})
        assert held.status_code == 201 and held.json()["status"] == "held"
    pending = api.get("approvals").json()
    assert pending["count"] == 2
    first, second = (a["id"] for a in pending["data"])
    mine = api.call("POST", f"approvals/{first}/approve", role="agent", json={})
    assert mine.status_code == 403 and "wrote this reply" in mine.json()["error"]["message"]
    edited = api.call("POST", f"approvals/{first}/edit", role="admin", json={"text": "Ann, so sorry about that!"})
    assert edited.json()["text"] == "Ann, so sorry about that!" and edited.json()["status"] == "pending"
    approved = api.call("POST", f"approvals/{first}/approve", role="owner", json={"note": "good"})
    assert approved.json()["status"] == "approved" and approved.json()["original_text"] == "Sorry about that!"
    rejected = api.call("POST", f"approvals/{second}/reject", role="admin", json={"note": "promise nothing"})
    assert rejected.json()["status"] == "rejected"
    again = api.call("POST", f"approvals/{first}/reject", role="admin", json={})
    assert (
        again.status_code == 409 and again.json()["error"]["message"] == f"reply approval {first} is already approved"
    )
    assert api.get("approvals", params={"status": "all"}).json()["count"] == 2
    assert api.get("replies", params={"status": "rejected"}).json()["count"] == 1
    reply = api.get(f"replies/{approved.json()['reply_id']}").json()
    assert reply["status"] == "pending" and reply["text"] == "Ann, so sorry about that!"
    retry = api.call("POST", f"replies/{reply['id']}/retry", json={})
    assert retry.status_code == 409
