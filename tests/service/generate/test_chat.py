"""The chat-completions client (`service.generate.chat`) against a real HTTP server speaking the
protocol: the limit on calls in flight, streamed and whole answers read alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.generate.chat import TYPICAL_MIN, ChatClient, Completion
from service.generate.drafter import LLMFailure
from tests.fakes.openai_server import GOOD_DRAFT, FakeState, running

FakeLLM = tuple[str, FakeState]
MESSAGES = [{"role": "user", "content": "Where is my parcel?"}]


def body(model: str) -> dict[str, Any]:
    return {"model": model, "messages": MESSAGES}


def test_a_call_past_the_in_flight_limit_waits_for_a_slot_within_its_deadline(
    fake_llm: FakeLLM,
) -> None:
    async def run() -> tuple[BaseException | Completion, ...]:
        client = ChatClient(base_url=fake_llm[0], api_key="", max_retries=0, max_in_flight=1)
        try:
            holder = asyncio.create_task(client.complete(body("slow_stream"), timeout_s=1.0))
            await asyncio.sleep(0.1)  # the slow call has the slot
            starved = asyncio.create_task(client.complete(body("good"), timeout_s=0.3))
            patient = asyncio.create_task(client.complete(body("good"), timeout_s=5.0))
            answers = await asyncio.gather(holder, starved, patient, return_exceptions=True)
            assert client.peak_in_flight == 1 and client.in_flight == 0
            return tuple(answers)
        finally:
            await client.aclose()

    holder, starved, patient = asyncio.run(run())
    assert isinstance(holder, LLMFailure) and holder.reason == "timeout"
    assert isinstance(starved, LLMFailure) and starved.reason == "queue_timeout"
    assert isinstance(patient, Completion)  # the slot freed at the holder's deadline
    assert patient.text.startswith(GOOD_DRAFT[:20])


@pytest.mark.parametrize("stream", [True, False])
def test_streamed_and_whole_answers_read_alike(fake_llm: FakeLLM, stream: bool) -> None:
    async def run() -> Completion:
        client = ChatClient(base_url=fake_llm[0], api_key="k", max_retries=0, stream=stream)
        try:
            return await client.complete(body("good"), timeout_s=5.0)
        finally:
            await client.aclose()

    completion = asyncio.run(run())
    assert completion.text.startswith(GOOD_DRAFT[:20])
    assert (completion.finish_reason, completion.model) == ("stop", "good")
    assert (completion.prompt_tokens, completion.completion_tokens) == (321, 87)


def test_the_environment_proxy_is_read_once_and_used(
    fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured (read when the client is made, not at every call): the model's
    host here does not resolve, and the answer comes through the proxy (the fake server, which
    serves an absolute-form request as any other); NO_PROXY exempts a host."""
    proxy = fake_llm[0].removesuffix("/v1")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("NO_PROXY", "exempt.invalid")

    async def run(base_url: str) -> Completion | LLMFailure:
        client = ChatClient(base_url=base_url, api_key="", max_retries=0)
        monkeypatch.delenv("HTTP_PROXY")  # read already: a later change is not seen
        try:
            return await client.complete(body("good"), timeout_s=5.0)
        except LLMFailure as failure:
            return failure
        finally:
            await client.aclose()
            monkeypatch.setenv("HTTP_PROXY", proxy)

    through = asyncio.run(run("http://llm.invalid/v1"))
    assert isinstance(through, Completion) and through.text.startswith(GOOD_DRAFT[:20])
    exempt = asyncio.run(run("http://exempt.invalid/v1"))
    assert isinstance(exempt, LLMFailure)  # sent directly to a host that does not resolve


def test_a_call_left_with_less_time_than_its_kind_takes_is_not_sent() -> None:
    """Calls of a kind take 0.4 s here; one that waited for the slot until 0.3 s of its
    deadline were left fails at once as queue_timeout, and the server never sees it. A call
    of another kind, of which nothing is known yet, is still tried."""

    async def run(url: str) -> tuple[BaseException | Completion, ...]:
        client = ChatClient(base_url=url, api_key="", max_retries=0, max_in_flight=1)
        try:
            for _ in range(TYPICAL_MIN):  # calls of this kind take the server's 0.4 s
                await client.complete(body("good"), timeout_s=5.0, kind="draft")
            typical = client.typical("draft")
            assert typical is not None and 0.4 <= typical < 0.6, typical
            holder = asyncio.create_task(client.complete(body("good"), timeout_s=5.0))
            await asyncio.sleep(0.05)  # the holder has the slot for 0.4 s
            late = asyncio.create_task(client.complete(body("good"), timeout_s=0.7))
            unknown = asyncio.create_task(
                client.complete(body("good"), timeout_s=0.7, kind="intent")
            )
            return tuple(await asyncio.gather(holder, late, unknown, return_exceptions=True))
        finally:
            await client.aclose()

    with running(delay=0.4) as (url, state):
        holder, late, unknown = asyncio.run(run(url))
        sent = len(state.requests)
    assert isinstance(holder, Completion)
    assert isinstance(late, LLMFailure) and late.reason == "queue_timeout", late
    assert "not sent" in str(late)
    # The intent call had the slot after the late one gave up, with no record to go by: it was
    # sent, and its deadline passed while the server still worked on it.
    assert isinstance(unknown, LLMFailure) and unknown.reason == "timeout", unknown
    assert sent == TYPICAL_MIN + 2  # the five, the holder and the intent call: not the late one
