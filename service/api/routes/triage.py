"""Triage: a buyer message's language, intent, priority and deadlines, without a draft."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service import lanes
from service.api.deps import NowDep, ResourcesDep, require
from service.store.models import DraftRequest, TriageResponse
from service.understand.assessment import assess

router = APIRouter(tags=["triage"])


@router.post(
    "/triage",
    response_model=TriageResponse,
    dependencies=[Depends(require("plugin"))],
)
async def triage(body: DraftRequest, resources: ResourcesDep, now: NowDep) -> TriageResponse:
    """Language, intent, tags, priority and deadlines of a buyer message; nothing is stored."""
    seen = await lanes.cpu(lambda: assess(body, settings=resources.settings, now=now))
    analysis, clock, priority = seen.analysis, seen.clock, seen.priority
    return TriageResponse.model_validate(
        {
            "language": analysis.language,
            "intent": analysis.intent,
            "intent_confidence": analysis.intent_confidence,
            "intent_source": analysis.intent_source,
            "tags": list(analysis.tags),
            "priority": priority,
            "respond_by": clock.respond_by,
            # The seller's own target (service/clock/rules.py): 6 h in business hours, 12 h outside.
            "target_by": clock.target_by,
            "escalation": analysis.escalation.as_dict(),
            "no_response_needed": analysis.no_response_needed,
            "intents_secondary": list(analysis.concerns),
            "respond_by_extended": clock.respond_by_extended,
        }
    )
