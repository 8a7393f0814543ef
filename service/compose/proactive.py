"""`POST /proactive`: seller-initiated messages under the proactive rules of POLICY.md.

Refused outright (nothing stored, nothing an agent could approve by mistake):
- a review request: Amazon's own "Request a Review" does that; the answer carries its window;
- more than 30 days after order completion (`contact_window`);
- a non-critical kind for a buyer who opted out of messages;
- a second free-form proactive message for the order while one is pending or approved.
Otherwise the kind's template in the buyer's language (`<lang>/proactive/<kind>`) or the agent's
own text is guarded with `message_kind="proactive"` (so `amazon_duplicate` applies), the files
are judged by `attachment_type`, and the draft is stored for approval like a reply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

import guardrails
from guardrails import marketplaces
from service.api.deps import Resources
from service.clock.rules import CONTACT_WINDOW, contact_window_ends_at
from service.compose import attachments
from service.compose.reply import _store, order_facts
from service.errors import ServiceError
from service.generate.llm import DraftJob, Generated, generate
from service.knowledge import Entry, Hit, KnowledgeBase, render
from service.store.models import Draft, OrderIn, ProactiveRequest
from service.understand.analysis import language_code
from service.understand.assessment import generator_fields, guarded_fields, source
from service.understand.escalation import Escalation

# Sent even to buyers who opted out: needed to complete the order or a return the buyer started,
# or an invoice the law requires. A delivery follow-up or a usage guide is a courtesy.
CRITICAL: Final = frozenset({"invoice", "custom_design", "bulky_delivery", "return_question"})
REVIEW_OPENS: Final = timedelta(days=5)  # after the earliest delivery date
REVIEW_CLOSES: Final = timedelta(days=30)  # after the latest delivery date
# A proactive draft holds the order's one slot until an agent rejects it (the partial unique
# index uq_drafts_one_proactive_per_order says the same to the database).
_HOLDS_SLOT: Final = ("pending", "blocked", "approved")


class Refused(ServiceError):
    """The message must not be sent at all; `detail` says which rule and what instead."""

    status_code = 422


def review_window(order: OrderIn, *, now: datetime) -> dict[str, Any]:
    """Amazon's "Request a Review" window: 5 days after the earliest delivery date to 30 days
    after the latest (the actual delivery stands in for a missing date)."""
    earliest = order.earliest_delivery_date or order.delivered_at or order.latest_delivery_date
    latest = order.latest_delivery_date or order.delivered_at or order.earliest_delivery_date
    opens = earliest + REVIEW_OPENS if earliest else None
    closes = latest + REVIEW_CLOSES if latest else None
    return {
        "opens_at": opens.isoformat() if opens else None,
        "closes_at": closes.isoformat() if closes else None,
        "open_now": bool(opens and closes and opens <= now <= closes),
    }


def check_rules(request: ProactiveRequest, *, session: Session, now: datetime) -> None:
    """Raise Refused when a rule forbids the message whatever its text."""
    order, kind = request.order, request.kind
    if kind == "review_request":
        raise Refused(
            {
                "rule": "review_solicitation",
                "message": "Review requests are never written in free text: use Amazon's "
                "'Request a Review' button (Solicitations API) inside its window.",
                "review_request_window": review_window(order, now=now),
            }
        )
    window_end = contact_window_ends_at(order)
    if window_end is not None and now > window_end:
        raise Refused(
            {
                "rule": "contact_window",
                "message": f"Proactive messages must be sent within {CONTACT_WINDOW.days} days "
                "of order completion (delivery, else latest delivery date, else shipping).",
                "contact_window_ends_at": window_end.isoformat(),
            }
        )
    if request.buyer_opted_out and kind not in CRITICAL:
        raise Refused(
            {
                "rule": "buyer_opted_out",
                "message": f"The buyer opted out of messages; a {kind} message is not critical. "
                f"Only {', '.join(sorted(CRITICAL))} may still be sent.",
            }
        )
    earlier = session.exec(
        select(Draft)
        .where(Draft.order_id == order.order_id, Draft.message_kind == "proactive")
        .where(col(Draft.status).in_(_HOLDS_SLOT))
        .order_by(col(Draft.created_at))
    ).first()
    if earlier is not None:
        raise slot_taken(earlier)


def slot_taken(earlier: Draft | None) -> Refused:
    """409: the order's one free-form proactive message exists (rejecting it frees the slot)."""
    what = f" ({earlier.proactive_kind}, {earlier.status})" if earlier else ""
    return Refused(
        {
            "rule": "proactive_limit",
            "message": f"This order already has a free-form proactive message{what}; Amazon "
            "allows one per order. Reject that draft to write another.",
            "draft_id": earlier.id if earlier else None,
        },
        status_code=409,
    )


def kb_template(
    kb: KnowledgeBase, *, template_id: str, language: str
) -> tuple[Entry, list[dict[str, Any]]]:
    """The template `<lang>/<template_id>` (English stands in, blocked) and its findings; 503
    when no language has it."""
    for code in dict.fromkeys((language, "en")):
        entry = kb.get(template_id if code == "en" else f"{code}/{template_id}")
        if entry is None:
            continue
        findings = []
        if code != language:
            findings.append(
                {
                    "rule": "language_mismatch",
                    "action": "blocked",
                    "match": "",
                    "start": 0,
                    "end": 0,
                    "message": f"The knowledge base has no '{language}' version of {template_id};"
                    " the English one was used. Translate it before approving.",
                }
            )
        return entry, findings
    raise ServiceError(
        f"no template {template_id!r} in the knowledge base: add one", status_code=503
    )


async def generate_text(
    request: ProactiveRequest, *, resources: Resources, language: str, facts: dict[str, Any]
) -> tuple[Generated, list[dict[str, Any]]]:
    """The LLM's message when one is configured and answers usably, else the kind's template;
    plus the findings about the template's language."""
    template_id = "proactive/" + request.kind.replace("_", "-")
    entry, findings = kb_template(resources.kb, template_id=template_id, language=language)
    job = DraftJob(
        message="",
        thread=(),
        language=language,
        intent="other",
        order_facts=facts,
        template=Hit(entry=entry, score=1.0, snippet=""),
        template_text=render(entry, facts),
        articles=(),
        instructions=request.instructions,
        purpose="proactive",
        proactive_kind=request.kind,
    )
    generated = await generate(job, llm=resources.llm, fallback=resources.templates)
    # The LLM writes in the buyer's language itself; the guardrails judge what it wrote.
    return generated, findings if generated.kind == "template" else []


def buyer_language(request: ProactiveRequest) -> str:
    if request.language:
        return language_code(request.language)
    return marketplaces.resolve(request.order.marketplace).language


def _check_rules(request: ProactiveRequest, resources: Resources, now: datetime) -> None:
    with Session(resources.engine) as session:
        check_rules(request, session=session, now=now)


async def draft_proactive(
    request: ProactiveRequest, *, resources: Resources, now: datetime
) -> Draft:
    await run_in_threadpool(_check_rules, request, resources, now)
    order, kind = request.order, request.kind
    language = buyer_language(request)
    facts = order_facts(order, language=language) | {"answer_by": None}
    extra: list[dict[str, Any]] = []
    if request.text:
        generated = Generated(text=request.text, kind="template")  # the agent's own words
    else:
        generated, extra = await generate_text(
            request, resources=resources, language=language, facts=facts
        )
    raw = generated.text
    sources = [source(hit.entry, hit.score) for hit in generated.sources]
    report = guardrails.check(
        raw,
        order_id=order.order_id,
        marketplace=order.marketplace,
        language=language,
        message_kind="proactive",
    )
    findings = [f.to_dict() for f in report.findings] + extra
    findings += attachments.check(request.attachments)
    passed = report.passed and not any(f["action"] == "blocked" for f in findings)
    window_end = contact_window_ends_at(order)
    policy = {
        "message_kind": "proactive",
        "proactive_kind": kind,
        # No reply clock: the deadline is the contact window (or a day, for an open order).
        "respond_by": (window_end or now + timedelta(days=1)).isoformat(),
        "contact_window_ends_at": window_end.isoformat() if window_end else None,
        "within_contact_window": True,
        "critical": kind in CRITICAL,
    }
    draft = Draft.model_validate(
        guarded_fields(raw=raw, report=report, findings=findings, passed=passed, sources=sources)
        | {
            "order_id": order.order_id,
            "marketplace": order.marketplace,
            "agent_id": request.agent_id,
            "language": language,
            "intent": "other",
            "intent_confidence": 1.0,
            "priority": "normal",
            "tags": ["Proactive"],
            "received_at": now,
            "respond_by": window_end or now + timedelta(days=1),
            "message": {"text": "", "proactive_kind": kind},
            "order": order.model_dump(mode="json"),
            "request": request.model_dump(mode="json"),
            "policy": policy,
            "escalation": Escalation(recommended=False, reasons=()).as_dict(),
            "no_response_needed": False,
            "message_kind": "proactive",
            "proactive_kind": kind,
        }
        | generator_fields(generated)
    )
    try:
        await run_in_threadpool(_store, resources, draft)
    except sa.exc.IntegrityError as exc:
        # Another /proactive for this order won the race between our check and our insert.
        raise slot_taken(None) from exc
    return draft
