"""One guard: `/check`, given the context `/draft` had, applies every rule `/draft` applied, and
no draft is stored as passed whose text the guard would block."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.cli.demo_messages import load, to_request
from tests.conftest import draft_request, freeze

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
PHOTO = {"filename": "IMG_2041.jpg", "content_type": "image/jpeg", "size_bytes": 40_000}
CIRCUMSTANCES = {"attachment_type", "contact_window", "language_mismatch"}


def check_context(draft: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The /check body a plugin sends for a draft's text, with the context /draft had."""
    template = next((s for s in draft["sources"] if s["kind"] == "template"), None)
    body: dict[str, Any] = {
        "text": draft["text"],
        "order_id": draft["order_id"],
        "marketplace": draft["marketplace"],
        "language": draft["language"],
        "attachments": request.get("attachments", []),
        "order": request["order"],
        "sent_at": NOW.isoformat(),
    }
    if draft["generator"]["kind"] == "template" and template is not None:
        body["template_id"] = template["id"]
        body["template_language"] = template["language"]
    return body


def rules(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["rule"], f["action"]) for f in findings if f["rule"] in CIRCUMSTANCES}


@pytest.fixture
def frozen(client: TestClient) -> TestClient:
    freeze(client, NOW)
    return client


def test_check_with_the_context_finds_what_draft_found(frozen: TestClient) -> None:
    # A Portuguese buyer (no Portuguese template: English stands in), an order delivered two
    # months ago (a late reply), and a photo the seller wants to attach.
    request = draft_request(
        "Onde está a minha encomenda? Ainda não chegou.",
        delivered_at="2026-09-01T10:00:00Z",
    )
    request["message"]["language"] = "pt-BR"
    request["attachments"] = [PHOTO]
    draft = frozen.post("/draft", json=request).json()
    found = rules(draft["guardrails"]["findings"])
    assert found == {
        ("attachment_type", "blocked"),
        ("contact_window", "flagged"),
        ("language_mismatch", "blocked"),
    }
    assert draft["status"] == "blocked" and not draft["guardrails"]["passed"]

    checked = frozen.post("/check", json=check_context(draft, request))
    assert checked.status_code == 200, checked.text
    assert rules(checked.json()["findings"]) == found
    assert checked.json()["passed"] is False

    # Without the context, /check judges the text alone, as before.
    bare = {k: v for k, v in check_context(draft, request).items() if k in ("text", "order_id")}
    alone = frozen.post("/check", json=bare | {"marketplace": "amazon.com", "language": "pt"})
    assert not rules(alone.json()["findings"]) & {("attachment_type", "blocked")}


def test_a_late_proactive_message_is_blocked_by_check_too(frozen: TestClient) -> None:
    body = {
        "text": "Hello Jane, here is how to clean your blender: rinse the jar after use.",
        "order_id": "114-3941689-8772232",
        "marketplace": "amazon.com",
        "message_kind": "proactive",
        "order": {"delivered_at": "2026-09-01T10:00:00Z", "items": [{"title": "ignored"}]},
    }
    report = frozen.post("/check", json=body).json()
    assert ("contact_window", "blocked") in rules(report["findings"])


def test_no_stored_draft_passes_what_check_would_block(frozen: TestClient) -> None:
    """Every demo message (six languages), drafted and re-checked in the same context."""
    for entry in load():
        request = to_request(entry, now=NOW).model_dump(mode="json", by_alias=True)
        draft = frozen.post("/draft", json=request).json()
        checked = frozen.post("/check", json=check_context(draft, request)).json()
        assert checked["passed"] == draft["guardrails"]["passed"], (entry["message"], checked)
        # The stored text is already fixed: checking it again changes nothing.
        assert checked["text"] == draft["text"]
