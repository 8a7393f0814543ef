"""`POST /proactive`: the proactive rules of docs/policy.md, with frozen time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ORDER_ID, freeze

DELIVERED = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def order(**extra: Any) -> dict[str, Any]:
    return {
        "order_id": ORDER_ID,
        "marketplace": "amazon.de",
        "buyer_name": "Jana",
        "delivered_at": DELIVERED.isoformat(),
        "earliest_delivery_date": (DELIVERED - timedelta(days=2)).isoformat(),
        "latest_delivery_date": (DELIVERED + timedelta(days=1)).isoformat(),
        "items": [{"asin": "B08N5WRWNW", "title": "Mixer X2", "quantity": 1}],
        "tracking": {"carrier": "DHL", "number": "00340434161094042557"},
    } | extra


@pytest.fixture
def at(make_client: Callable[..., TestClient]) -> Callable[[datetime], TestClient]:
    client = make_client()

    def frozen(moment: datetime) -> TestClient:
        freeze(client, moment)
        return client

    return frozen


def test_three_days_after_delivery_a_german_buyer_gets_german_with_the_order_id(
    at: Callable[[datetime], TestClient],
) -> None:
    client = at(DELIVERED + timedelta(days=3))
    response = client.post("/proactive", json={"order": order(), "kind": "usage_guide"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["status"] == "pending", draft["guardrails"]
    assert draft["language"] == "de"
    assert ORDER_ID in draft["text"]
    assert draft["text"].startswith("Guten Tag Jana,")
    assert "Bedienungsanleitung" in draft["text"]
    assert draft["policy"]["message_kind"] == "proactive"
    assert draft["policy"]["proactive_kind"] == "usage_guide"
    assert draft["sources"][0]["id"] == "de/proactive/usage-guide"


def test_45_days_after_delivery_is_blocked(at: Callable[[datetime], TestClient]) -> None:
    client = at(DELIVERED + timedelta(days=45))
    response = client.post("/proactive", json={"order": order(), "kind": "delivery_followup"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["rule"] == "contact_window"
    assert detail["contact_window_ends_at"].startswith("2026-12-02")
    assert client.get("/drafts").json()["count"] == 0


def test_window_falls_back_to_latest_delivery_then_shipping(
    at: Callable[[datetime], TestClient],
) -> None:
    shipped_only = order(
        delivered_at=None, latest_delivery_date=None, shipped_at="2026-10-01T10:00:00Z"
    )
    client = at(datetime(2026, 11, 5, tzinfo=UTC))
    response = client.post("/proactive", json={"order": shipped_only, "kind": "invoice"})
    assert response.json()["detail"]["rule"] == "contact_window"


def test_opted_out_buyers_get_only_critical_messages(at: Callable[[datetime], TestClient]) -> None:
    client = at(DELIVERED + timedelta(days=3))
    refused = client.post(
        "/proactive", json={"order": order(), "kind": "usage_guide", "buyer_opted_out": True}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"]["rule"] == "buyer_opted_out"
    invoice = {
        "filename": "Rechnung-1001.pdf",
        "content_type": "application/pdf",
        "size_bytes": 80_000,
    }
    allowed = client.post(
        "/proactive",
        json={
            "order": order(),
            "kind": "invoice",
            "buyer_opted_out": True,
            "attachments": [invoice],
        },
    )
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["status"] == "pending"


def test_a_second_proactive_message_for_the_order_is_blocked(
    at: Callable[[datetime], TestClient],
) -> None:
    client = at(DELIVERED + timedelta(days=3))
    first = client.post("/proactive", json={"order": order(), "kind": "delivery_followup"})
    assert first.status_code == 201
    second = client.post("/proactive", json={"order": order(), "kind": "usage_guide"})
    assert second.status_code == 409
    assert second.json()["detail"]["draft_id"] == first.json()["draft_id"]
    # A rejected one never went out: the slot is free again.
    client.post(
        f"/drafts/{first.json()['draft_id']}/reject", json={"agent_id": "anna", "reason": "no"}
    )
    assert (
        client.post("/proactive", json={"order": order(), "kind": "usage_guide"}).status_code == 201
    )


def test_a_message_that_only_repeats_amazons_confirmation_is_blocked(
    at: Callable[[datetime], TestClient],
) -> None:
    client = at(DELIVERED + timedelta(days=1))
    text = f"Hallo Jana,\n\nvielen Dank für Ihre Bestellung {ORDER_ID}!\n\nIhr Shop-Team"
    response = client.post(
        "/proactive", json={"order": order(), "kind": "delivery_followup", "text": text}
    )
    assert response.status_code == 201
    draft = response.json()
    assert draft["status"] == "blocked"
    assert "amazon_duplicate" in {f["rule"] for f in draft["guardrails"]["findings"]}


def test_review_requests_are_refused_with_amazons_window(
    at: Callable[[datetime], TestClient],
) -> None:
    client = at(DELIVERED + timedelta(days=2))  # 4 November: the window opens on the 5th
    response = client.post("/proactive", json={"order": order(), "kind": "review_request"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["rule"] == "review_solicitation"
    window = detail["review_request_window"]
    assert window["opens_at"].startswith("2026-11-05")  # earliest delivery 31 Oct + 5 days
    assert window["closes_at"].startswith("2026-12-03")  # latest delivery 3 Nov + 30 days
    assert window["open_now"] is False
    later = at(DELIVERED + timedelta(days=10)).post(
        "/proactive", json={"order": order(), "kind": "review_request"}
    )
    assert later.json()["detail"]["review_request_window"]["open_now"] is True


@pytest.mark.parametrize(
    ("attachment", "problem"),
    [
        ({"filename": "photo.gif", "content_type": "image/gif", "size_bytes": 10}, "PDF, JPEG"),
        (
            {"filename": "manual.pdf", "content_type": "application/pdf", "size_bytes": 11 << 20},
            "10 MB",
        ),
        (
            {"filename": "new-collection.jpg", "content_type": "image/jpeg", "size_bytes": 10},
            "manual",
        ),
    ],
)
def test_attachment_type_blocks_on_proactive_and_draft(
    at: Callable[[datetime], TestClient], attachment: dict[str, Any], problem: str
) -> None:
    client = at(DELIVERED + timedelta(days=3))
    draft = client.post(
        "/proactive", json={"order": order(), "kind": "usage_guide", "attachments": [attachment]}
    ).json()
    assert draft["status"] == "blocked"
    found = [f for f in draft["guardrails"]["findings"] if f["rule"] == "attachment_type"]
    assert found and problem in found[0]["message"]
    reply = {
        "message": {"text": "Wie reinige ich den Mixer?"},
        "order": order(),
        "attachments": [attachment],
    }
    assert client.post("/draft", json=reply).json()["status"] == "blocked"


def test_six_files_are_too_many_and_a_labelled_manual_is_fine(
    at: Callable[[datetime], TestClient],
) -> None:
    client = at(DELIVERED + timedelta(days=3))
    manual = {
        "filename": "x.pdf",
        "content_type": "application/pdf",
        "size_bytes": 1,
        "purpose": "instruction_manual",
    }
    ok = client.post(
        "/proactive", json={"order": order(), "kind": "usage_guide", "attachments": [manual]}
    )
    assert ok.json()["status"] == "pending"
    rules = {
        f["match"] for f in ok.json()["guardrails"]["findings"] if f["rule"] == "attachment_type"
    }
    assert not rules
    body = {
        "message": {"text": "Wie reinige ich den Mixer?"},
        "order": order(),
        "attachments": [manual] * 6,
    }
    draft = client.post("/draft", json=body).json()
    assert "6 files" in {f["match"] for f in draft["guardrails"]["findings"]}


@pytest.mark.parametrize(
    "kind",
    [
        "delivery_followup",
        "usage_guide",
        "return_question",
        "invoice",
        "custom_design",
        "bulky_delivery",
    ],
)
@pytest.mark.parametrize(
    "marketplace",
    ["amazon.de", "amazon.fr", "amazon.es", "amazon.it", "amazon.co.jp", "amazon.com"],
)
def test_every_kind_in_every_language_passes_the_proactive_guardrails(
    at: Callable[[datetime], TestClient], kind: str, marketplace: str
) -> None:
    client = at(DELIVERED + timedelta(days=3))
    body = {"order": order(marketplace=marketplace), "kind": kind}
    draft = client.post("/proactive", json=body).json()
    assert draft["status"] == "pending", (kind, marketplace, draft["guardrails"]["findings"])
    assert ORDER_ID in draft["text"]


def test_proactive_rules_and_case_pack_on_each_database(
    make_client: Callable[..., TestClient], db_url: str
) -> None:
    client = make_client(database_url=db_url)
    freeze(client, DELIVERED + timedelta(days=3))
    first = client.post("/proactive", json={"order": order(), "kind": "bulky_delivery"})
    assert first.status_code == 201, first.text
    again = client.post("/proactive", json={"order": order(), "kind": "invoice"})
    assert again.status_code == 409
    pack = client.get(f"/drafts/{first.json()['draft_id']}/case").json()
    assert [item["what"] for item in pack["timeline"]] == ["proactive drafted"]


def test_purpose_keeps_proactive_and_holding_templates_out_of_replies(client: TestClient) -> None:
    listing = client.get("/kb").json()["data"]
    purposes = {e["id"]: e["purpose"] for e in listing}
    assert purposes["de/proactive/invoice"] == "proactive"
    assert purposes["acknowledgement/holding"] == "acknowledgement"
    assert purposes["general/other"] == "reply"
    # An "other" message about an invoice still gets the general reply, never the proactive one.
    body = {
        "message": {"text": "Hallo, kurze Frage zur Rechnung und zum Design."},
        "order": order(),
    }
    draft = client.post("/draft", json=body).json()
    assert "/proactive/" not in draft["sources"][0]["id"]
    assert "acknowledgement" not in draft["sources"][0]["id"]


def test_kb_purpose_is_validated() -> None:
    from service.knowledge.files import _Invalid, parse_entry

    front = "id: x/y\nkind: template\ntitle: T\nlanguage: en\nintents: [other]\npurpose: ad"
    text = f"---\n{front}\n---\nHi {{{{ order_id }}}}"
    with pytest.raises(_Invalid, match="purpose must be one of"):
        parse_entry(text, rel="x/y.md")
    assert (
        parse_entry(text.replace("purpose: ad", "purpose: proactive"), rel="x/y.md").purpose
        == "proactive"
    )


@pytest.mark.parametrize(
    ("model", "kind", "reason"),
    [("polyglot", "llm", None), ("http500", "template", "upstream_error")],
)
def test_proactive_messages_come_from_the_llm_when_configured(
    model: str,
    kind: str,
    reason: str | None,
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, Any],
) -> None:
    base_url, state = fake_llm
    client = make_client(llm_base_url=base_url, llm_model=model, llm_timeout_s=2.0)
    freeze(client, DELIVERED + timedelta(days=3))
    body = {"order": order(), "kind": "usage_guide", "instructions": "mention the quick start"}
    response = client.post("/proactive", json=body)
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["generator"]["kind"] == kind
    assert draft["generator"]["fallback_reason"] == reason
    assert draft["language"] == "de"
    assert ORDER_ID in draft["text"]
    assert draft["status"] == "pending", draft["guardrails"]
    messages = state.requests[-1]["messages"]
    # The proactive prompt, not the reply prompt: kind, language and the agent's instructions.
    assert "proactive message" in messages[0]["content"]
    assert "in German only" in messages[1]["content"].splitlines()[-1]
    assert "Kind of proactive message: usage_guide" in messages[1]["content"]
    assert "<<<AGENT_INSTRUCTIONS\nmention the quick start" in messages[1]["content"]
    if kind == "llm":
        assert draft["generator"]["prompt_version"].startswith("draft_proactive@")
        assert draft["sources"][0]["id"] == "de/proactive/usage-guide"


def test_a_proactive_draft_cannot_be_approved_after_the_window_closed(
    at: Callable[[datetime], TestClient],
) -> None:
    # Drafted inside the window (frozen time); approved now, long after it closed.
    long_ago = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    client = at(long_ago + timedelta(days=3))
    body = {
        "order": order(
            delivered_at=long_ago.isoformat(),
            earliest_delivery_date=long_ago.isoformat(),
            latest_delivery_date=long_ago.isoformat(),
        ),
        "kind": "usage_guide",
    }
    draft = client.post("/proactive", json=body).json()
    assert draft["status"] == "pending"
    response = client.post(f"/drafts/{draft['draft_id']}/approve", json={"agent_id": "anna"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]["findings"][0]["rule"] == "contact_window"
    assert client.get(f"/drafts/{draft['draft_id']}").json()["status"] == "pending"
