"""`GET /drafts/{id}/case`: the Seller Support case pack, JSON and markdown."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import ORDER_ID, draft_request


def test_case_pack_has_summary_timeline_tracking_policies_and_deadlines(
    client: TestClient,
) -> None:
    first = client.post("/draft", json=draft_request("Where is my package?")).json()
    client.post(f"/drafts/{first['draft_id']}/approve", json={"agent_id": "anna"})
    body = draft_request(
        "Still nothing. I'm filing an A-to-z claim and disputing the charge with my bank."
    )
    body["thread"] = [
        {"from": "buyer", "text": "Where is my package?", "sent_at": "2026-11-19T08:00:00Z"}
    ]
    second = client.post("/draft", json=body).json()
    assert set(second["escalation"]["reasons"]) >= {"a_to_z_claim", "chargeback"}

    response = client.get(f"/drafts/{second['draft_id']}/case")
    assert response.status_code == 200
    pack = response.json()
    assert pack["order_id"] == ORDER_ID
    assert "A-to-z claim" in pack["summary"] or "a to z claim" in pack["summary"]
    whats = [item["what"] for item in pack["timeline"]]
    assert whats.count("buyer message") == 3  # the thread entry and both stored messages
    assert "reply approved" in whats and whats.count("reply drafted") == 2
    assert pack["timeline"][0]["at"] == "2026-11-19T08:00:00Z"
    assert pack["tracking"]["tracking_number"] == "1Z999AA10123456784"
    assert {p["id"] for p in pack["policies"]} >= {"reply_time", "a_to_z_claim", "chargeback"}
    assert pack["deadlines"]["respond_by"].startswith("2026-11-21T09:15:00")

    md = client.get(f"/drafts/{second['draft_id']}/case", params={"format": "md"})
    assert md.status_code == 200
    assert md.headers["content-type"].startswith("text/markdown")
    text = md.text
    assert text.startswith(f"# Case pack: order {ORDER_ID}")
    for heading in ("## Order", "## Deadlines", "## Policies that apply", "## Timeline"):
        assert heading in text
    assert "A-to-z Guarantee" in text and "by anna" in text


def test_case_pack_of_an_unknown_draft_is_404_and_format_is_checked(client: TestClient) -> None:
    assert client.get("/drafts/nope/case").status_code == 404
    draft = client.post("/draft", json=draft_request()).json()
    assert client.get(f"/drafts/{draft['draft_id']}/case?format=pdf").status_code == 422


def test_case_pack_needs_the_agent_role(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys="plugin:p1,agent:a1")
    draft = client.post(
        "/draft", json=draft_request(), headers={"Authorization": "Bearer p1"}
    ).json()
    url = f"/drafts/{draft['draft_id']}/case"
    assert client.get(url, headers={"Authorization": "Bearer p1"}).status_code == 403
    assert client.get(url, headers={"Authorization": "Bearer a1"}).status_code == 200
