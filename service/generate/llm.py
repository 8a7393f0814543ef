"""The OpenAI-compatible drafter: any chat-completions endpoint, under one overall deadline,
its failures turned into typed fallback reasons."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

import aiohttp
import openai
from openai.types.chat import ChatCompletion

from guardrails import Finding
from service.config import Settings
from service.generate.drafter import DraftJob, FallbackReason, Generated, LLMFailure
from service.generate.prompts import MARKERS, Prompts

_MIN_USABLE_CHARS = 20
_FENCE_RE = re.compile(r"^```[a-z]*\n(.*)\n```$", re.DOTALL)


class OpenAIDrafter:
    """Any OpenAI-compatible chat-completions endpoint, bounded by one overall deadline."""

    def __init__(self, *, settings: Settings, prompts: Prompts) -> None:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        # Local servers (vLLM, Ollama) need no key, but the SDK insists on a non-empty one.
        # aiohttp under the SDK (its documented `DefaultAioHttpClient`): with hundreds of drafts
        # waiting on the model, httpx's pool scans every connection on every request and answer
        # (a third of a draft's CPU in `make bench`); aiohttp's connector does not.
        self._client: openai.AsyncOpenAI = openai.AsyncOpenAI(
            api_key=key or "not-needed",
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            http_client=openai.DefaultAioHttpClient(timeout=settings.llm_timeout_s),
        )
        self._model = settings.llm_model
        self._deadline = settings.llm_timeout_s
        self._temperature = settings.llm_temperature
        self._prompts = prompts

    async def aclose(self) -> None:
        await self._client.close()

    async def draft(self, job: DraftJob) -> Generated:
        return await self._complete(job, self._prompts.messages(job), self._prompts.version(job))

    async def repair(self, job: DraftJob, *, draft: str, findings: Sequence[Finding]) -> Generated:
        messages = self._prompts.repair_messages(job, draft=draft, findings=findings)
        return await self._complete(job, messages, self._prompts.repair_version())

    async def _complete(
        self, job: DraftJob, messages: list[dict[str, str]], version: str
    ) -> Generated:
        started = time.perf_counter()
        try:
            # The SDK's timeout is per attempt; retries must not stretch the buyer's wait.
            # The plain POST of the SDK (its documented way to reach any endpoint): the typed
            # `chat.completions.create` re-validates our own well-formed body against every
            # TypedDict of its signature, which costs more CPU than the rest of a draft.
            completion = await asyncio.wait_for(
                self._client.post(
                    "/chat/completions",
                    cast_to=ChatCompletion,
                    body={
                        "model": self._model,
                        "messages": messages,
                        "temperature": self._temperature,
                        "max_tokens": 900,
                    },
                ),
                timeout=self._deadline,
            )
        except (TimeoutError, openai.APITimeoutError) as exc:
            if _refused(exc):
                raise LLMFailure("connection_error", str(exc.__cause__)) from exc
            raise LLMFailure("timeout", f"no answer within {self._deadline:g} s") from exc
        except openai.APIConnectionError as exc:
            raise LLMFailure("connection_error", str(exc)) from exc
        except openai.RateLimitError as exc:
            raise LLMFailure("rate_limited", str(exc)) from exc
        except openai.APIStatusError as exc:
            reason: FallbackReason = (
                "upstream_error" if exc.status_code >= 500 else "upstream_rejected"
            )
            raise LLMFailure(reason, f"HTTP {exc.status_code}") from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise LLMFailure("unusable_response", "the answer could not be parsed") from exc
        latency_ms = round((time.perf_counter() - started) * 1000)
        text = _usable_text(completion)
        leak = _prompt_leak(text, messages)
        if leak:
            raise LLMFailure("prompt_leak", leak)
        usage = completion.usage
        return Generated(
            text=text,
            kind="llm",
            model=completion.model or self._model,
            prompt_version=version,
            latency_ms=latency_ms,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            sources=tuple(job.articles) + ((job.template,) if job.template else ()),
        )


def _refused(exc: BaseException) -> bool:
    """Was the connection refused rather than timed out? httpx-aiohttp 0.2 reports aiohttp's
    ClientConnectorError (refused, unreachable, no such host) as a ConnectTimeout, so the SDK
    calls it a timeout; the cause says which it was."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, aiohttp.ClientConnectorError):
            return True
        cause = cause.__cause__
    return False


_MARKERS = re.compile("|".join(map(re.escape, MARKERS)))
_BLOCK_NAME = re.compile(r"<<<([A-Z][A-Z_]*_[A-Z_]*[A-Z])")  # BUYER_MESSAGE, AGENT_INSTRUCTIONS
_SENTENCE = re.compile(r"[^.!?\n]{40,}[.!?]?")
_LEAK_WORDS = 40  # characters: a sentence of the system prompt that long, copied, is a leak


def _prompt_leak(text: str, messages: list[dict[str, str]]) -> str | None:
    """Why the answer gives its prompt away, if it does: the data markers, a data block's name,
    or a sentence of the system prompt copied out. Such an answer never reaches a buyer."""
    if _MARKERS.search(text):
        return "the answer holds the prompt's data markers"
    prompt = "\n".join(message["content"] for message in messages)
    for name in set(_BLOCK_NAME.findall(prompt)):
        if name in text:
            return f"the answer names the prompt's {name} block"
    flat = " ".join(text.split()).casefold()
    for message in messages:
        if message["role"] != "system":
            continue
        for sentence in _SENTENCE.findall(message["content"]):
            copied = " ".join(sentence.split()).casefold()
            if len(copied) >= _LEAK_WORDS and copied in flat:
                return "the answer copies the system prompt"
    return None


def _usable_text(completion: object) -> str:
    # A server answering 200 with HTML or plain text gets past the SDK as a bare string.
    if not isinstance(completion, ChatCompletion):
        raise LLMFailure("unusable_response", "not a chat completion")
    if not completion.choices:
        raise LLMFailure("empty_response", "no choices in the answer")
    choice = completion.choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise LLMFailure("unusable_response", "the model refused")
    if choice.finish_reason in ("length", "content_filter"):
        raise LLMFailure("unusable_response", f"finish_reason={choice.finish_reason}")
    text = (message.content or "").strip()
    if not text:
        raise LLMFailure("empty_response", "the answer has no text")
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if len(text) < _MIN_USABLE_CHARS:
        raise LLMFailure("unusable_response", f"only {len(text)} characters")
    return text
