"""Triage: a buyer message's language, intent, priority and deadlines, without a draft."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.analysis import analyse
from service.calendar import NowDep
from service.deps import ResourcesDep, require
from service.models import DraftRequest, TriageResponse
from service.policy import clock_priority, reply_clock

router = APIRouter(tags=["triage"])


@router.post(
    "/triage",
    response_model=TriageResponse,
    dependencies=[Depends(require("plugin"))],
)
def triage(body: DraftRequest, resources: ResourcesDep, now: NowDep) -> TriageResponse:
    """Language, intent, tags, priority and deadlines of a buyer message; nothing is stored."""
    message, order = body.message, body.order
    received_at = message.received_at or now
    analysis = analyse(
        text=message.text,
        locale=message.language,
        marketplace=order.marketplace,
        buyer_name=order.buyer_name,
    )
    calendar = resources.settings.business_calendar(order.marketplace)
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
    return TriageResponse.model_validate(
        {
            "language": analysis.language,
            "intent": analysis.intent,
            "intent_confidence": analysis.intent_confidence,
            "tags": list(analysis.tags),
            "priority": priority,
            "respond_by": clock.respond_by,
            # The seller's own target (service/policy.py): 6 h in business hours, 12 h outside.
            "target_by": clock.target_by,
            "escalation": analysis.escalation.as_dict(),
            "no_response_needed": analysis.no_response_needed,
            "respond_by_extended": clock.respond_by_extended,
        }
    )
