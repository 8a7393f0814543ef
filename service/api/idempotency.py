"""The `Idempotency-Key` header of the drafting routes (service/compose/idempotency.py holds
the claims): the first request with a key answers 201, every later one with the same body the
same draft as 200 with `Idempotent-Replayed: true`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import anyio
from anyio import to_thread
from fastapi import Header, Response
from pydantic import BaseModel

from service.compose import idempotency
from service.resources import Resources
from service.store.models import Draft, DraftPublic

log = logging.getLogger(__name__)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x20-\x7e]+$",
        description="Any unique string per request (a UUID): a retry with the same key and "
        "body returns the draft the first request made (200, `Idempotent-Replayed: true`) "
        "instead of drafting again; the same key with another body is refused (422).",
        examples=["3f1c9a4e-5b7d-4e2a-9c61-0d8e2b7f4a10"],
    ),
]

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "model": DraftPublic,
        "description": "a retry with the same Idempotency-Key: the draft its first request made",
        "headers": {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
    },
    409: {"description": "the first request with this Idempotency-Key is still at work"},
    422: {"description": "invalid request, or an Idempotency-Key used with another body"},
}


async def once(
    resources: Resources,
    response: Response,
    *,
    key: str | None,
    route: str,
    body: BaseModel,
    make: Callable[[str | None], Awaitable[Draft]],
) -> Draft:
    """``make(key)`` once per key: the draft it stores carries the key."""
    if key is None:
        return await make(None)
    found = await idempotency.claim(resources.engine, key=key, route=route, body=body)
    if isinstance(found, idempotency.Replay):
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
        return found.draft
    try:
        return await make(key)
    except BaseException:
        # Free the key for the next try (even when the client went away meanwhile).
        with anyio.CancelScope(shield=True):
            try:
                await to_thread.run_sync(idempotency.release, resources.engine, found)
            except Exception as exc:  # the database is gone: the claim goes stale instead
                log.warning("could not free Idempotency-Key after a failure: %s", exc)
        raise
