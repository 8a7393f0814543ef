"""Repair: a model draft the guard had to cut a sentence from, or blocks, is offered to the model
once for a rewrite; the rewrite is guarded again and kept unless it is worse; every attempt is
on record with the findings before and after. Unit tests with the in-process fake drafter, end to
end through POST /draft against the fake OpenAI server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

import guardrails
from service.compose.repair import repair, triggers
from service.generate.drafter import DraftJob, Generated
from tests.conftest import ORDER_ID, draft_request
from tests.fakes import openai_server
from tests.fakes.drafter import FakeDrafter

CTX = guardrails.context(order_id=ORDER_ID, marketplace="amazon.com", language="en")
CLEAN = (
    f"Hello Jane,\n\nYour parcel is on its way with UPS.\n\nOrder ID: {ORDER_ID}\n\nBest regards"
)
ASKS = CLEAN.replace("UPS.", "UPS. Please leave us a five-star review once it arrives!")
JOB = DraftJob(
    message="Where is my parcel?",
    thread=(),
    language="en",
    intent="where_is_my_order",
    order_facts={"order_id": ORDER_ID},
    template=None,
    template_text=None,
    articles=(),
)


def _llm(text: str) -> Generated:
    return Generated(text=text, kind="llm", model="m", latency_ms=5, prompt_tokens=10)


def _repair(generated: Generated, fake: FakeDrafter | None) -> Generated:
    result, report = asyncio.run(repair(generated, job=JOB, llm=fake, ctx=CTX))
    if report is not None:  # the report handed on is the guard's on the text handed on
        assert report == guardrails.check(result.text, CTX)
    return result


def test_a_removed_review_ask_is_rewritten_and_both_finding_lists_are_kept() -> None:
    fake = FakeDrafter(repair_answers=(CLEAN,))
    result = _repair(_llm(ASKS), fake)
    assert result.text == CLEAN
    (draft, findings) = fake.repairs[0]
    assert draft == ASKS and "review_solicitation" in {f.rule for f in findings}
    (record,) = result.repairs
    assert record["outcome"] == "rewritten" and record["rules"] == ["review_solicitation"]
    assert [f["rule"] for f in record["findings_before"]] == ["review_solicitation"]
    assert record["findings_after"] == [] and record["text_before"] == ASKS
    assert result.prompt_tokens == 10 + 100  # the draft's cost is both calls


def test_a_failed_repair_leaves_the_first_draft_to_the_guard() -> None:
    result = _repair(_llm(ASKS), FakeDrafter(repair_answers=("timeout",)))
    assert result.text == ASKS  # the guard still removes the sentence when it stores the draft
    (record,) = result.repairs
    assert (record["outcome"], record["reason"], record["findings_after"]) == (
        "failed",
        "timeout",
        None,
    )


def test_a_rewrite_that_is_blocked_where_the_first_was_not_is_not_kept() -> None:
    placeholder = CLEAN.replace("Jane", "{{buyer_name}}")
    result = _repair(_llm(ASKS), FakeDrafter(repair_answers=(placeholder,)))
    assert result.text == ASKS
    assert result.repairs[0]["outcome"] == "kept_first"
    assert {f["rule"] for f in result.repairs[0]["findings_after"]} == {"placeholder"}


@pytest.mark.parametrize(
    "generated",
    [
        _llm(CLEAN),  # nothing to repair
        _llm(CLEAN.replace("UPS.", "UPS: https://tracking.example.com")),  # a local, exact fix
        Generated(text=ASKS, kind="template"),  # the seller's own template is not the model's
    ],
)
def test_only_model_drafts_that_lost_a_sentence_or_are_blocked_are_sent_back(
    generated: Generated,
) -> None:
    fake = FakeDrafter(repair_answers=(CLEAN,))
    assert _repair(generated, fake) == generated
    assert fake.repairs == []


def test_what_calls_for_a_repair() -> None:
    assert triggers(guardrails.check(ASKS, CTX)) == ["review_solicitation"]
    assert triggers(guardrails.check(CLEAN.replace("Jane", "[Customer Name]"), CTX)) == [
        "placeholder"
    ]
    assert triggers(guardrails.check(CLEAN + " 😊", CTX)) == []


# -- end to end: POST /draft against a real server speaking the OpenAI protocol -----------------


def test_a_draft_asking_for_a_review_is_rewritten_and_stored_with_both_finding_lists(
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, openai_server.FakeState],
) -> None:
    base_url, state = fake_llm
    client = make_client(llm_base_url=base_url, llm_model="review_ask")
    before = len(state.requests)
    response = client.post("/draft", json=draft_request())
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(state.requests) - before == 2  # the draft, then the repair
    assert "<<<DRAFT" in state.requests[-1]["messages"][1]["content"]
    assert "review" not in body["text"].lower()
    assert body["guardrails"]["findings"] == [] and body["guardrails"]["passed"]
    (record,) = body["generator"]["repairs"]
    assert record["outcome"] == "rewritten"
    assert [f["rule"] for f in record["findings_before"]] == ["review_solicitation"]
    assert record["findings_after"] == []
    assert openai_server.REVIEW_ASK in record["text_before"]
    assert body["generator"]["usage"]["prompt_tokens"] == 2 * 321
    stored = client.get(f"/drafts/{body['draft_id']}").json()
    assert stored["generator"]["repairs"] == body["generator"]["repairs"]


def test_when_the_repair_fails_the_guard_fixes_the_first_draft(
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, openai_server.FakeState],
) -> None:
    base_url, _ = fake_llm
    client = make_client(llm_base_url=base_url, llm_model="review_ask_stuck")
    body = client.post("/draft", json=draft_request()).json()
    assert body["generator"]["kind"] == "llm"
    assert openai_server.REVIEW_ASK not in body["text"]
    assert [f["rule"] for f in body["guardrails"]["findings"]] == ["review_solicitation"]
    (record,) = body["generator"]["repairs"]
    assert (record["outcome"], record["reason"]) == ("failed", "upstream_error")


def test_repair_can_be_turned_off(
    make_client: Callable[..., TestClient],
    fake_llm: tuple[str, openai_server.FakeState],
) -> None:
    base_url, state = fake_llm
    client = make_client(llm_base_url=base_url, llm_model="review_ask", llm_repair=False)
    before = len(state.requests)
    body = client.post("/draft", json=draft_request()).json()
    assert len(state.requests) - before == 1
    assert body["generator"]["repairs"] == []
    assert [f["rule"] for f in body["guardrails"]["findings"]] == ["review_solicitation"]
