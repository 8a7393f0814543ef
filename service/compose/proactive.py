"""`POST /proactive`: seller-initiated messages under the proactive rules of docs/policy.md.

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
from anyio import to_thread
from sqlmodel import Session, col, select

from guardrails import marketplaces
from guardrails.locales import language_of
from service.clock.rules import CONTACT_WINDOW, contact_window_ends_at
from service.compose.pipeline import (
    buyer_time,
    compose_and_store,
    order_context,
    order_dates,
    order_facts,
    template_of,
)
from service.errors import ServiceError
from service.generate.drafter import DraftJob, Generated, generate
from service.knowledge import Entry, Hit, KnowledgeBase, render
from service.resources import Resources
from service.store.models import Draft, DraftStatus, MessageKind, OrderIn, ProactiveRequest
from service.understand.escalation import Escalation

# Sent even to buyers who opted out: needed to complete the order or a return the buyer started,
# or an invoice the law requires. A delivery follow-up or a usage guide is a courtesy.
CRITICAL: Final = frozenset({"invoice", "custom_design", "bulky_delivery", "return_question"})
REVIEW_OPENS: Final = timedelta(days=5)  # after the earliest delivery date
REVIEW_CLOSES: Final = timedelta(days=30)  # after the latest delivery date
# A proactive draft holds the order's one slot until an agent rejects it (the partial unique
# index uq_drafts_one_proactive_per_order says the same to the database).
_HOLDS_SLOT: Final = (DraftStatus.pending, DraftStatus.blocked, DraftStatus.approved)


class Refused(ServiceError):
    """The message must not be sent at all; `detail` says which rule and what instead."""

    status_code = 422
    problem_type = "refused"


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


def kb_template(kb: KnowledgeBase, *, template_id: str, language: str) -> Entry:
    """The template `<lang>/<template_id>`, English standing in (the guard then blocks the draft
    for its language); 503 when no language has it."""
    for code in dict.fromkeys((language, "en")):
        entry = kb.get(template_id if code == "en" else f"{code}/{template_id}")
        if entry is not None:
            return entry
    raise ServiceError(
        f"no template {template_id!r} in the knowledge base: add one", status_code=503
    )


async def generate_text(
    request: ProactiveRequest,
    *,
    resources: Resources,
    language: str,
    facts: dict[str, Any],
    now: datetime,
) -> tuple[DraftJob, Generated]:
    """The LLM's message when one is configured and answers usably, else the kind's template
    (and the job, for a repair)."""
    template_id = "proactive/" + request.kind.replace("_", "-")
    entry = kb_template(resources.kb, template_id=template_id, language=language)
    job = DraftJob(
        message="",
        thread=(),
        language=language,
        intent="other",
        order_facts=facts,
        template=Hit(entry=entry, score=1.0),
        template_text=render(entry, facts),
        articles=(),
        instructions=request.instructions,
        purpose="proactive",
        proactive_kind=request.kind,
        dates=order_dates(request.order),
        now=buyer_time(now, marketplace=request.order.marketplace),
    )
    return job, await generate(job, llm=resources.llm, fallback=resources.templates)


def buyer_language(request: ProactiveRequest) -> str:
    if request.language:
        return language_of(request.language)
    return marketplaces.resolve(request.order.marketplace).language


def _check_rules(request: ProactiveRequest, resources: Resources, now: datetime) -> None:
    with Session(resources.engine) as session:
        check_rules(request, session=session, now=now)


async def draft_proactive(
    request: ProactiveRequest,
    *,
    resources: Resources,
    now: datetime,
    idempotency_key: str | None = None,
) -> Draft:
    # A database read: anyio's pool, not the CPU lane (a hanging database must not hold it).
    await to_thread.run_sync(_check_rules, request, resources, now)
    order, kind = request.order, request.kind
    language = buyer_language(request)
    facts = order_facts(order, language=language) | {"answer_by": None}
    job: DraftJob | None = None
    if request.text:
        # The agent's own words: no template, no model.
        generated = Generated(text=request.text, kind="template")
    else:
        job, generated = await generate_text(
            request, resources=resources, language=language, facts=facts, now=now
        )
    ctx = order_context(
        order,
        language=language,
        message_kind=MessageKind.proactive,
        attachments=request.attachments,
        now=now,
        # The LLM writes in the buyer's language itself; a template's language is known.
        template=template_of(generated),
    )
    window_end = contact_window_ends_at(order)
    respond_by = window_end or now + timedelta(days=1)
    fields = {
        "order_id": order.order_id,
        "marketplace": order.marketplace,
        "agent_id": request.agent_id,
        "external_ref": request.external_ref,
        "idempotency_key": idempotency_key,
        "language": language,
        "intent": "other",
        "intent_confidence": 1.0,
        "priority": "normal",
        "tags": ["Proactive"],
        "received_at": now,
        "respond_by": respond_by,
        "request": request.model_dump(mode="json"),
        "policy": {
            "message_kind": "proactive",
            "proactive_kind": kind,
            # No reply clock: the deadline is the contact window (or a day, for an open order).
            "respond_by": respond_by.isoformat(),
            "contact_window_ends_at": window_end.isoformat() if window_end else None,
            "within_contact_window": True,
            "critical": kind in CRITICAL,
        },
        "escalation": Escalation(recommended=False, reasons=()).as_dict(),
        "no_response_needed": False,
        "message_kind": MessageKind.proactive,
        "proactive_kind": kind,
    }
    try:
        return await compose_and_store(resources, generated, ctx=ctx, fields=fields, job=job)
    except sa.exc.IntegrityError as exc:
        # Another /proactive for this order won the race between our check and our insert.
        raise slot_taken(None) from exc
