"""The one way a text becomes a stored draft: guard it in its context, lay out the row, store it.

Every flow (`/draft`, `/acknowledge`, `/proactive`) ends here, and the approval re-check and the
audit build their guard context with `stored_context`, so a rule applies the same way wherever a
text is judged and `passed` means one thing: the guard found nothing that blocks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from sqlmodel import SQLModel

import guardrails
from guardrails.marketplaces import lookup as lookup_marketplace
from service import lanes
from service.clock.rules import OrderDates, order_completed_at
from service.compose.repair import repair
from service.generate.drafter import DraftJob, Generated
from service.knowledge import Entry, Hit
from service.resources import Resources
from service.store import events
from service.store.models import (
    Draft,
    DraftEvent,
    DraftRequest,
    DraftStatus,
    OrderDatesIn,
    OrderIn,
    SellerAttachmentIn,
    findings_json,
)
from service.store.outage import outage
from service.understand.assessment import Assessment


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale | None:
    """Babel's locale for ``language``, parsed once (a parse per date cost two thirds of
    formatting it); None for one Babel does not know."""
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None


def order_facts(order: OrderIn, *, language: str, at: datetime | None = None) -> dict[str, Any]:
    """The template context of the KB format: every documented key present, None when unknown.
    ``at``: when the buyer's message arrived, which the dates are read against."""
    locale = _locale(language)

    def day(value: datetime | None) -> str | None:
        if value is None:
            return None
        if locale is None:  # a locale Babel does not know: ISO is safe
            return value.date().isoformat()
        return format_date(value, format="long", locale=locale)

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
        "delivery_overdue": (
            order.latest_delivery_date < at
            if order.latest_delivery_date is not None and at is not None
            else None
        ),
    }


def buyer_time(moment: datetime, *, marketplace: str) -> datetime:
    """``moment`` in the buyer's time zone: the marketplace's (amazon.de: Europe/Berlin)."""
    market = lookup_marketplace(marketplace)
    return moment.astimezone(ZoneInfo(market.timezone)) if market else moment


Dated = tuple[tuple[str, datetime], ...]  # (event, moment): "shipping", "delivery" or ""


def order_dates(order: OrderDates, *also: datetime | None) -> Dated:
    """The order's dates known, each with its event, and `also` (the buyer message's arrival).
    `order` is a whole order, or the dates `/check` is given (no purchase or earliest date)."""
    moments = (
        ("", getattr(order, "purchase_date", None)),
        ("shipping", order.shipped_at),
        ("delivery", order.delivered_at),
        ("delivery", getattr(order, "earliest_delivery_date", None)),
        ("delivery", order.latest_delivery_date),
        *(("", moment) for moment in also),
    )
    return tuple((event, moment) for event, moment in moments if moment is not None)


# Not written out: the buyer's name and the item titles (below), and the order's dates, which
# go with their events (`order_dates`).
_UNGROUNDED = frozenset(
    {"buyer_name", "item_title", "items", "purchase_date", "shipped_at", "delivered_at"}
    | {"latest_delivery_date", "earliest_delivery_date"}
)


def grounding(job: DraftJob) -> guardrails.Grounding:
    """What a model was given to draft from, for the `unsupported_commitment` rule."""
    return grounding_of(
        job.order_facts,
        texts=(
            job.template_text or "",
            *(f"{hit.entry.title}\n{hit.entry.body}" for hit in job.articles),
            job.instructions or "",
        ),
        dates=job.dates,
    )


def grounding_of(
    facts: Mapping[str, Any], *, texts: Sequence[str], dates: Dated
) -> guardrails.Grounding:
    """The order's `facts` (the template context) written out, then `texts` (the template,
    knowledge-base passages, the agent's instructions), and the order's `dates`. The buyer's
    name and the item titles stay out: text a buyer or a listing can fill with "the seller
    refunds everything" supports nothing."""
    lines = [
        f"{key}: {value}"
        for key, value in facts.items()
        if key not in _UNGROUNDED and value is not None and not isinstance(value, (list, dict))
    ]
    written = ("\n".join(lines), *texts)
    return guardrails.Grounding(
        texts=tuple(t for t in written if t.strip()),
        dates=tuple(moment for event, moment in dates if not event),
        shipping=tuple(moment for event, moment in dates if event == "shipping"),
        delivery=tuple(moment for event, moment in dates if event == "delivery"),
    )


def read_ahead(
    job: DraftJob, ctx: guardrails.Context, resources: Resources
) -> lanes.Deferred | None:
    """Read, in the CPU lane's spare time, what the `unsupported_commitment` rule will read from
    the job a model drafts from (its order's, template's and articles' offers, dates and
    numbers), while the model drafts: the check of the answer then reads only the answer. In a
    burst the CPU is idle while the models write and busiest when their answers come back.
    ``ctx`` is the context the model's draft will be checked in (compose_and_store adds the
    grounding). None without a model."""
    if resources.llm is None:
        return None
    return lanes.idle(guardrails.read_ahead, replace(ctx, grounding=grounding(job)))


def guard_context(
    *,
    order_id: str,
    marketplace: str,
    dates: OrderDates | None,
    language: str | None,
    message_kind: str,
    attachments: Sequence[SellerAttachmentIn],
    now: datetime,
    template_id: str | None = None,
    template_language: str | None = None,
    grounding: guardrails.Grounding | None = None,
) -> guardrails.Context:
    """The guard's context for a message on an order: its `dates` decide the contact window,
    the template is the KB entry the text was rendered from (None when a model or an agent
    wrote it), the grounding what the text may draw on (unsupported_commitment)."""
    return guardrails.context(
        order_id=order_id,
        marketplace=marketplace,
        language=language,
        # An acknowledgement is a reply on the buyer's thread, under the reply rules.
        message_kind="proactive" if message_kind == "proactive" else "reply",
        attachments=[
            guardrails.Attachment(a.filename, a.content_type, a.size_bytes, a.purpose)
            for a in attachments
        ],
        completed_at=order_completed_at(dates) if dates is not None else None,
        now=now,
        template_id=template_id,
        template_language=template_language,
        grounding=grounding,
    )


def order_context(
    order: OrderIn,
    *,
    language: str,
    message_kind: str,
    attachments: Sequence[SellerAttachmentIn],
    now: datetime,
    template: Entry | None = None,
) -> guardrails.Context:
    """`guard_context` for a message on an order the request describes in full."""
    return guard_context(
        order_id=order.order_id,
        marketplace=order.marketplace,
        dates=order,
        language=language,
        message_kind=message_kind,
        attachments=attachments,
        now=now,
        template_id=template.id if template else None,
        template_language=template.language if template else None,
    )


def stored_context(draft: Draft, *, now: datetime) -> guardrails.Context:
    """The guard's context for a stored draft's text, as it would go out at `now` (approval)
    or went out then (audit). The text is judged as it stands, whoever wrote it last."""
    return guard_context(
        order_id=draft.order_id,
        marketplace=draft.marketplace,
        dates=OrderDatesIn.model_validate(draft.order),
        language=draft.language,
        message_kind=draft.message_kind,
        attachments=[
            SellerAttachmentIn.model_validate(a) for a in draft.request.get("attachments") or ()
        ],
        now=now,
    )


def template_of(generated: Generated) -> Entry | None:
    """The template a generated text is the rendering of, if it is one."""
    if generated.kind == "template" and generated.sources:
        return generated.sources[0].entry
    return None


def source(entry: Entry, score: float) -> dict[str, Any]:
    """How a draft records a knowledge-base entry it was made from."""
    return {
        "id": entry.id,
        "title": entry.title,
        "kind": entry.kind,
        "language": entry.language,
        "score": score,
    }


def answer_fields(request: DraftRequest, seen: Assessment) -> dict[str, Any]:
    """The columns of a draft answering the buyer's message: who, what, and its clock."""
    analysis, order = seen.analysis, request.order
    return {
        "order_id": order.order_id,
        "marketplace": order.marketplace,
        "agent_id": request.agent_id,
        "external_ref": request.external_ref,
        "language": analysis.language,
        "intent": analysis.intent,
        "intent_confidence": analysis.intent_confidence,
        "intent_source": analysis.intent_source,
        "priority": seen.priority,
        "tags": list(analysis.tags),
        "received_at": seen.received_at,
        "respond_by": seen.clock.respond_by,
        "target_by": seen.clock.target_by,
        "request": request.model_dump(mode="json", by_alias=True),
        "escalation": analysis.escalation.as_dict(),
    }


def compose(
    generated: Generated,
    *,
    ctx: guardrails.Context,
    fields: Mapping[str, Any],
    sources: Sequence[Hit] | None = None,
    report: guardrails.Report | None = None,
) -> Draft:
    """Guard the generated text in its context and lay out the draft row (not stored).
    ``report`` is the guard's report on this very text and context, when one was made already
    (the repair step guards what it keeps)."""
    if report is None:
        report = guardrails.check(generated.text, ctx)
    return Draft.model_validate(dict(fields) | text_fields(generated, report, sources=sources))


def text_fields(
    generated: Generated, report: guardrails.Report, *, sources: Sequence[Hit] | None = None
) -> dict[str, Any]:
    """The draft's columns that come from its text: what generated it, what the guard made of
    it. A new draft has them all; a regenerated one has them replaced."""
    hits = generated.sources if sources is None else sources
    return {
        "status": DraftStatus.pending if report.passed else DraftStatus.blocked,
        "raw_text": generated.text,
        "text": report.text,
        "findings": findings_json(report.findings),
        "guardrails_passed": report.passed,
        "policy_version": report.policy_version,
        "sources": [source(hit.entry, hit.score) for hit in hits],
        # Every LLM call is on record, with its outcome.
        "generator_kind": generated.kind,
        "generator_model": generated.model,
        "prompt_version": generated.prompt_version,
        "latency_ms": generated.latency_ms,
        "prompt_tokens": generated.prompt_tokens,
        "completion_tokens": generated.completion_tokens,
        "fallback_reason": generated.fallback_reason,
        "repairs": list(generated.repairs),
        "quality": [dict(check) for check in generated.quality],
    }


DRAFTS: sa.Table = Draft.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = DraftEvent.__table__  # type: ignore[attr-defined]


def columns(row: SQLModel, table: sa.Table, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in table.columns if c.name not in skip}


@dataclass(frozen=True, slots=True)
class Rows:
    """A draft and the rows that store it with its first history line, laid out in the CPU
    lane: the database thread only writes them."""

    draft: Draft
    draft_row: dict[str, Any]
    event_row: dict[str, Any]


def rows(draft: Draft) -> Rows:
    event = DraftEvent.model_validate(
        {
            "draft_id": draft.id,
            "action": "drafted",
            "actor": draft.generator_kind,
            "text_before": draft.raw_text,
            "text_after": draft.text,
            "details": {
                "status": draft.status.value,
                "fallback_reason": draft.fallback_reason,
                "rules": sorted({f["rule"] for f in draft.findings}),
            },
        }
    )
    return Rows(draft, columns(draft, DRAFTS), columns(event, EVENTS, skip=("id",)))


def store(laid: Sequence[tuple[Resources, Rows]]) -> None:
    """Insert drafts (all for one database) and their first history lines in one transaction
    (blocking)."""
    # Plain INSERTs: the ORM's unit of work would cost more than the rest of storing a draft,
    # and nothing here needs identity tracking.
    resources = laid[0][0]
    batch = [rows_ for _, rows_ in laid]
    # A database that just failed is not waited for again (service/store/outage.py).
    with outage(resources.engine).attempt(), resources.engine.begin() as connection:
        connection.execute(sa.insert(DRAFTS), [one.draft_row for one in batch])
        connection.execute(sa.insert(EVENTS), [one.event_row for one in batch])
        events.record_all(
            connection,
            [(one.draft, events.created(one.draft), one.draft.created_at) for one in batch],
        )
    if resources.metrics is not None:
        for one in batch:
            resources.metrics.observe_draft(one.draft)


# Drafts that finish while others are being stored are stored together (service/lanes.py),
# each database's apart.
_store = lanes.Batched(store, key=lambda item: id(item[0].engine))


async def compose_and_store(
    resources: Resources,
    generated: Generated,
    *,
    ctx: guardrails.Context,
    fields: Mapping[str, Any],
    sources: Sequence[Hit] | None = None,
    job: DraftJob | None = None,
) -> Draft:
    """Guard, lay out and store, off the event loop: the guard and the layout in the CPU lane,
    the insert in the write lane (service/lanes.py), where waiting on the database holds up no
    CPU work. The session opens only now, after any LLM call is over. With the `job` a model
    drafted from, a draft the guard had to cut or block is first offered to the model for a
    rewrite (service/compose/repair.py)."""
    report = None
    if job is not None and generated.kind == "llm":  # a model may promise what nobody said
        ctx = replace(ctx, grounding=grounding(job))
    if job is not None and resources.settings.llm_repair:
        generated, report = await repair(generated, job=job, llm=resources.llm, ctx=ctx)
    laid = await lanes.cpu(
        lambda: rows(compose(generated, ctx=ctx, fields=fields, sources=sources, report=report))
    )
    await _store((resources, laid))
    return laid.draft
