"""`POST /check`: the guardrails on a hand-written text, in the circumstances the request gives
(the order's dates, when it goes out, the files sent with it, the template it came from)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from tests.conftest import ORDER_ID, freeze, repo_settings
from tests.problems import problem

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)
GERMAN = (
    f"Hallo Jana,\n\nvielen Dank für Ihre Nachricht zur Bestellung {ORDER_ID}. Ihr Paket ist "
    "mit DHL unterwegs und kommt in zwei Tagen bei Ihnen an.\n\nMit freundlichen Grüßen"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module: /check stores nothing, so its tests cannot see each other."""
    database = tmp_path_factory.mktemp("check") / "replydesk.db"
    with TestClient(create_app(repo_settings(f"sqlite:///{database}", kb_watch=False))) as served:
        freeze(served, NOW)
        yield served


def check(client: TestClient, text: str, **fields: Any) -> dict[str, Any]:
    body = {"text": text, "order_id": ORDER_ID, "marketplace": "amazon.de", "language": "de"}
    response = client.post("/check", json=body | fields)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def rules(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["rule"], f["action"]) for f in report["findings"]}


def test_check_fixes_hand_written_text(client: TestClient) -> None:
    response = client.post(
        "/check",
        json={
            "text": "Hi! Please email me at anna@example.com about order 999-9999999-9999999.",
            "order_id": ORDER_ID,
            "marketplace": "A1PA6795UKMFR9",
            "language": "de_DE",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "anna@example.com" not in body["text"]
    assert ORDER_ID in body["text"]
    assert {f["rule"] for f in body["findings"]} >= {"email_address", "order_id_mismatch"}
    assert body["policy_version"]


def test_a_clean_text_passes_unchanged(client: TestClient) -> None:
    report = check(client, GERMAN)
    assert (report["text"], report["passed"], report["findings"]) == (GERMAN, True, [])


@pytest.mark.parametrize(
    ("text", "size"),
    [("a" * 100_001, "100,001"), ("ü" * 50_001, "100,002")],  # bytes of UTF-8, not characters
)
def test_a_text_over_100_kb_is_413(client: TestClient, text: str, size: str) -> None:
    body = {"text": text, "order_id": ORDER_ID, "marketplace": "amazon.com"}
    response = client.post("/check", json=body)
    assert response.status_code == 413
    problem(response, 413, f"text is {size} bytes; /check accepts at most 100 KB")


def test_a_text_of_exactly_100_kb_is_checked(client: TestClient) -> None:
    text = f"Order {ORDER_ID} " + "a" * (100_000 - len(f"Order {ORDER_ID} "))
    body = {"text": text, "order_id": ORDER_ID, "marketplace": "amazon.com"}
    assert client.post("/check", json=body).status_code == 200


def test_the_contact_window_is_judged_when_the_text_goes_out(client: TestClient) -> None:
    delivered = {"delivered_at": "2026-09-01T10:00:00Z"}
    late = ("contact_window", "flagged")
    assert late in rules(check(client, GERMAN, order=delivered))  # now, 80 days on
    assert late not in rules(check(client, GERMAN, order=delivered, sent_at="2026-09-20T10:00Z"))
    # A time without a zone is UTC: one day after the window closed.
    assert late in rules(check(client, GERMAN, order=delivered, sent_at="2026-10-02T10:00:00"))
    assert late not in rules(check(client, GERMAN))  # no dates: no window to judge
    proactive = check(client, GERMAN, order=delivered, message_kind="proactive")
    assert ("contact_window", "blocked") in rules(proactive)
    assert proactive["passed"] is False


def test_the_files_and_the_template_given_are_judged(client: TestClient) -> None:
    program = {"filename": "setup.exe", "content_type": "application/x-msdownload", "size_bytes": 9}
    assert ("attachment_type", "blocked") in rules(check(client, GERMAN, attachments=[program]))
    english = {"template_id": "shipping/where-is-my-order", "template_language": "en"}
    mismatch = check(client, GERMAN, **english)
    assert ("language_mismatch", "blocked") in rules(mismatch)
    assert mismatch["passed"] is False
    german = {"template_id": "de/shipping/where-is-my-order", "template_language": "de"}
    assert check(client, GERMAN, **german)["passed"] is True


def test_with_the_texts_a_reply_draws_on_unsupported_promises_are_flagged(
    client: TestClient,
) -> None:
    text = (
        GERMAN.replace("kommt in zwei Tagen", "kommt am 24. November")
        + " Den Betrag erstatten wir."
    )
    unsupported = "unsupported_commitment"
    assert unsupported not in {f["rule"] for f in check(client, text)["findings"]}
    found = check(client, text, grounding=["Status: Versandt"])["findings"]
    assert [f["match"] for f in found if f["rule"] == unsupported] == ["24. November", "erstatten"]
    order = {"latest_delivery_date": "2026-11-24T18:00:00Z"}
    grounded = check(client, text, grounding=["Erstattungen dauern 5 Tage."], order=order)
    assert unsupported not in {f["rule"] for f in grounded["findings"]}


def test_grounding_texts_are_bounded(client: TestClient) -> None:
    body = {"text": GERMAN, "order_id": ORDER_ID, "marketplace": "amazon.de"}
    response = client.post("/check", json=body | {"grounding": ["x"] * 21})
    problem(response, 422)
