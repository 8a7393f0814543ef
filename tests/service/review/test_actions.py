"""The review workflow (`service.review.actions`) through the app: approve, reject, edit
measures, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rapidfuzz.distance import Levenshtein

import guardrails
from tests.conftest import ORDER_ID, draft_request
from tests.service.review.support import (
    PORTUGUESE_REPLY,
    create_blocked_draft,
    create_draft,
)

Client = Callable[..., TestClient]


def _approve(client: TestClient, draft_id: str, **body: Any) -> Any:
    return client.post(f"/drafts/{draft_id}/approve", json={"agent_id": "anna"} | body)


def test_approve_unedited_draft(db_url: str, make_client: Client) -> None:
    client = make_client(database_url=db_url)
    draft = create_draft(client)
    response = _approve(client, draft["draft_id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {
        "draft_id": draft["draft_id"],
        "status": "approved",
        "text": draft["text"],
        "edited": False,
        "edit_ratio": 0.0,
        "undone_fixes": [],
        "findings": [],
    }
    detail = client.get(f"/drafts/{draft['draft_id']}").json()
    assert detail["status"] == "approved"
    assert detail["review"]["reviewed_by"] == "anna"
    assert detail["review"]["edited"] is False
    assert [event["action"] for event in detail["history"]] == ["drafted", "approved"]
    approved = detail["history"][1]
    assert approved["actor"] == "anna"
    assert approved["text_before"] == approved["text_after"] == draft["text"]


def test_edited_text_with_link_and_email_is_fixed_and_measured(
    db_url: str, make_client: Client
) -> None:
    client = make_client(database_url=db_url)
    draft = create_draft(client)
    edited = draft["text"].replace(
        "Kind regards",
        "We are sorry for the wait and will keep an eye on it for you. "
        "Track it at https://shop.example.com/track or write to help@shop-example.com "
        "if you need more.\n\nKind regards",
    )
    response = _approve(client, draft["draft_id"], text=edited)
    assert response.status_code == 200, response.text
    body = response.json()
    rules = {f["rule"] for f in body["findings"]}
    assert {"external_link", "email_address"} <= rules
    assert all(f["action"] == "fixed" for f in body["findings"])
    assert "shop.example.com" not in body["text"]
    assert "@" not in body["text"]
    assert "We are sorry for the wait" in body["text"]
    assert ORDER_ID in body["text"]
    assert body["edited"] is True
    expected = Levenshtein.normalized_distance(draft["text"], body["text"])
    assert body["edit_ratio"] == pytest.approx(expected, abs=1e-4)
    assert 0 < body["edit_ratio"] < 0.5
    detail = client.get(f"/drafts/{draft['draft_id']}").json()
    assert detail["text"] == body["text"]  # plugins fetch the approved, fixed text here
    assert detail["raw_text"] == draft["text"]  # what the generator wrote stays
    event = detail["history"][-1]
    assert event["text_before"] == draft["text"]
    assert event["text_after"] == body["text"]
    assert event["details"]["edit_ratio"] == body["edit_ratio"]
    assert {f["rule"] for f in event["details"]["findings"]} == rules


def test_placeholder_left_in_the_final_text_answers_422(db_url: str, make_client: Client) -> None:
    probe = guardrails.check(
        f"Hello [Customer Name], your order {ORDER_ID} is on its way.",
        order_id=ORDER_ID,
        marketplace="amazon.com",
    )
    assert any(f.rule == "placeholder" and f.action == "blocked" for f in probe.findings)
    client = make_client(database_url=db_url)
    draft = create_draft(client)
    edited = draft["text"].replace("Hello Jane", "Hello [Customer Name]")
    response = _approve(client, draft["draft_id"], text=edited)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(
        f["rule"] == "placeholder" and f["action"] == "blocked" and f["match"] == "[Customer Name]"
        for f in detail["findings"]
    )
    assert client.get(f"/drafts/{draft['draft_id']}").json()["status"] == "pending"
    # Fixed, it goes through.
    assert _approve(client, draft["draft_id"], text=draft["text"]).status_code == 200


def test_blocked_draft_needs_an_edit_that_passes(db_url: str, make_client: Client) -> None:
    client = make_client(database_url=db_url)
    draft = create_blocked_draft(client)
    draft_id = draft["draft_id"]
    unedited = _approve(client, draft_id)
    assert unedited.status_code == 422
    assert {f["rule"] for f in unedited.json()["detail"]["findings"]} >= {"language_mismatch"}
    same_text = _approve(client, draft_id, text=draft["text"])
    assert same_text.status_code == 422
    assert client.get(f"/drafts/{draft_id}").json()["status"] == "blocked"

    fixed = _approve(client, draft_id, text=PORTUGUESE_REPLY)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["edited"] is True
    assert fixed.json()["edit_ratio"] > 0.5
    detail = client.get(f"/drafts/{draft_id}").json()
    assert detail["status"] == "approved"
    assert detail["history"][-1]["details"]["status_before"] == "blocked"


def test_undoing_guardrail_fixes_is_reported(
    db_url: str, make_client: Client, fake_llm: tuple[str, Any]
) -> None:
    base_url, _ = fake_llm
    client = make_client(database_url=db_url, llm_base_url=base_url, llm_model="violations")
    draft = create_draft(client)
    detail = client.get(f"/drafts/{draft['draft_id']}").json()
    # The agent pastes back what the model wrote: every fix is undone, and done again.
    response = _approve(client, draft["draft_id"], text=detail["raw_text"])
    assert response.status_code == 200, response.text
    body = response.json()
    fixed_in_draft = {f["rule"] for f in draft["guardrails"]["findings"] if f["action"] == "fixed"}
    assert len(fixed_in_draft) >= 3
    assert set(body["undone_fixes"]) == fixed_in_draft
    assert "shop.example.com" not in body["text"]
    stored = client.get(f"/drafts/{draft['draft_id']}").json()
    assert stored["review"]["undone_fixes"] == body["undone_fixes"]


def test_reject_needs_a_reason_and_ends_the_review(db_url: str, make_client: Client) -> None:
    client = make_client(database_url=db_url)
    draft = create_draft(client)
    draft_id = draft["draft_id"]
    url = f"/drafts/{draft_id}/reject"
    assert client.post(url, json={"agent_id": "anna"}).status_code == 422
    assert client.post(url, json={"agent_id": "anna", "reason": "  "}).status_code == 422
    assert client.post(url, json={"reason": "wrong tone"}).status_code == 422
    response = client.post(url, json={"agent_id": "anna", "reason": "wrong tone"})
    assert response.status_code == 200, response.text
    assert response.json() == {"draft_id": draft_id, "status": "rejected", "reason": "wrong tone"}
    assert client.post(url, json={"agent_id": "bo", "reason": "again"}).status_code == 409
    assert _approve(client, draft_id).status_code == 409
    detail = client.get(f"/drafts/{draft_id}").json()
    assert detail["status"] == "rejected"
    assert detail["review"]["reason"] == "wrong tone"
    assert detail["text"] == draft["text"]
    rejected = detail["history"][-1]
    assert (rejected["action"], rejected["actor"]) == ("rejected", "anna")
    assert rejected["details"]["reason"] == "wrong tone"
    assert len(detail["history"]) == 2


def test_approved_draft_cannot_be_approved_again(db_url: str, make_client: Client) -> None:
    client = make_client(database_url=db_url)
    draft = create_draft(client)
    assert _approve(client, draft["draft_id"]).status_code == 200
    again = _approve(client, draft["draft_id"], agent_id="bo")
    assert again.status_code == 409
    assert "approved" in again.json()["detail"]
    reject = client.post(
        f"/drafts/{draft['draft_id']}/reject", json={"agent_id": "bo", "reason": "late"}
    )
    assert reject.status_code == 409


def test_unknown_draft_is_404(client: TestClient) -> None:
    assert _approve(client, "nope").status_code == 404
    response = client.post("/drafts/nope/reject", json={"agent_id": "a", "reason": "x"})
    assert response.status_code == 404


def test_review_endpoints_need_the_agent_role(make_client: Client) -> None:
    client = make_client(api_keys="plugin:p-key,agent:a-key,ops:o-key")
    plugin = {"Authorization": "Bearer p-key"}
    draft = client.post("/draft", json=draft_request(), headers=plugin).json()
    draft_id = draft["draft_id"]
    assert client.get("/drafts").status_code == 401
    assert client.get("/drafts", headers=plugin).status_code == 403
    assert client.post(f"/drafts/{draft_id}/approve", json={"agent_id": "a"}).status_code == 401
    forbidden = client.post(f"/drafts/{draft_id}/approve", json={"agent_id": "a"}, headers=plugin)
    assert forbidden.status_code == 403
    assert client.get("/review/queue", headers=plugin).status_code == 403
    assert client.get("/drafts", headers={"X-API-Key": "o-key"}).status_code == 200
    agent = {"Authorization": "Bearer a-key"}
    assert client.get("/drafts", headers=agent).json()["count"] == 1
    ok = client.post(f"/drafts/{draft_id}/approve", json={"agent_id": "a"}, headers=agent)
    assert ok.status_code == 200
    # Plugins fetch the approved text.
    assert client.get(f"/drafts/{draft_id}", headers=plugin).json()["status"] == "approved"
