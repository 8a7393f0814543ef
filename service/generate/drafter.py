"""The `Drafter` seam: what a drafter is given (`DraftJob`), what it returns (`Generated`),
its typed failures, the template drafter, and `generate`, which falls back from the LLM to the
template and says so."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol

from guardrails import Finding
from service.knowledge import Hit

log = logging.getLogger(__name__)

FallbackReason = Literal[
    "timeout",
    "connection_error",
    "rate_limited",
    "upstream_error",
    "upstream_rejected",
    "empty_response",
    "unusable_response",
    "prompt_leak",
    "context_exceeded",
    "queue_timeout",
    "low_quality",
]


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
    # The order's dates, each with its event ("shipping", "delivery", "" for the purchase and
    # the buyer message's arrival): what a drafted date may repeat.
    dates: tuple[tuple[str, datetime], ...] = ()
    # When the draft is made, in the buyer's time zone (the marketplace's): the prompt gives it,
    # so that a model can tell a delivery date already past from one to come.
    now: datetime | None = None


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
    # The model's rewrites of its own draft after the guard (service/compose/repair.py).
    repairs: tuple[Mapping[str, Any], ...] = ()
    # The quality checks the model's answer failed, when it fell back for `low_quality`
    # (service/generate/quality.py): {"check", "detail"}.
    quality: tuple[Mapping[str, str], ...] = ()
    # The question the model was asked about the intent, when the classifier was unsure
    # (service/compose/intent_choice.py); its time and tokens are in the totals above.
    intent_choice: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Translated:
    """A gloss: the buyer's message and the draft in an agent's language."""

    message: str
    draft: str
    model: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class IntentChoice:
    """The intent a model chose from the intent list for a message the classifier was unsure
    of (service/compose/intent_choice.py)."""

    intent: str
    model: str | None
    prompt_version: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMFailure(Exception):
    """A typed outcome of a failed LLM call; the caller falls back to the template."""

    def __init__(
        self,
        reason: FallbackReason,
        detail: str = "",
        *,
        tokens: tuple[int, int] = (0, 0),
        checks: Sequence[Mapping[str, str]] = (),
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: FallbackReason = reason
        # (prompt, completion) tokens the server reported for the failed call: billed all the same.
        self.tokens = tokens
        self.checks = tuple(checks)  # low_quality: the quality checks the answer failed


class NoTemplate(Exception):
    """The knowledge base has no template for this language and intent, nor a general one."""


class Drafter(Protocol):
    """The seam between the pipeline and a model: the OpenAI-compatible client, or a fake in
    tests. `draft` raises `LLMFailure` for anything that should fall back to the template;
    `repair` rewrites a draft the guard had to cut or block, given the findings, and raises
    `LLMFailure` likewise (the guarded first draft then stands); `gloss` translates a buyer's
    message and its draft for an agent (`GET /drafts/{id}/gloss`); `choose_intent` picks one of
    `intents` for a message the classifier was unsure of, and raises `LLMFailure` when the
    answer is not one of them."""

    async def draft(self, job: DraftJob) -> Generated: ...

    async def repair(
        self, job: DraftJob, *, draft: str, findings: Sequence[Finding]
    ) -> Generated: ...

    async def gloss(self, *, message: str, draft: str, target: str) -> Translated: ...

    async def choose_intent(
        self, *, message: str, language: str, intents: Sequence[str]
    ) -> IntentChoice: ...

    async def aclose(self) -> None: ...


class TemplateDrafter:
    """The best-matching knowledge-base template, rendered with the order context."""

    async def draft(self, job: DraftJob) -> Generated:
        if job.template is None or job.template_text is None:
            raise NoTemplate(f"no template for intent {job.intent!r} in {job.language!r}")
        return Generated(text=job.template_text, kind="template", sources=(job.template,))

    async def aclose(self) -> None:
        return None


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
        prompt_tokens, completion_tokens = failure.tokens
        return replace(
            generated,
            fallback_reason=failure.reason,
            latency_ms=waited,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            quality=failure.checks,
        )
