"""Holding replies (`POST /acknowledge`) and seller-initiated messages (`POST /proactive`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from service.acknowledge import acknowledge
from service.calendar import NowDep
from service.deps import ResourcesDep, require
from service.drafting import to_public
from service.models import DraftPublic, DraftRequest, ProactiveRequest
from service.proactive import draft_proactive

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
    draft = await run_in_threadpool(acknowledge, body, resources=resources, now=now)
    return to_public(draft)


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
    return to_public(draft)
