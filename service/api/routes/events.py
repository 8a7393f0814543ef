"""`GET /events`: what happened to drafts, in order, for plugins that poll instead of taking
webhooks (service/ops/webhooks.py delivers the same events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from service.api.deps import ResourcesDep, require
from service.store import events
from service.store.models import EventList, EventPublic

router = APIRouter(tags=["events"])


@router.get("/events", response_model=EventList, dependencies=[Depends(require("plugin"))])
async def list_events(
    resources: ResourcesDep,
    after: Annotated[
        int,
        Query(ge=0, le=2**62, description="the id of the last event you have; 0: from the start"),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventList:
    """Draft created, escalated, edited, approved, rejected: every event after `after`, oldest
    first. Keep `next_after` and ask again; an empty page means nothing new yet."""

    def read() -> EventList:
        with resources.engine.connect() as connection:
            rows = events.page(connection, after=after, limit=limit)
        data = [EventPublic.model_validate(row) for row in rows]
        return EventList(data=data, next_after=data[-1].id if data else after)

    return await run_in_threadpool(read)
