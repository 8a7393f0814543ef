"""What every answer to a buyer message starts from: the analysis, the calendar and the clock.

`/draft`, `/acknowledge` and `/triage` read a message the same way; this is that one reading,
and the one way a reply-like draft row is laid out from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guardrails import Report
from service.clock.calendar import BusinessCalendar
from service.clock.rules import Clock, clock_priority, reply_clock
from service.config import Settings
from service.generate.llm import Generated
from service.knowledge import Entry
from service.store.models import DraftRequest
from service.understand.analysis import Analysis, analyse
from service.understand.intents import Priority


@dataclass(frozen=True, slots=True)
class Assessment:
    analysis: Analysis
    received_at: datetime
    calendar: BusinessCalendar
    clock: Clock
    priority: Priority


def assess(request: DraftRequest, *, settings: Settings, now: datetime) -> Assessment:
    message, order = request.message, request.order
    received_at = message.received_at or now
    analysis = analyse(
        text=message.text,
        locale=message.language,
        marketplace=order.marketplace,
        buyer_name=order.buyer_name,
    )
    calendar = settings.business_calendar(order.marketplace)
    clock = reply_clock(
        order=order, received_at=received_at, now=now, intent=analysis.intent, calendar=calendar
    )
    priority = clock_priority(
        analysis.priority,
        respond_by=clock.respond_by,
        now=now,
        target_by=clock.target_by,
        escalated=analysis.escalation.recommended,
    )
    return Assessment(analysis, received_at, calendar, clock, priority)


def source(entry: Entry, score: float) -> dict[str, Any]:
    """How a draft records a knowledge-base entry it was made from."""
    return {"id": entry.id, "title": entry.title, "kind": entry.kind, "score": score}


def guarded_fields(
    *,
    raw: str,
    report: Report,
    findings: list[dict[str, Any]],
    passed: bool,
    sources: list[dict[str, Any]],
) -> dict[str, Any]:
    """The columns of what was written, what the guardrails made of it, and whether it may go
    out as it is (a blocked draft waits for an agent's edit)."""
    return {
        "status": "pending" if passed else "blocked",
        "raw_text": raw,
        "text": report.text,
        "findings": findings,
        "guardrails_passed": passed,
        "policy_version": report.policy_version,
        "sources": sources,
    }


def generator_fields(generated: Generated) -> dict[str, Any]:
    """The columns that record how a text was produced (every LLM call is on record)."""
    return {
        "generator_kind": generated.kind,
        "generator_model": generated.model,
        "prompt_version": generated.prompt_version,
        "latency_ms": generated.latency_ms,
        "prompt_tokens": generated.prompt_tokens,
        "completion_tokens": generated.completion_tokens,
        "fallback_reason": generated.fallback_reason,
    }


def answer_fields(request: DraftRequest, seen: Assessment) -> dict[str, Any]:
    """The columns of a draft answering the buyer's message: who, what, and its clock."""
    analysis, order = seen.analysis, request.order
    return {
        "order_id": order.order_id,
        "marketplace": order.marketplace,
        "agent_id": request.agent_id,
        "language": analysis.language,
        "intent": analysis.intent,
        "intent_confidence": analysis.intent_confidence,
        "priority": seen.priority,
        "tags": list(analysis.tags),
        "received_at": seen.received_at,
        "respond_by": seen.clock.respond_by,
        "target_by": seen.clock.target_by,
        "message": request.message.model_dump(mode="json"),
        "order": order.model_dump(mode="json"),
        "request": request.model_dump(mode="json", by_alias=True),
        "escalation": analysis.escalation.as_dict(),
    }
