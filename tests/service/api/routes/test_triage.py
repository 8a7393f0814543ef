"""`POST /triage`: the analysis of a message without a draft, and nothing stored."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from service.understand.analysis import no_response_needed
from tests.conftest import draft_request

FIELDS = {
    "language",
    "intent",
    "intent_confidence",
    "intent_source",
    "tags",
    "priority",
    "respond_by",
    "target_by",
    "escalation",
    "no_response_needed",
    "respond_by_extended",
    "intents_secondary",
}


def test_triage_answers_the_documented_fields_and_stores_nothing(client: TestClient) -> None:
    body = draft_request("Where is my package? It has not arrived yet.")
    response = client.post("/triage", json=body)
    assert response.status_code == 200, response.text
    triage = response.json()
    assert set(triage) == FIELDS
    assert triage["language"] == "en"
    assert triage["intent"] == "where_is_my_order"
    assert 0 < triage["intent_confidence"] <= 1
    assert triage["intent_source"] == "model"
    assert triage["tags"] == ["Shipping"]
    assert triage["intents_secondary"] == []
    received = datetime.fromisoformat("2026-11-20T09:15:00+00:00")
    assert datetime.fromisoformat(triage["respond_by"]) == received + timedelta(hours=24)
    # 09:15 on a Friday in the default calendar (UTC, Mon-Fri 09:00-17:00): inside business
    # hours, so the seller's own target is six hours.
    assert datetime.fromisoformat(triage["target_by"]) == received + timedelta(hours=6)
    assert triage["escalation"] == {"recommended": False, "reasons": []}
    assert triage["no_response_needed"] is False
    # received long ago, so the 24-hour clock has run out: urgent
    assert triage["priority"] == "urgent"
    assert client.get("/drafts", params={"status": "pending"}).json().get("count", 0) == 0


def test_a_to_z_claim_is_escalated(client: TestClient) -> None:
    body = draft_request("I will open an A-to-z claim if this is not solved today.")
    triage = client.post("/triage", json=body).json()
    assert triage["intent"] == "a_to_z_claim"
    assert triage["escalation"] == {"recommended": True, "reasons": ["a_to_z_claim"]}


def test_language_from_locale_and_intent_across_languages(client: TestClient) -> None:
    body = draft_request("Bitte stornieren Sie meine Bestellung, ich habe doppelt bestellt.")
    body["message"]["language"] = "de_DE"
    triage = client.post("/triage", json=body).json()
    assert (triage["language"], triage["intent"]) == ("de", "cancellation_request")


def test_triage_rejects_bad_input(client: TestClient) -> None:
    assert client.post("/triage", json={"message": {"text": "hi"}}).status_code == 422


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!",
        "ok got it, thank you",
        "Danke schön, alles klar!",
        "Merci beaucoup",
        "Vale, gracias",
        "Grazie mille!",
        "ありがとうございました。",
        "了解しました",
    ],
)
def test_bare_thanks_need_no_response(text: str) -> None:
    assert no_response_needed(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, but where is my order?",
        "Thank you. The item arrived broken though.",
        "ok?",
        "Danke, aber das Gerät funktioniert nicht",
        "ありがとうございます。返金はいつですか",
        "I am very unhappy with this, thanks for nothing",
        "Where is my package?",
    ],
)
def test_questions_and_complaints_always_need_a_response(text: str) -> None:
    assert not no_response_needed(text)


def test_triage_reports_a_bare_thanks(client: TestClient) -> None:
    triage = client.post("/triage", json=draft_request("Thanks Jane, got it!")).json()
    assert triage["no_response_needed"] is True


def test_triage_names_the_item_problem_a_refund_question_states(client: TestClient) -> None:
    # Sent back: a refund to wait for, and the damage beside it ("It arrived smashed. When do I
    # get my money back?" alone reads as a damaged item, whose reply offers the refund).
    body = draft_request(
        "The lamp arrived smashed, so I sent it back. When do I get my money back?"
    )
    triage = client.post("/triage", json=body).json()
    assert triage["intent"] == "refund_status"
    assert triage["intents_secondary"] == ["damaged_item"]
    assert triage["tags"] == ["Refunds", "Product issue", "Damaged"]
