"""Triage: a buyer message's language, intent, priority and deadlines, without a draft."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends

from service.analysis import analyse, escalation
from service.deps import require
from service.models import DraftRequest, TriageResponse, utcnow
from service.policy import clock_priority, reply_clock

router = APIRouter(tags=["triage"])

# The house target, well inside Amazon's 24 hours. Business hours and holidays come with the
# business calendar (a later issue); until then the target is plain clock time.
TARGET_WITHIN = timedelta(hours=12)


@router.post(
    "/triage",
    response_model=TriageResponse,
    dependencies=[Depends(require("plugin"))],
)
def triage(body: DraftRequest) -> TriageResponse:
    """Language, intent, tags, priority and deadlines of a buyer message; nothing is stored."""
    now = utcnow()
    message, order = body.message, body.order
    received_at = message.received_at or now
    analysis = analyse(
        text=message.text,
        locale=message.language,
        marketplace=order.marketplace,
        buyer_name=order.buyer_name,
    )
    clock = reply_clock(order=order, received_at=received_at, now=now)
    return TriageResponse.model_validate(
        {
            "language": analysis.language,
            "intent": analysis.intent,
            "intent_confidence": analysis.intent_confidence,
            "tags": list(analysis.tags),
            "priority": clock_priority(analysis.priority, respond_by=clock.respond_by, now=now),
            "respond_by": clock.respond_by,
            # target_by = min(respond_by, received_at + 12 h), in clock hours for now.
            "target_by": min(clock.respond_by, received_at + TARGET_WITHIN),
            "escalation": escalation(analysis.intent).as_dict(),
            "no_response_needed": analysis.no_response_needed,
        }
    )
