"""The `/draft` flow: analyse → retrieve → generate → guard → store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.core import UnknownLocaleError
from babel.dates import format_date
from starlette.concurrency import run_in_threadpool

import guardrails
from service.api.deps import Resources
from service.clock.rules import (
    acknowledgement_suggested,
    answer_by,
    contact_window_finding,
)
from service.compose import attachments
from service.errors import Unavailable
from service.generate.llm import DraftJob, Generated, NoTemplate, generate
from service.knowledge import Hit, KnowledgeBase, render
from service.store.db import session_scope
from service.store.models import (
    Draft,
    DraftEvent,
    DraftPublic,
    DraftRequest,
    OrderIn,
    utcnow,
)
from service.understand.analysis import Analysis
from service.understand.assessment import (
    answer_fields,
    assess,
    generator_fields,
    guarded_fields,
    source,
)

FALLBACK_LANGUAGE = "en"
_ARTICLES = 3


def order_facts(order: OrderIn, *, language: str) -> dict[str, Any]:
    """The template context of API.md: every documented key present, None when unknown."""

    def day(value: datetime | None) -> str | None:
        if value is None:
            return None
        try:
            return format_date(value, format="long", locale=language)
        except (UnknownLocaleError, ValueError):  # a locale Babel does not know: ISO is safe
            return value.date().isoformat()

    first = order.items[0] if order.items else None
    return {
        "buyer_name": order.buyer_name,
        "order_id": order.order_id,
        "marketplace": order.marketplace,
        "item_title": first.title if first else None,
        "items": [item.model_dump() for item in order.items],
        "quantity": sum(item.quantity for item in order.items) if order.items else None,
        "carrier": order.tracking.carrier if order.tracking else None,
        "tracking_number": order.tracking.number if order.tracking else None,
        "order_status": order.status,
        "purchase_date": day(order.purchase_date),
        "shipped_at": day(order.shipped_at),
        "delivered_at": day(order.delivered_at),
        "latest_delivery_date": day(order.latest_delivery_date),
        "fulfillment": order.fulfillment,
    }


def choose_template(
    kb: KnowledgeBase, *, query: str, analysis: Analysis, asins: tuple[str, ...]
) -> Hit | None:
    """The intent's template in the buyer's language, else the general one, else English."""
    languages = dict.fromkeys((analysis.language, FALLBACK_LANGUAGE))
    for language in languages:
        for intent in dict.fromkeys((analysis.intent, "other")):
            hit = kb.best_template(query=query, language=language, intent=intent, asins=asins)
            if hit is not None:
                return hit
    return None


def _template_language_finding(generated: Generated, language: str) -> dict[str, Any] | None:
    template = generated.sources[0] if generated.kind == "template" and generated.sources else None
    if template is None or template.entry.language == language:
        return None
    return {
        "rule": "language_mismatch",
        "action": "blocked",
        "match": "",
        "start": 0,
        "end": 0,
        "message": (
            f"The knowledge base has no template in '{language}'; the "
            f"'{template.entry.language}' template {template.entry.id} was used. "
            "Translate the reply before approving, and add the template to the knowledge base."
        ),
    }


async def draft_reply(
    request: DraftRequest, *, resources: Resources, now: datetime | None = None
) -> Draft:
    now = now or utcnow()
    message, order = request.message, request.order
    seen = assess(request, settings=resources.settings, now=now)
    analysis, clock, calendar = seen.analysis, seen.clock, seen.calendar
    kb = resources.kb  # one snapshot for the whole request, even if a reload swaps it
    asins = tuple(item.asin for item in order.items if item.asin)
    template = choose_template(kb, query=message.text, analysis=analysis, asins=asins)
    articles = [
        hit
        for hit in kb.search(
            message.text,
            language=analysis.language,
            kind="article",
            asins=asins,  # boosts the order's products' entries, drops other products'
            k=_ARTICLES,
        )
        if hit.score > 0
    ]
    facts = order_facts(order, language=analysis.language)
    job = DraftJob(
        message=message.text,
        thread=[entry.model_dump() for entry in request.thread],
        language=analysis.language,
        intent=analysis.intent,
        order_facts=facts,
        template=template,
        template_text=render(template.entry, facts) if template else None,
        articles=articles,
        instructions=request.instructions,
        tone=request.tone,
    )
    try:
        generated = await generate(job, llm=resources.llm, fallback=resources.templates)
    except NoTemplate as exc:
        raise Unavailable(
            f"{exc}, and no LLM answer to use instead: add a template to the knowledge base"
        ) from exc

    report = guardrails.check(
        generated.text,
        order_id=order.order_id,
        marketplace=order.marketplace,
        language=analysis.language,
        message_kind="reply",
    )
    findings = [finding.to_dict() for finding in report.findings]
    extra = _template_language_finding(generated, analysis.language)
    if extra is not None:
        findings.append(extra)
    findings += attachments.check(request.attachments)  # the seller's files: attachment_type
    passed = report.passed and not any(f["action"] == "blocked" for f in findings)
    late = contact_window_finding(clock)
    if late is not None:
        findings.append(late)
    suggest = acknowledgement_suggested(
        clock=clock, now=now, calendar=calendar, escalated=analysis.escalation.recommended
    )
    policy = clock.as_dict() | {"acknowledgement_suggested": suggest}
    if suggest:  # what POST /acknowledge would promise now
        policy["answer_by"] = answer_by(now=now, calendar=calendar).isoformat()
    draft = Draft.model_validate(
        answer_fields(request, seen)
        | generator_fields(generated)
        | guarded_fields(
            raw=generated.text,
            report=report,
            findings=findings,
            passed=passed,
            sources=[source(hit.entry, hit.score) for hit in generated.sources],
        )
        | {
            "policy": policy,
            "no_response_needed": analysis.no_response_needed,
        }
    )
    # The session opens only now: nothing was held while the LLM was called.
    await run_in_threadpool(_store, resources, draft)
    return draft


def _store(resources: Resources, draft: Draft) -> None:
    event = DraftEvent.model_validate(
        {
            "draft_id": draft.id,
            "action": "drafted",
            "actor": draft.generator_kind,
            "text_before": draft.raw_text,
            "text_after": draft.text,
            "details": {
                "status": draft.status,
                "fallback_reason": draft.fallback_reason,
                "rules": sorted({f["rule"] for f in draft.findings}),
            },
        }
    )
    with session_scope(resources.engine) as session:
        session.add(draft)
        session.flush()  # the draft row must exist before its event references it
        session.add(event)
    if resources.metrics is not None:
        resources.metrics.observe_draft(draft)


def to_public(draft: Draft) -> DraftPublic:
    return DraftPublic.model_validate(public_fields(draft))


def public_fields(draft: Draft) -> dict[str, Any]:
    return {
        "draft_id": draft.id,
        "status": draft.status,
        "text": draft.text,
        "language": draft.language,
        "intent": draft.intent,
        "intent_confidence": draft.intent_confidence,
        "tags": draft.tags,
        "priority": draft.priority,
        "sources": draft.sources,
        "generator": {
            "kind": draft.generator_kind,
            "model": draft.generator_model,
            "latency_ms": draft.latency_ms,
            "fallback_reason": draft.fallback_reason,
            "prompt_version": draft.prompt_version,
            "usage": {
                "prompt_tokens": draft.prompt_tokens,
                "completion_tokens": draft.completion_tokens,
            },
        },
        "guardrails": {
            "passed": draft.guardrails_passed,
            "policy_version": draft.policy_version,
            "findings": draft.findings,
        },
        "policy": draft.policy,
        "escalation": draft.escalation,
        "no_response_needed": draft.no_response_needed,
        "order_id": draft.order_id,
        "marketplace": draft.marketplace,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
    }
