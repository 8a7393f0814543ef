"""`POST /acknowledge`: a short holding reply that promises the full answer at a set time.

It is a real reply on the buyer's thread (Amazon does not count auto-responders, so an agent
approves it like any draft), in the buyer's language, naming a concrete local date and time
from the business calendar (`service.clock.rules.answer_by`). `/draft` suggests one when the full
answer is unlikely to meet the seller's target.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.core import UnknownLocaleError
from babel.dates import format_date, format_time

from service import lanes
from service.clock.rules import answer_by
from service.compose.pipeline import answer_fields, compose_and_store, order_context, order_facts
from service.compose.proactive import kb_template
from service.generate.drafter import Generated
from service.knowledge import Hit, render
from service.resources import Resources
from service.store.models import Draft, DraftRequest, MessageKind
from service.understand.assessment import assess

TEMPLATE_ID = "acknowledgement/holding"


def format_when(moment: datetime, *, zone: ZoneInfo, language: str) -> str:
    """`Monday, November 30, 2026, 2:00 PM (CET)` in the buyer's language and the seller's zone."""
    local = moment.astimezone(zone)
    try:
        day = format_date(local, format="full", locale=language)
        clock = format_time(local, format="short", locale=language)
    except (UnknownLocaleError, ValueError):
        day, clock = local.date().isoformat(), local.strftime("%H:%M")
    return f"{day}, {clock} ({local.tzname()})"


async def acknowledge(
    request: DraftRequest,
    *,
    resources: Resources,
    now: datetime,
    idempotency_key: str | None = None,
) -> Draft:
    order = request.order
    seen = await lanes.cpu(lambda: assess(request, settings=resources.settings, now=now))
    analysis, clock, calendar = seen.analysis, seen.clock, seen.calendar
    promise = answer_by(now=now, calendar=calendar)
    facts = order_facts(order, language=analysis.language) | {
        "answer_by": format_when(promise, zone=calendar.zone, language=analysis.language)
    }
    entry = kb_template(resources.kb, template_id=TEMPLATE_ID, language=analysis.language)
    hit = Hit(entry=entry, score=1.0)
    generated = Generated(text=render(entry, facts), kind="template", sources=(hit,))
    ctx = order_context(
        order,
        language=analysis.language,
        message_kind=MessageKind.acknowledgement,
        attachments=(),  # a holding reply goes out alone; the files come with the answer
        now=now,
        template=entry,
    )
    fields = answer_fields(request, seen) | {
        "policy": clock.as_dict() | {"answer_by": promise.isoformat()},
        # A holding reply is an answer: the message did need one.
        "no_response_needed": False,
        "message_kind": MessageKind.acknowledgement,
        "idempotency_key": idempotency_key,
    }
    return await compose_and_store(resources, generated, ctx=ctx, fields=fields)
