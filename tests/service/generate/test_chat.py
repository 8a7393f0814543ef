"""The chat-completions client (`service.generate.chat`) against a real HTTP server speaking the
protocol: the limit on calls in flight, streamed and whole answers read alike."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.generate.chat import ChatClient, Completion
from service.generate.drafter import LLMFailure
from tests.fakes.openai_server import GOOD_DRAFT, FakeState

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
