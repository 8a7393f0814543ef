"""Drafting, reading drafts, and the review workflow (list, approve, reject, regenerate)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from sqlmodel import col, select

from service.api import idempotency as idempotent
from service.api.deps import ResourcesDep, SessionDep, require
from service.compose.reply import draft_reply
from service.errors import NotFound
from service.review import actions as review
from service.review import case_pack
from service.review import queue as review_queue
from service.review.gloss import gloss
from service.review.regenerate import regenerate
from service.store.models import (
    MAX_OFFSET,
    ApproveRequest,
    ApproveResponse,
    CasePack,
    Draft,
    DraftDetail,
    DraftEvent,
    DraftList,
    DraftListItem,
    DraftPublic,
    DraftRequest,
    DraftStatus,
    GlossPublic,
    RegenerateRequest,
    RegenerateResponse,
    RejectRequest,
    RejectResponse,
)

router = APIRouter(tags=["drafts"])


@router.post(
    "/draft",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
    responses=idempotent.RESPONSES,
)
async def create_draft(body: DraftRequest, drafting: idempotent.DraftingDep) -> DraftPublic:
    """Draft a guarded reply to a buyer message and store it for review."""
    return await drafting.once(draft_reply, body, route="draft")


@router.get("/drafts", response_model=DraftList, dependencies=[Depends(require("agent"))])
def list_drafts(
    session: SessionDep,
    status: Annotated[list[DraftStatus] | None, Query()] = None,
    intent: Annotated[str | None, Query(max_length=40)] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    agent_id: Annotated[str | None, Query(max_length=100)] = None,
    external_ref: Annotated[
        str | None, Query(max_length=200, description="the help desk's ticket id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DraftList:
    """Drafts by status, intent, language, agent or ticket, the nearest `respond_by` first."""
    filters = review_queue.Filters(
        statuses=tuple(status or ()),
        intent=intent,
        language=language,
        agent_id=agent_id,
        external_ref=external_ref,
    )
    rows, total = review_queue.list_drafts(session, filters=filters, limit=limit, offset=offset)
    items = [DraftListItem.model_validate(draft) for draft in rows]
    return DraftList(data=items, count=total)


@router.get(
    "/drafts/{draft_id}",
    response_model=DraftDetail,
    # `message`, `order` and each history line's `details` as they were sent and stored: the
    # keys a request or an action left out stay out (the schema still names them all).
    response_model_exclude_unset=True,
    # Plugins read approved drafts here to send the final text.
    dependencies=[Depends(require("plugin"))],
)
def read_draft(draft_id: Annotated[str, "draft id"], session: SessionDep) -> DraftDetail:
    """One draft with its buyer message, order, review and history."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id!r}")
    events = session.exec(
        select(DraftEvent)
        .where(DraftEvent.draft_id == draft_id)
        .order_by(col(DraftEvent.at), col(DraftEvent.id))
    ).all()
    return DraftDetail.model_validate(draft, update={"history": events})


@router.post(
    "/drafts/{draft_id}/approve",
    response_model=ApproveResponse,
    dependencies=[Depends(require("agent"))],
    responses={409: {"description": "no longer pending"}, 422: {"description": "still blocked"}},
)
def approve_draft(draft_id: str, body: ApproveRequest, resources: ResourcesDep) -> ApproveResponse:
    """Approve the draft, or the agent's edit of it, after the guardrails pass again."""
    return review.approve(
        resources.engine, draft_id=draft_id, agent_id=body.agent_id, text=body.text
    )


@router.post(
    "/drafts/{draft_id}/reject",
    response_model=RejectResponse,
    dependencies=[Depends(require("agent"))],
    responses={409: {"description": "no longer pending"}},
)
def reject_draft(draft_id: str, body: RejectRequest, resources: ResourcesDep) -> RejectResponse:
    """Reject the draft with a reason."""
    return review.reject(
        resources.engine, draft_id=draft_id, agent_id=body.agent_id, reason=body.reason
    )


@router.post(
    "/drafts/{draft_id}/regenerate",
    response_model=RegenerateResponse,
    dependencies=[Depends(require("agent"))],
    responses={409: {"description": "no longer in review, not a reply, or no model configured"}},
)
async def regenerate_draft(
    draft_id: str, body: RegenerateRequest, resources: ResourcesDep
) -> RegenerateResponse:
    """Ask the model for the reply again, with the agent's instructions; the new text is gated
    and guarded like a first draft and replaces the draft's (kept in its history). When the
    model fails, the draft is unchanged and the answer says why."""
    return await regenerate(
        resources, draft_id=draft_id, agent_id=body.agent_id, instructions=body.instructions
    )


@router.get(
    "/drafts/{draft_id}/gloss",
    response_model=GlossPublic,
    dependencies=[Depends(require("agent"))],
    responses={404: {"description": "no such draft"}},
)
async def read_gloss(
    draft_id: str,
    resources: ResourcesDep,
    lang: Annotated[
        Literal["en", "de", "fr", "es", "it", "ja", "pt", "nl", "sv", "pl", "tr", "ar"],
        Query(description="the agent's language"),
    ] = "en",
) -> GlossPublic:
    """The buyer's message and the draft translated into the agent's language by the model,
    for reading only; cached. "Not available" (and why) without a model."""
    return await gloss(resources, draft_id=draft_id, language=lang)


@router.get(
    "/drafts/{draft_id}/case",
    dependencies=[Depends(require("agent"))],
    response_model=CasePack,
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def read_case_pack(
    draft_id: str,
    session: SessionDep,
    format: Annotated[Literal["json", "md"], Query()] = "json",
) -> Any:
    """A Seller Support case pack for the draft's order, as JSON or markdown."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id!r}")
    pack = case_pack.build(session, draft)
    if format == "md":
        return PlainTextResponse(case_pack.markdown(pack), media_type="text/markdown")
    return pack
