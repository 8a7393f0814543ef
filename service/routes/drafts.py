"""Drafting and reading drafts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import col, select

from service.deps import ResourcesDep, SessionDep, require
from service.drafting import draft_reply, public_fields, to_public
from service.errors import NotFound
from service.models import Draft, DraftDetail, DraftEvent, DraftPublic, DraftRequest

router = APIRouter(tags=["drafts"])


@router.post(
    "/draft",
    status_code=201,
    response_model=DraftPublic,
    dependencies=[Depends(require("plugin"))],
)
async def create_draft(body: DraftRequest, resources: ResourcesDep) -> DraftPublic:
    """Draft a guarded reply to a buyer message and store it for review."""
    draft = await draft_reply(body, resources=resources)
    return to_public(draft)


@router.get(
    "/drafts/{draft_id}",
    response_model=DraftDetail,
    dependencies=[Depends(require("plugin"))],
)
def read_draft(draft_id: Annotated[str, "draft id"], session: SessionDep) -> DraftDetail:
    """One draft with its buyer message, order and history."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"no draft {draft_id!r}")
    events = session.exec(
        select(DraftEvent)
        .where(DraftEvent.draft_id == draft_id)
        .order_by(col(DraftEvent.at), col(DraftEvent.id))
    ).all()
    return DraftDetail.model_validate(
        public_fields(draft)
        | {
            "message": draft.message,
            "order": draft.order,
            "raw_text": draft.raw_text,
            "history": [event.model_dump() for event in events],
        }
    )
