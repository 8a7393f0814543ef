"""The `Idempotency-Key` header of the drafting routes (service/compose/idempotency.py holds
the claims): the first request with a key answers 201, every later one with the same body the
same draft as 200 with `Idempotent-Replayed: true`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol

import anyio
from anyio import to_thread
from fastapi import Depends, Header, Response
from pydantic import BaseModel

from service.api.deps import NowDep, ResourcesDep
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


class Flow(Protocol):
    """A drafting flow: the request, the resources, the time, the key its draft is stored under."""

    def __call__(
        self, request: Any, /, *, resources: Resources, now: datetime, idempotency_key: str | None
    ) -> Awaitable[Draft]: ...


@dataclass(frozen=True, slots=True)
class Drafting:
    """What a drafting route needs besides its body: the resources, the time, the answer to
    set a replay's status and header on, and the request's Idempotency-Key."""

    resources: Resources
    now: datetime
    response: Response
    key: str | None

    async def once(self, flow: Flow, body: BaseModel, *, route: str) -> DraftPublic:
        """The draft ``flow`` makes of ``body``, made once per key: the first request with a
        key drafts (201) and stores the draft under it; a retry gets that draft (200)."""
        resources, now = self.resources, self.now
        if self.key is None:
            made = await flow(body, resources=resources, now=now, idempotency_key=None)
            return DraftPublic.model_validate(made)
        found = await idempotency.claim(resources.engine, key=self.key, route=route, body=body)
        if isinstance(found, idempotency.Replay):
            self.response.status_code = 200
            self.response.headers["Idempotent-Replayed"] = "true"
            return DraftPublic.model_validate(found.draft)
        try:
            made = await flow(body, resources=resources, now=now, idempotency_key=self.key)
        except BaseException:
            # Free the key for the next try (even when the client went away meanwhile).
            with anyio.CancelScope(shield=True):
                try:
                    await to_thread.run_sync(idempotency.release, resources.engine, found)
                except Exception as exc:  # the database is gone: the claim goes stale instead
                    log.warning("could not free Idempotency-Key after a failure: %s", exc)
            raise
        return DraftPublic.model_validate(made)


async def drafting(
    resources: ResourcesDep,
    now: NowDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Drafting:
    return Drafting(resources, now, response, idempotency_key)


DraftingDep = Annotated[Drafting, Depends(drafting)]
