"""The OpenAI-compatible drafter (`service.generate.llm`) against a real HTTP server speaking the
protocol (tests/fakes/openai_server.py): the body it posts, what it records of the answer, and
each way a call can fail turned into its typed fallback reason."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from service.generate.budget import reply_tokens
from service.generate.drafter import DraftJob, Generated, LLMFailure, TemplateDrafter, generate
from service.generate.llm import OpenAIDrafter
from service.generate.prompts import Prompts
from service.knowledge import Entry, Hit, sample_context
from tests.conftest import ORDER_ID, REPO, repo_settings
from tests.fakes.openai_server import GOOD_DRAFT, FakeState, free_port

PROMPTS = Prompts(REPO / "prompts")
FakeLLM = tuple[str, FakeState]


def hit(entry_id: str, kind: str, score: float) -> Hit:
    entry = Entry(
        id=entry_id,
        kind="template" if kind == "template" else "article",
        title=entry_id,
        language="en",
        intents=("where_is_my_order",),
        asins=(),
        tags=(),
        body="Your parcel is on its way.",
        path=f"{entry_id}.md",
        line=8,
    )
    return Hit(entry=entry, score=score)


JOB = DraftJob(
    message="Where is my parcel? It has not arrived yet.",
    thread=(),
    language="en",
    intent="where_is_my_order",
    order_facts=sample_context(),  # every key of the template context, as the pipeline gives
    template=hit("shipping/where-is-my-order", "template", 3.0),
    template_text=f"Hello Jane,\n\nyour parcel for order {ORDER_ID} is on its way.",
    articles=(hit("policies/shipping-times", "article", 2.0),),
)


def draft(base_url: str, model: str, **settings: Any) -> Generated:
    """One call with a drafter of its own, closed afterwards."""
    values = {"llm_base_url": base_url, "llm_model": model, "llm_max_retries": 0} | settings

    async def run() -> Generated:
        drafter = OpenAIDrafter(settings=repo_settings("sqlite://", **values), prompts=PROMPTS)
        try:
            return await drafter.draft(JOB)
        finally:
            await drafter.aclose()

    return asyncio.run(run())


def test_it_posts_the_rendered_prompt_with_the_configured_model(fake_llm: FakeLLM) -> None:
    base_url, state = fake_llm
    draft(base_url, "good", llm_temperature=0.7)
    assert state.requests[-1] == {
        "model": "good",
        "messages": PROMPTS.messages(JOB),
        "temperature": 0.7,
        "max_tokens": reply_tokens("en", context_tokens=8192),  # the default context
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    draft(base_url, "good", llm_stream=False)
    assert "stream" not in state.requests[-1]


@pytest.mark.parametrize("stream", [True, False])
def test_the_answer_is_recorded_with_its_model_usage_prompt_and_sources(
    fake_llm: FakeLLM, stream: bool
) -> None:
    generated = draft(fake_llm[0], "good", llm_stream=stream)
    assert generated.text == GOOD_DRAFT.format(order_id=ORDER_ID)
    assert (generated.kind, generated.model) == ("llm", "good")
    assert (generated.prompt_tokens, generated.completion_tokens) == (321, 87)
    assert generated.prompt_version == PROMPTS.version(JOB)
    assert generated.fallback_reason is None
    ids = [h.entry.id for h in generated.sources]
    assert ids == ["policies/shipping-times", "shipping/where-is-my-order"]


def test_an_answer_in_a_code_fence_is_unwrapped(fake_llm: FakeLLM) -> None:
    assert draft(fake_llm[0], "fenced").text == GOOD_DRAFT.format(order_id=ORDER_ID)


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("http500", "upstream_error"),
        ("http429", "rate_limited"),
        ("http401", "upstream_rejected"),
        ("empty", "empty_response"),
        ("no_choices", "empty_response"),
        ("not_json", "unusable_response"),
        ("truncated", "unusable_response"),
        ("refusal", "unusable_response"),
        ("short", "unusable_response"),
        ("echo_prompt", "prompt_leak"),
        ("system_echo", "prompt_leak"),
        ("instruction_echo", "prompt_leak"),
        ("context_overflow", "context_exceeded"),
        ("bad_stream", "unusable_response"),
        ("echo_buyer", "low_quality"),
        ("injection", "low_quality"),
        ("wrong_language", "low_quality"),
        ("no_facts", "low_quality"),
    ],
)
@pytest.mark.parametrize("stream", [True, False])
def test_each_failure_is_its_typed_reason(
    fake_llm: FakeLLM, model: str, reason: str, stream: bool
) -> None:
    with pytest.raises(LLMFailure) as failure:
        draft(fake_llm[0], model, llm_stream=stream)
    assert failure.value.reason == reason


@pytest.mark.parametrize("stream", [True, False])
def test_an_unusable_answer_keeps_the_tokens_the_server_billed(
    fake_llm: FakeLLM, stream: bool
) -> None:
    with pytest.raises(LLMFailure) as failure:
        draft(fake_llm[0], "truncated", llm_stream=stream)
    assert failure.value.tokens == (321, 87)


def test_a_fallback_draft_records_the_tokens_of_the_failed_call(fake_llm: FakeLLM) -> None:
    values = {"llm_base_url": fake_llm[0], "llm_model": "truncated", "llm_max_retries": 0}

    async def run() -> Generated:
        drafter = OpenAIDrafter(settings=repo_settings("sqlite://", **values), prompts=PROMPTS)
        try:
            return await generate(JOB, llm=drafter, fallback=TemplateDrafter())
        finally:
            await drafter.aclose()

    generated = asyncio.run(run())
    assert (generated.kind, generated.fallback_reason) == ("template", "unusable_response")
    assert (generated.prompt_tokens, generated.completion_tokens) == (321, 87)


def test_at_the_deadline_a_stream_is_closed_so_the_server_stops_generating(
    fake_llm: FakeLLM,
) -> None:
    base_url, state = fake_llm
    before = state.aborted
    with pytest.raises(LLMFailure) as failure:
        draft(base_url, "slow_stream", llm_timeout_s=0.5)
    assert failure.value.reason == "timeout"
    for _ in range(50):  # the server notices the closed connection at its next write
        if state.aborted > before:
            break
        time.sleep(0.05)
    assert state.aborted == before + 1


def test_no_answer_within_the_deadline_is_a_timeout_however_many_retries(
    fake_llm: FakeLLM,
) -> None:
    # The `timeout` model never answers: that this returns at all shows the deadline holds.
    with pytest.raises(LLMFailure, match=r"no answer within 0\.5 s") as failure:
        draft(fake_llm[0], "timeout", llm_timeout_s=0.5, llm_max_retries=3)
    assert failure.value.reason == "timeout"


def test_nothing_listening_is_a_connection_error() -> None:
    with pytest.raises(LLMFailure) as failure:
        draft(f"http://127.0.0.1:{free_port()}/v1", "good", llm_timeout_s=1.0)
    assert failure.value.reason == "connection_error"


def test_server_errors_are_retried_and_rejections_are_not(fake_llm: FakeLLM) -> None:
    base_url, state = fake_llm
    before = len(state.requests)
    with pytest.raises(LLMFailure):
        draft(base_url, "http500", llm_max_retries=1)
    assert len(state.requests) - before == 2
    before = len(state.requests)
    with pytest.raises(LLMFailure):
        draft(base_url, "http401", llm_max_retries=1)
    assert len(state.requests) - before == 1


def test_the_prompt_is_cut_to_the_context_and_one_that_cannot_fit_is_never_sent(
    fake_llm: FakeLLM,
) -> None:
    base_url, state = fake_llm
    draft(base_url, "good", llm_context_tokens=3000, llm_reply_tokens=400)
    assert state.requests[-1]["max_tokens"] == 400
    before = len(state.requests)
    with pytest.raises(LLMFailure) as failure:
        draft(base_url, "good", llm_context_tokens=1024, llm_reply_tokens=500)
    assert failure.value.reason == "context_exceeded"
    assert len(state.requests) == before


def test_at_debug_level_no_model_call_logs_the_prompt(
    fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    # The prompt holds the buyer's message, address and order: what masking cannot catch.
    with caplog.at_level(logging.DEBUG):
        draft(fake_llm[0], "good")
        with pytest.raises(LLMFailure):
            draft(fake_llm[0], "http401")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Where is my parcel" not in logged
    assert "Write the reply" not in logged
