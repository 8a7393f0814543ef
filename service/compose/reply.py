"""`POST /draft`: analyse → retrieve → generate → guard → store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import guardrails
from service import lanes
from service.clock.rules import acknowledgement_suggested, answer_by
from service.compose import intent_choice
from service.compose.pipeline import (
    answer_fields,
    buyer_time,
    compose_and_store,
    order_context,
    order_dates,
    order_facts,
    read_ahead,
    template_of,
)
from service.errors import Unavailable
from service.generate.drafter import DraftJob, Generated, NoTemplate, generate
from service.knowledge import Entry, Hit, KnowledgeBase, render
from service.resources import Resources
from service.store.models import Draft, DraftRequest, MessageKind, utcnow
from service.understand.analysis import Analysis
from service.understand.assessment import Assessment, assess

FALLBACK_LANGUAGE = "en"
_ARTICLES = 3


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """Everything decided before the model is asked: the reading, the knowledge, the job."""

    seen: Assessment
    job: DraftJob


def prepare(
    request: DraftRequest,
    *,
    kb: KnowledgeBase,
    resources: Resources,
    now: datetime,
    chosen: str | None = None,
) -> Prepared:
    """Analyse and retrieve (CPU work: runs in a worker thread); ``chosen`` is the intent the
    model named when the classifier was unsure."""
    message, order = request.message, request.order
    seen = assess(request, settings=resources.settings, now=now, chosen=chosen)
    analysis = seen.analysis
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
    facts = order_facts(order, language=analysis.language, at=seen.received_at) | {
        "claim_filed": analysis.claim_filed,
        "concerns": list(analysis.concerns),
    }
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
        dates=order_dates(order, seen.received_at),
        now=buyer_time(now, marketplace=order.marketplace),
    )
    return Prepared(seen=seen, job=job)


async def _generate(
    job: DraftJob, asked: intent_choice.Asked | None, resources: Resources
) -> Generated:
    """The draft, with the intent question's time and tokens in its totals. A model that did
    not answer that question at all (a timeout, no connection) is not waited for again: the
    template drafts, with the same fallback reason."""
    if asked is None:
        return await generate(job, llm=resources.llm, fallback=resources.templates)
    if asked.unanswered:
        generated = await generate(job, llm=None, fallback=resources.templates)
        generated = replace(generated, fallback_reason=asked.reason)
    else:
        generated = await generate(job, llm=resources.llm, fallback=resources.templates)
    prompt_tokens, completion_tokens = asked.tokens
    return replace(
        generated,
        latency_ms=generated.latency_ms + asked.latency_ms,
        prompt_tokens=generated.prompt_tokens + prompt_tokens,
        completion_tokens=generated.completion_tokens + completion_tokens,
        intent_choice=asked.record,
    )


async def draft_reply(
    request: DraftRequest,
    *,
    resources: Resources,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Draft:
    now = now or utcnow()
    kb = resources.kb  # one snapshot for the whole request, even if a reload swaps it
    prepared = await lanes.cpu(lambda: prepare(request, kb=kb, resources=resources, now=now))
    asked, llm = None, resources.llm
    below = resources.settings.llm_intent_below
    if llm is not None and intent_choice.should_ask(prepared.seen.analysis, llm=llm, below=below):
        asked = await intent_choice.ask(
            llm, message=request.message.text, analysis=prepared.seen.analysis
        )
        if asked.intent is not None:
            chosen = asked.intent
            prepared = await lanes.cpu(
                lambda: prepare(request, kb=kb, resources=resources, now=now, chosen=chosen)
            )
    seen = prepared.seen
    analysis, clock, calendar = seen.analysis, seen.clock, seen.calendar

    def guard_ctx(template: Entry | None = None) -> guardrails.Context:
        return order_context(
            request.order,
            language=analysis.language,
            message_kind=MessageKind.reply,
            attachments=request.attachments,  # the seller's files: attachment_type
            now=now,
            template=template,
        )

    ahead = read_ahead(prepared.job, guard_ctx(), resources)
    try:
        generated = await _generate(prepared.job, asked, resources)
    except NoTemplate as exc:
        raise Unavailable(
            f"{exc}, and no LLM answer to use instead: add a template to the knowledge base"
        ) from exc
    finally:
        if ahead is not None:  # the check reads what it read, or reads it itself, never twice
            await lanes.finish_or_drop(ahead)
    suggest = acknowledgement_suggested(
        clock=clock, now=now, calendar=calendar, escalated=analysis.escalation.recommended
    )
    policy = clock.as_dict() | {"acknowledgement_suggested": suggest}
    if suggest:  # what POST /acknowledge would promise now
        policy["answer_by"] = answer_by(now=now, calendar=calendar).isoformat()
    ctx = guard_ctx(template_of(generated))
    fields = answer_fields(request, seen) | {
        "policy": policy,
        "no_response_needed": analysis.no_response_needed,
        "message_kind": MessageKind.reply,
        "idempotency_key": idempotency_key,
        "intent_choice": generated.intent_choice,
    }
    return await compose_and_store(resources, generated, ctx=ctx, fields=fields, job=prepared.job)
