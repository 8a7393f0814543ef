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

import guardrails
from service.api.deps import Resources
from service.clock.rules import answer_by, contact_window_finding
from service.compose.proactive import kb_template
from service.compose.reply import _store, order_facts
from service.knowledge import render
from service.store.models import Draft, DraftRequest
from service.understand.assessment import answer_fields, assess, guarded_fields, source

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


def acknowledge(request: DraftRequest, *, resources: Resources, now: datetime) -> Draft:
    order = request.order
    seen = assess(request, settings=resources.settings, now=now)
    analysis, clock, calendar = seen.analysis, seen.clock, seen.calendar
    promise = answer_by(now=now, calendar=calendar)
    facts = order_facts(order, language=analysis.language) | {
        "answer_by": format_when(promise, zone=calendar.zone, language=analysis.language)
    }
    entry, extra = kb_template(resources.kb, template_id=TEMPLATE_ID, language=analysis.language)
    raw = render(entry, facts)
    sources = [source(entry, 1.0)]
    report = guardrails.check(
        raw,
        order_id=order.order_id,
        marketplace=order.marketplace,
        language=analysis.language,
        message_kind="reply",
    )
    findings = [f.to_dict() for f in report.findings] + extra
    late = contact_window_finding(clock)
    if late is not None:
        findings.append(late)
    passed = report.passed and not extra
    draft = Draft.model_validate(
        answer_fields(request, seen)
        | guarded_fields(raw=raw, report=report, findings=findings, passed=passed, sources=sources)
        | {
            "policy": clock.as_dict() | {"answer_by": promise.isoformat()},
            # A holding reply is an answer: the message did need one.
            "no_response_needed": False,
            "generator_kind": "template",
            "message_kind": "acknowledgement",
        }
    )
    _store(resources, draft)
    return draft
