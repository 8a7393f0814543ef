"""Holding replies (`POST /acknowledge`) and seller-initiated messages (`POST /proactive`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api import idempotency as idempotent
from service.api.deps import require
from service.compose.acknowledge import acknowledge
from service.compose.proactive import draft_proactive
from service.store.models import DraftPublic, DraftRequest, ProactiveRequest

router = APIRouter(tags=["drafts"])


@router.post(
    "/acknowledge",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
    responses=idempotent.RESPONSES,
)
async def create_acknowledgement(
    body: DraftRequest, drafting: idempotent.DraftingDep
) -> DraftPublic:
    """Draft a short holding reply that names when the full answer comes."""
    return await drafting.once(acknowledge, body, route="acknowledge")


@router.post(
    "/proactive",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
    responses=idempotent.RESPONSES
    | {
        409: {
            "description": "the order already has a proactive message, or the first request "
            "with this Idempotency-Key is still at work"
        },
        422: {
            "description": "refused by a proactive rule (window, opt-out, review request), "
            "invalid, or an Idempotency-Key used with another body"
        },
    },
)
async def create_proactive(body: ProactiveRequest, drafting: idempotent.DraftingDep) -> DraftPublic:
    """Draft a seller-initiated message under Amazon's proactive-message rules."""
    return await drafting.once(draft_proactive, body, route="proactive")
