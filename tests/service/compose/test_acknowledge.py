"""`POST /acknowledge` and "no response needed" in six languages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.understand.analysis import no_response_needed
from tests.conftest import ORDER_ID, REPO, draft_request, freeze

NO_RESPONSE = yaml.safe_load((REPO / "tests" / "data" / "no_response.yaml").read_text("utf-8"))
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)  # 19:30 in Berlin


def frozen(client: TestClient, at: datetime) -> TestClient:
    freeze(client, at)
    return client


def german(text: str = "Mein Mixer ist defekt, was kann ich tun?") -> dict[str, Any]:
    body = draft_request(text, marketplace="amazon.de", buyer_name="Jana")
    body["message"]["received_at"] = FRIDAY_EVENING.isoformat()
    return body


def test_acknowledgement_names_a_concrete_time_in_the_buyers_language(
    make_client: Callable[..., TestClient],
) -> None:
    client = frozen(make_client(timezone="Europe/Berlin"), FRIDAY_EVENING)
    response = client.post("/acknowledge", json=german())
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["status"] == "pending"
    assert draft["language"] == "de"
    assert ORDER_ID in draft["text"]
    # Monday 30 November, 15:00 Berlin: 6 opening hours after Friday evening.
    assert "Montag, 30. November 2026, 15:00" in draft["text"]
    assert draft["policy"]["answer_by"].startswith("2026-11-30T14:00:00")
    assert draft["sources"][0]["id"] == "de/acknowledgement/holding"
    listed = client.get("/drafts", params={"status": "pending"}).json()
    assert listed["count"] == 1  # stored for an agent to approve: not an auto-responder


@pytest.mark.parametrize(
    ("marketplace", "text", "expected"),
    [
        ("amazon.fr", "Mon colis est arrivé abîmé, que faire ?", "lundi 30 novembre 2026"),
        ("amazon.es", "El paquete llegó dañado, ¿qué hago?", "lunes, 30 de noviembre de 2026"),
        ("amazon.it", "Il pacco è arrivato danneggiato, cosa faccio?", "lunedì 30 novembre 2026"),
        ("amazon.co.jp", "商品が壊れて届きました。どうすればいいですか？", "2026年11月30日月曜日"),
        ("amazon.co.uk", "My parcel arrived damaged, what now?", "Monday, November 30, 2026"),
    ],
)
def test_acknowledgement_in_each_language(
    make_client: Callable[..., TestClient], marketplace: str, text: str, expected: str
) -> None:
    client = frozen(make_client(timezone="Europe/Berlin"), FRIDAY_EVENING)
    body = draft_request(text, marketplace=marketplace)
    draft = client.post("/acknowledge", json=body).json()
    assert expected in draft["text"], draft["text"]
    assert draft["status"] == "pending", draft["guardrails"]


@pytest.mark.parametrize("case", NO_RESPONSE, ids=lambda c: f"{c['lang']}:{c['text'][:20]}")
def test_no_response_needed_set(case: dict[str, object]) -> None:
    assert no_response_needed(str(case["text"])) is case["none"]


def test_no_response_needed_reaches_draft_and_triage(client: TestClient) -> None:
    body = draft_request("Vielen Dank, alles klar!", marketplace="amazon.de")
    assert client.post("/triage", json=body).json()["no_response_needed"] is True
    assert client.post("/draft", json=body).json()["no_response_needed"] is True
    body = draft_request("Danke, aber wo ist mein Paket?", marketplace="amazon.de")
    assert client.post("/triage", json=body).json()["no_response_needed"] is False
