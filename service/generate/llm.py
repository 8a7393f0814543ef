"""The OpenAI-compatible drafter: any chat-completions endpoint, under one overall deadline,
its failures turned into typed fallback reasons."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from functools import lru_cache

from guardrails import Finding
from service.config import Settings
from service.generate import quality
from service.generate.budget import Budget
from service.generate.chat import ChatClient, Completion
from service.generate.drafter import (
    DraftJob,
    Generated,
    IntentChoice,
    LLMFailure,
    Translated,
)
from service.generate.prompts import MARKERS, Prompts

_MIN_USABLE_CHARS = 20
_FENCE_RE = re.compile(r"^```[a-z]*\n(.*)\n```$", re.DOTALL)


class OpenAIDrafter:
    """Any OpenAI-compatible chat-completions endpoint, bounded by one overall deadline."""

    def __init__(self, *, settings: Settings, prompts: Prompts) -> None:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        self._client = ChatClient(
            base_url=settings.llm_base_url,
            api_key=key,  # local servers (vLLM, Ollama, llama.cpp) need none
            max_retries=settings.llm_max_retries,
            stream=settings.llm_stream,
            max_in_flight=settings.llm_max_in_flight,
        )
        self._model = settings.llm_model
        self._deadline = settings.llm_timeout_s
        self._temperature = settings.llm_temperature
        self._prompts = prompts
        self._budget = Budget(settings.llm_context_tokens, settings.llm_reply_tokens)

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def peak_in_flight(self) -> int:
        """The most model calls this drafter had open at once (`python -m evals llm`)."""
        return self._client.peak_in_flight

    async def draft(self, job: DraftJob) -> Generated:
        # Cut to the context before the call: the passages that answer, the articles and the
        # conversation that fit (service/generate/budget.py).
        fitted = self._budget.fit(job, self._prompts.messages)
        version = self._prompts.version(job)
        return await self._complete(
            fitted.job, fitted.messages, version, fitted.max_tokens, kind="draft"
        )

    async def repair(self, job: DraftJob, *, draft: str, findings: Sequence[Finding]) -> Generated:
        messages = self._prompts.repair_messages(job, draft=draft, findings=findings)
        max_tokens = self._budget.check(job, messages)
        version = self._prompts.repair_version()
        return await self._complete(job, messages, version, max_tokens, kind="repair")

    async def gloss(self, *, message: str, draft: str, target: str) -> Translated:
        messages = self._prompts.gloss_messages(message=message, draft=draft, target=target)
        body = {
            "model": self._model,
            "messages": messages,
            "temperature": 0.0,
            "max_tokens": self._budget.translation(messages, message, draft),
        }
        completion = await self._client.complete(body, timeout_s=self._deadline, kind="gloss")
        tokens = (completion.prompt_tokens, completion.completion_tokens)
        found = _GLOSS.fullmatch(completion.text.strip())
        if completion.finish_reason == "length" or found is None or _MARKERS.search(found[0]):
            raise LLMFailure(
                "unusable_response", "the translation did not keep its form", tokens=tokens
            )
        return Translated(
            message=found["message"].strip(),
            draft=found["reply"].strip(),
            model=completion.model or self._model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )

    async def choose_intent(
        self, *, message: str, language: str, intents: Sequence[str]
    ) -> IntentChoice:
        messages = self._prompts.intent_messages(message=message, language=language)
        body = {
            "model": self._model,
            "messages": messages,
            "temperature": 0.0,
            "max_tokens": _INTENT_TOKENS,
        }
        self._budget.within(messages, _INTENT_TOKENS)
        completion = await self._client.complete(body, timeout_s=self._deadline, kind="intent")
        tokens = (completion.prompt_tokens, completion.completion_tokens)
        intent = intent_named(completion.text, intents)
        if intent is None:
            raise LLMFailure(
                "unusable_response",
                f"the answer named no intent of the list: {completion.text[:60]!r}",
                tokens=tokens,
            )
        return IntentChoice(
            intent=intent,
            model=completion.model or self._model,
            prompt_version=self._prompts.intent_version(),
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )

    async def _complete(
        self,
        job: DraftJob,
        messages: list[dict[str, str]],
        version: str,
        max_tokens: int,
        *,
        kind: str,
    ) -> Generated:
        started = time.perf_counter()
        body = {
            "model": self._model,
            "messages": messages,
            "temperature": self._temperature,
            "max_tokens": max_tokens,
        }
        completion = await self._client.complete(body, timeout_s=self._deadline, kind=kind)
        latency_ms = round((time.perf_counter() - started) * 1000)
        tokens = (completion.prompt_tokens, completion.completion_tokens)
        try:
            text = _usable_text(completion)
            leak = _prompt_leak(text, messages)
            if leak:
                raise LLMFailure("prompt_leak", leak)
            failed = quality.gate(text, job)
            if failed:
                detail = "; ".join(f"{f.check}: {f.detail}" for f in failed)
                raise LLMFailure("low_quality", detail, checks=[f.as_dict() for f in failed])
        except LLMFailure as failure:
            failure.tokens = tokens  # an unusable answer was billed all the same
            raise
        return Generated(
            text=text,
            kind="llm",
            model=completion.model or self._model,
            prompt_version=version,
            latency_ms=latency_ms,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            sources=tuple(job.articles) + ((job.template,) if job.template else ()),
        )


_INTENT_TOKENS = 16  # one intent name; a model that explains itself is cut short
_WORD = re.compile(r"[a-z_]+")


def intent_named(answer: str, intents: Sequence[str]) -> str | None:
    """The one intent of ``intents`` that ``answer`` names ("damaged_item", "`damaged_item`",
    "Intent: damaged item."), or None: none, or more than one."""
    words = _WORD.findall(answer.casefold().replace("-", "_"))
    spaced = f" {' '.join(words)} ".replace("_", " ")  # "damaged item", never "an other"
    named = {i for i in intents if f" {i.replace('_', ' ')} " in spaced}
    return named.pop() if len(named) == 1 else None


_MARKERS = re.compile("|".join(map(re.escape, MARKERS)))
_GLOSS = re.compile(r"=== MESSAGE ===\n(?P<message>.*?)\n=== REPLY ===\n(?P<reply>.*)", re.DOTALL)
_BLOCK_NAME = re.compile(r"<<<([A-Z][A-Z_]*_[A-Z_]*[A-Z])")  # BUYER_MESSAGE, AGENT_INSTRUCTIONS
_SENTENCE = re.compile(r"[^.!?\n]{30,}[.!?]?")
_LEAK_WORDS = 40  # characters: a sentence of the system prompt that long, copied, is a leak
_LEAK_LINE = 30  # characters: an instruction line of the user message ("Detected intent: …")
_DATA_BLOCK = re.compile(r"<<<([A-Z][A-Z_]*)\n.*?\n\1>>>", re.DOTALL)


def _prompt_leak(text: str, messages: list[dict[str, str]]) -> str | None:
    """Why the answer gives its prompt away, if it does: the data markers, a data block's name,
    or a sentence of the prompt's own text copied out: the system prompt's, or the user
    message's outside its data blocks (what the buyer, the order and the knowledge base say
    may be repeated; "Detected intent: where_is_my_order" may not). Such an answer never
    reaches a buyer."""
    if _MARKERS.search(text):
        return "the answer holds the prompt's data markers"
    prompt = "\n".join(message["content"] for message in messages)
    for name in set(_BLOCK_NAME.findall(prompt)):
        if name in text:
            return f"the answer names the prompt's {name} block"
    flat = " ".join(text.split()).casefold()
    for message in messages:
        system = message["role"] == "system"
        content = message["content"]
        copyable = _system_sentences(content) if system else _sentences(content, system=False)
        if any(copied in flat for copied in copyable):
            return f"the answer copies the {'system' if system else 'user'} prompt"
    return None


def _sentences(content: str, *, system: bool) -> tuple[str, ...]:
    """The sentences of a prompt message that an answer must not copy, normalised: the system
    prompt's long ones, and the user message's outside its data blocks."""
    own = content if system else _DATA_BLOCK.sub("\n", content)
    least = _LEAK_WORDS if system else _LEAK_LINE
    found = (" ".join(sentence.split()).casefold() for sentence in _SENTENCE.findall(own))
    return tuple(copied for copied in found if len(copied) >= least)


@lru_cache(maxsize=16)  # the system prompt is the same text, call after call
def _system_sentences(content: str) -> tuple[str, ...]:
    return _sentences(content, system=True)


def _usable_text(completion: Completion) -> str:
    if completion.refusal:
        raise LLMFailure("unusable_response", "the model refused")
    if completion.finish_reason in ("length", "content_filter"):
        raise LLMFailure("unusable_response", f"finish_reason={completion.finish_reason}")
    text = completion.text.strip()
    if not text:
        raise LLMFailure("empty_response", "the answer has no text")
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    if len(text) < _MIN_USABLE_CHARS:
        raise LLMFailure("unusable_response", f"only {len(text)} characters")
    return text
