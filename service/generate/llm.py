"""Generation: the `Drafter` seam, the OpenAI-compatible drafter and the template drafter."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import jinja2

from service.config import Settings
from service.knowledge import Hit

if TYPE_CHECKING:
    import openai

# The OpenAI SDK is imported by OpenAIDrafter alone: it takes half a second and 20 MB, and a
# server without an LLM configured (templates only) never needs it.

log = logging.getLogger(__name__)

FallbackReason = Literal[
    "timeout",
    "connection_error",
    "rate_limited",
    "upstream_error",
    "upstream_rejected",
    "empty_response",
    "unusable_response",
]
_MIN_USABLE_CHARS = 20
_FENCE_RE = re.compile(r"^```[a-z]*\n(.*)\n```$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class DraftJob:
    """Everything a drafter may use; built once per request, shared read-only."""

    message: str
    thread: Sequence[Mapping[str, Any]]
    language: str
    intent: str
    order_facts: Mapping[str, Any]  # the template context: buyer_name, order_id, carrier, …
    template: Hit | None
    template_text: str | None  # the template rendered with order_facts
    articles: Sequence[Hit]
    instructions: str | None = None
    tone: str | None = None
    # A reply answers the buyer's message; a proactive message (the buyer wrote nothing) is the
    # seller's own, of `proactive_kind`, and has a prompt of its own.
    purpose: Literal["reply", "proactive"] = "reply"
    proactive_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Generated:
    text: str
    kind: Literal["llm", "template"]
    model: str | None = None
    prompt_version: str | None = None
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallback_reason: str | None = None
    sources: tuple[Hit, ...] = field(default_factory=tuple)


class LLMFailure(Exception):
    """A typed outcome of a failed LLM call; the caller falls back to the template."""

    def __init__(self, reason: FallbackReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: FallbackReason = reason


class NoTemplate(Exception):
    """The knowledge base has no template for this language and intent, nor a general one."""


class Drafter(Protocol):
    async def draft(self, job: DraftJob) -> Generated: ...


class TemplateDrafter:
    """The best-matching knowledge-base template, rendered with the order context."""

    async def draft(self, job: DraftJob) -> Generated:
        if job.template is None or job.template_text is None:
            raise NoTemplate(f"no template for intent {job.intent!r} in {job.language!r}")
        return Generated(text=job.template_text, kind="template", sources=(job.template,))


class Prompts:
    """The prompt files, rendered by one Jinja2 environment with StrictUndefined.

    Buyer and KB text are passed in as variables and escaped by the `data` filter, so they can
    neither be compiled as templates nor close the delimiters they sit between.
    """

    def __init__(self, prompts_dir: Path) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(prompts_dir),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self._env.filters["data"] = _neutralise_delimiters
        self._pairs: dict[str, tuple[jinja2.Template, jinja2.Template]] = {}
        self._versions: dict[str, str] = {}
        for purpose, stem in (("reply", "draft_reply"), ("proactive", "draft_proactive")):
            names = (f"{stem}.system.j2", f"{stem}.user.j2")
            self._pairs[purpose] = (
                self._env.get_template(names[0]),
                self._env.get_template(names[1]),
            )
            digest = hashlib.sha256()
            for name in names:
                digest.update((prompts_dir / name).read_bytes())
            self._versions[purpose] = f"{stem}@{digest.hexdigest()[:10]}"

    def version(self, job: DraftJob) -> str:
        return self._versions[job.purpose]

    def messages(self, job: DraftJob) -> list[dict[str, str]]:
        system, user = self._pairs[job.purpose]
        variables = {"job": job, "language_name": language_name(job.language)}
        return [
            {"role": "system", "content": system.render(variables)},
            {"role": "user", "content": user.render(variables)},
        ]


def _neutralise_delimiters(value: object) -> str:
    return str(value).replace("<<<", "‹‹‹").replace(">>>", "›››")


_LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "ja": "Japanese",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "pl": "Polish",
    "tr": "Turkish",
    "ar": "Arabic",
}


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, code)


class OpenAIDrafter:
    """Any OpenAI-compatible chat-completions endpoint, bounded by one overall deadline."""

    def __init__(self, *, settings: Settings, prompts: Prompts) -> None:
        import openai

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        # Local servers (vLLM, Ollama) need no key, but the SDK insists on a non-empty one.
        self._client: openai.AsyncOpenAI = openai.AsyncOpenAI(
            api_key=key or "not-needed",
            base_url=settings.llm_base_url,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
        self._model = settings.llm_model
        self._deadline = settings.llm_timeout_s
        self._temperature = settings.llm_temperature
        self._prompts = prompts

    async def aclose(self) -> None:
        await self._client.close()

    async def draft(self, job: DraftJob) -> Generated:
        import openai

        started = time.perf_counter()
        messages = self._prompts.messages(job)
        try:
            # The SDK's timeout is per attempt; retries must not stretch the buyer's wait.
            completion = await asyncio.wait_for(
                self._client.chat.completions.create(
                    model=self._model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self._temperature,
                    max_tokens=900,
                ),
                timeout=self._deadline,
            )
        except (TimeoutError, openai.APITimeoutError) as exc:
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
        usage = completion.usage
        return Generated(
            text=text,
            kind="llm",
            model=completion.model or self._model,
            prompt_version=self._prompts.version(job),
            latency_ms=latency_ms,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            sources=tuple(job.articles) + ((job.template,) if job.template else ()),
        )


def _usable_text(completion: object) -> str:
    from openai.types.chat import ChatCompletion

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


async def generate(job: DraftJob, *, llm: Drafter | None, fallback: TemplateDrafter) -> Generated:
    """The LLM draft when one is configured and answers usably, else the template draft."""
    if llm is None:
        return await fallback.draft(job)
    started = time.perf_counter()
    try:
        return await llm.draft(job)
    except LLMFailure as failure:
        log.warning("llm_fallback", extra={"reason": failure.reason, "detail": str(failure)})
        generated = await fallback.draft(job)
        waited = round((time.perf_counter() - started) * 1000)
        return replace(generated, fallback_reason=failure.reason, latency_ms=waited)
