"""The review page in a real browser: queue, findings, edit, approve, reject, blocked drafts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from service.api.app import create_app
from service.config import Settings
from tests.browser.conftest import ARTIFACTS
from tests.conftest import draft_request
from tests.service.review.support import PORTUGUESE_MESSAGE, PORTUGUESE_REPLY, serving

pytestmark = pytest.mark.e2e
KEYS = "plugin:p-key,agent:a-key"
AGENT = {"Authorization": "Bearer a-key"}


@dataclass
class Desk:
    url: str
    ids: dict[str, str]  # name → draft id

    def draft(self, name: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/drafts/{self.ids[name]}", headers=AGENT, timeout=10)
        result: dict[str, Any] = response.json()
        return result


def _request(text: str, hours_ago: float, buyer: str, **message: Any) -> dict[str, Any]:
    received = datetime.now(UTC) - timedelta(hours=hours_ago)
    body = draft_request(text, buyer_name=buyer)
    body["message"] |= {"received_at": received.isoformat()} | message
    return body


@pytest.fixture
def desk(
    make_settings: Callable[..., Settings], make_client: Callable[..., TestClient], fake_llm: Any
) -> Iterator[Desk]:
    """Four drafts in one database: overdue, with many fixes, blocked, plain."""
    ids: dict[str, str] = {}
    # A model full of violations writes one draft, so the page has fixes to show.
    llm_client = make_client(llm_base_url=fake_llm[0], llm_model="violations")
    ids["fixes"] = llm_client.post("/draft", json=_request("Where is my parcel?", 2, "Tom")).json()[
        "draft_id"
    ]
    with serving(create_app(make_settings(api_keys=KEYS))) as url:
        plugin = {"Authorization": "Bearer p-key"}
        seeds = {
            "overdue": _request("Where is my package? It has not arrived yet.", 30, "Jane"),
            "broken": _request("The blender arrived broken, the jar is cracked.", 3, "Max"),
            "blocked": _request(PORTUGUESE_MESSAGE, 1, "Rita", language="pt-BR"),
        }
        seeds["blocked"]["order"]["marketplace"] = "amazon.com.br"
        for name, body in seeds.items():
            response = httpx.post(f"{url}/draft", json=body, headers=plugin, timeout=30)
            assert response.status_code == 201, response.text
            ids[name] = response.json()["draft_id"]
        yield Desk(url, ids)


def _open_queue(page: Page, desk: Desk) -> None:
    page.goto(f"{desk.url}/review")
    expect(page.get_by_label("API key (agent)")).to_be_visible()
    expect(page.locator(".queue-item")).to_have_count(0)  # no key, no buyer data
    page.get_by_label("API key (agent)").fill("a-key")
    page.get_by_role("button", name="Use key").click()
    expect(page.locator(".queue-item")).to_have_count(4)
    page.get_by_label("Your agent ID").fill("anna")


def _item(page: Page, desk: Desk, name: str) -> Any:
    return page.locator(f'.queue-item[data-id="{desk.ids[name]}"]')


def test_queue_finding_edit_approve(page: Page, desk: Desk) -> None:
    _open_queue(page, desk)
    order = page.locator(".queue-item").evaluate_all("items => items.map(i => i.dataset.id)")
    assert order == [desk.ids[n] for n in ("overdue", "broken", "fixes", "blocked")]
    expect(page.locator(".queue-item .due").first).to_have_text(
        re.compile(r"^overdue \d+ h \d\d min$")
    )
    expect(page.locator(".queue-item .due").first).to_have_class("due overdue")

    _item(page, desk, "fixes").get_by_role("button").click()
    expect(page.locator("#d-message")).to_have_text("Where is my parcel?")
    expect(page.locator("#d-order")).to_contain_text("114-3941689-8772232")
    expect(page.locator("#d-generator")).to_have_text("Written by the model violations.")
    removed = page.locator("#d-raw del").first
    expect(removed).to_be_visible()
    reason = removed.get_attribute("title")
    assert reason, "a highlighted change carries its reason"
    expect(page.locator("#d-findings li").first).to_contain_text(reason)
    expect(page.locator('#d-raw del[data-rule="order_id_mismatch"]')).to_have_text(
        "111-2222222-3333333"
    )
    page.screenshot(path=ARTIFACTS / "review-draft-with-findings.png")

    editor = page.get_by_label("Final reply")
    editor.fill(editor.input_value() + "\nYou can also write to help@shop-example.com.")
    expect(page.locator('#live li[data-rule="email_address"]')).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#status")).to_contain_text("Approved")
    expect(_item(page, desk, "fixes")).to_have_count(0)
    expect(page.locator(".queue-item")).to_have_count(3)

    stored = desk.draft("fixes")
    assert stored["status"] == "approved"
    assert stored["review"]["reviewed_by"] == "anna"
    assert "@" not in stored["text"]
    found = [f["rule"] for f in stored["history"][-1]["details"]["findings"]]
    assert found == ["off_platform", "email_address"]  # "write to …": the sentence went whole
    assert "write to" not in stored["text"]


def test_reject_with_a_reason(page: Page, desk: Desk) -> None:
    _open_queue(page, desk)
    page.keyboard.press("Escape")  # leave the agent ID box: letters are shortcuts again
    page.keyboard.press("j")  # the first draft, the overdue one
    expect(_item(page, desk, "overdue")).to_have_attribute("aria-current", "true")
    expect(page.locator("#d-message")).to_contain_text("Where is my package?")
    expect(page.locator("#d-generator")).to_have_text("From the knowledge-base template.")
    page.get_by_role("button", name="Reject").click()
    expect(page.locator("#error")).to_contain_text("reason")
    expect(page.get_by_label("Reason to reject")).to_be_focused()
    page.get_by_label("Reason to reject").fill("Answered in the buyer's other thread")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Rejected")
    expect(_item(page, desk, "overdue")).to_have_count(0)
    stored = desk.draft("overdue")
    assert stored["status"] == "rejected"
    assert stored["review"]["reason"] == "Answered in the buyer's other thread"
    page.screenshot(path=ARTIFACTS / "review-after-reject.png")


def test_blocked_draft_cannot_be_approved_until_fixed(page: Page, desk: Desk) -> None:
    _open_queue(page, desk)
    _item(page, desk, "blocked").get_by_role("button").click()
    expect(page.locator("#d-status")).to_have_text("blocked")
    expect(page.locator("#live")).to_contain_text("Blocked")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#error")).to_contain_text("blocked")
    expect(page.locator('#error li[data-rule="language_mismatch"]').first).to_be_visible()
    expect(_item(page, desk, "blocked")).to_have_count(1)
    assert desk.draft("blocked")["status"] == "blocked"
    page.screenshot(path=ARTIFACTS / "review-blocked.png")

    page.get_by_label("Final reply").fill(PORTUGUESE_REPLY)
    expect(page.locator("#live")).to_contain_text("Passes")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#status")).to_contain_text("Approved")
    expect(_item(page, desk, "blocked")).to_have_count(0)
    stored = desk.draft("blocked")
    assert stored["status"] == "approved"
    assert stored["text"] == PORTUGUESE_REPLY


def test_filters_and_key_kept_for_the_session(page: Page, desk: Desk) -> None:
    _open_queue(page, desk)
    page.get_by_label("Status").select_option("blocked")
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(_item(page, desk, "blocked")).to_have_count(1)
    page.get_by_label("Status").select_option("open")
    page.get_by_label("Intent").select_option("damaged_item")
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(_item(page, desk, "broken")).to_have_count(1)
    # A reload keeps the key (sessionStorage) and the filters (the address).
    page.reload()
    expect(page.get_by_label("API key (agent)")).to_be_hidden()
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(page.get_by_label("Intent")).to_have_value("damaged_item")


def test_every_control_is_labelled_and_reachable(page: Page, desk: Desk) -> None:
    _open_queue(page, desk)
    _item(page, desk, "fixes").get_by_role("button").click()
    expect(page.locator("#draft-body")).to_be_visible()
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input, select, textarea'))
            .filter(el => el.offsetParent !== null && el.labels.length === 0)
            .map(el => el.id || el.outerHTML)"""
    )
    assert unlabelled == []
    nameless = page.evaluate(
        """() => Array.from(document.querySelectorAll('button'))
            .filter(b => b.offsetParent !== null && !b.textContent.trim())
            .map(b => b.outerHTML)"""
    )
    assert nameless == []
    # Keyboard only: Tab reaches the queue's buttons, and focus is visible.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_count(1)
    page.get_by_label("Final reply").focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_escalation_shows_reasons_the_48_hour_deadline_and_the_case_pack(
    page: Page, make_settings: Callable[..., Settings]
) -> None:
    with serving(create_app(make_settings(api_keys=KEYS))) as url:
        body = _request("I have filed an A-to-z claim: my return was never refunded.", 2, "Lea")
        made = httpx.post(
            f"{url}/draft", json=body, headers={"Authorization": "Bearer p-key"}, timeout=30
        )
        assert made.status_code == 201, made.text
        assert made.json()["escalation"]["recommended"]
        page.goto(f"{url}/review")
        page.get_by_label("API key (agent)").fill("a-key")
        page.get_by_role("button", name="Use key").click()
        expect(page.locator(".queue-item .badge.escalate")).to_be_visible()
        page.locator(".queue-open").first.click()
        expect(page.locator("#d-escalation")).to_be_visible()
        expect(page.locator("#d-reasons li")).to_have_text(["a to z claim"])
        expect(page.locator("#d-extended")).to_contain_text("Extended deadline")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the case pack for Seller Support").click()
        pack = Path(download.value.path()).read_text(encoding="utf-8")
        assert "114-3941689-8772232" in pack and "A-to-z" in pack
        status = page.locator("#status")
        expect(status).to_contain_text("Case pack downloaded")
        page.screenshot(path=ARTIFACTS / "review-escalation.png")
        expect(status).to_have_text("", timeout=10_000)  # the banner clears by itself


def test_regenerate_with_instructions_replaces_the_draft_and_keeps_the_old_one(
    page: Page, make_settings: Callable[..., Settings], fake_llm: Any
) -> None:
    settings = make_settings(api_keys=KEYS, llm_base_url=fake_llm[0], llm_model="violations")
    with serving(create_app(settings)) as url:
        plugin = {"Authorization": "Bearer p-key"}
        created = httpx.post(f"{url}/draft", json=_request("Where is my parcel?", 2, "Tom"),
                             headers=plugin, timeout=30)  # fmt: skip
        draft_id = created.json()["draft_id"]
        desk = Desk(url, {"only": draft_id})
        page.goto(f"{url}/review")
        page.get_by_label("API key (agent)").fill("a-key")
        page.get_by_role("button", name="Use key").click()
        page.get_by_label("Your agent ID").fill("anna")
        _item(page, desk, "only").get_by_role("button").click()
        expect(page.locator("#d-generator")).to_have_text("Written by the model violations.")
        page.get_by_role("button", name="Regenerate").click()
        expect(page.locator("#error")).to_contain_text("differently")
        page.get_by_label("Ask the model for another draft").fill("Mention the tracking number")
        page.get_by_role("button", name="Regenerate").click()
        expect(page.locator("#status")).to_contain_text("New draft from the model")
        stored = desk.draft("only")
        assert stored["history"][-1]["action"] == "regenerated"
        assert stored["history"][-1]["details"]["instructions"] == "Mention the tracking number"
        expect(page.locator("#d-text")).to_have_value(stored["text"])
        page.screenshot(path=ARTIFACTS / "review-after-regenerate.png")


def test_the_message_and_the_draft_translated_for_the_agent(
    page: Page, make_settings: Callable[..., Settings], fake_llm: Any
) -> None:
    settings = make_settings(api_keys=KEYS, llm_base_url=fake_llm[0], llm_model="polyglot")
    text = "Wo ist mein Paket? Es ist seit einer Woche unterwegs."
    with serving(create_app(settings)) as url:
        body = _request(text, 2, "Jana")
        body["order"]["marketplace"] = "amazon.de"
        created = httpx.post(f"{url}/draft", json=body, headers={"Authorization": "Bearer p-key"},
                             timeout=30)  # fmt: skip
        desk = Desk(url, {"only": created.json()["draft_id"]})
        page.goto(f"{url}/review")
        page.get_by_label("API key (agent)").fill("a-key")
        page.get_by_role("button", name="Use key").click()
        _item(page, desk, "only").get_by_role("button").click()
        expect(page.locator("#gloss-box")).to_be_hidden()
        page.get_by_label("Translate into").select_option("en")
        page.get_by_role("button", name="Translate").click()
        expect(page.locator("#g-message")).to_have_text(f"[English] {text}")
        expect(page.locator("#g-draft")).to_contain_text("[English] Hallo Jane")
        expect(page.locator("#gloss-status")).to_have_text("Translated by polyglot.")
        page.screenshot(path=ARTIFACTS / "review-gloss.png")


def test_an_intent_the_model_chose_says_so_with_the_classifier_reading(
    page: Page, make_settings: Callable[..., Settings], fake_llm: Any
) -> None:
    settings = make_settings(api_keys=KEYS, llm_base_url=fake_llm[0], llm_model="good")
    with serving(create_app(settings)) as url:
        body = _request("Is it supposed to look cracked like this", 2, "Tom")
        created = httpx.post(f"{url}/draft", json=body, headers={"Authorization": "Bearer p-key"},
                             timeout=30)  # fmt: skip
        assert created.json()["intent_source"] == "llm", created.text
        desk = Desk(url, {"only": created.json()["draft_id"]})
        page.goto(f"{url}/review")
        page.get_by_label("API key (agent)").fill("a-key")
        page.get_by_role("button", name="Use key").click()
        _item(page, desk, "only").get_by_role("button").click()
        expect(page.locator("#d-intent")).to_have_text(
            "damaged item (chosen by the model; the classifier read product question)"
        )
