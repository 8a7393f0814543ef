"""Holding replies (`POST /acknowledge`) and seller-initiated messages (`POST /proactive`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.api.deps import NowDep, ResourcesDep, require
from service.compose.acknowledge import acknowledge
from service.compose.proactive import draft_proactive
from service.store.models import DraftPublic, DraftRequest, ProactiveRequest

router = APIRouter(tags=["drafts"])


@router.post(
    "/acknowledge",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
)
async def create_acknowledgement(
    body: DraftRequest, resources: ResourcesDep, now: NowDep
) -> DraftPublic:
    """Draft a short holding reply that names when the full answer comes."""
    draft = await acknowledge(body, resources=resources, now=now)
    return DraftPublic.model_validate(draft)


@router.post(
    "/proactive",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
    responses={
        409: {"description": "the order already has a proactive message"},
        422: {"description": "refused by a proactive rule (window, opt-out, review request)"},
    },
)
async def create_proactive(
    body: ProactiveRequest, resources: ResourcesDep, now: NowDep
) -> DraftPublic:
    """Draft a seller-initiated message under Amazon's proactive-message rules."""
    draft = await draft_proactive(body, resources=resources, now=now)
    return DraftPublic.model_validate(draft)
