"""Idempotency-Key: a plugin's retried POST gets the draft its first call made, not a second.

A key is claimed in the database before any work is done (`idempotency_keys`, one row per key,
its primary key): the request whose insert creates the row drafts, and the draft it stores
carries the key (`drafts.idempotency_key`, unique), which completes the claim in the draft's
own transaction. A request that finds the row compares its route and body fingerprint (another
body under the same key: 422), then answers with the stored draft, or, while the first request
is still at work (a model takes seconds), waits for it: eight concurrent retries against any
number of workers make one draft and get eight equal answers. A first request that fails frees
its key for the next try; one whose process died holds it for ``STALE_AFTER``, then a retry
takes it over. Keys stay with their drafts (as long as the draft is stored).

The HTTP side (the header, 200 and `Idempotent-Replayed` for a replay) is the web layer's.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from anyio import to_thread
from pydantic import BaseModel
from sqlmodel import Session, col, select

from service.errors import ServiceError
from service.store.db import insert_or_skip
from service.store.models import Draft, IdempotencyKey, utcnow

TABLE: sa.Table = IdempotencyKey.__table__  # type: ignore[attr-defined]
# A claim with no draft after this long belongs to a request that will never finish (its
# process was killed): the next retry takes it over. Longer than any request may take.
STALE_AFTER = timedelta(minutes=10)
WAIT_S = 60.0  # how long a retry waits for the first request before answering 409
POLL_S = (0.05, 0.5)  # the first and the longest pause between two looks


class KeyReused(ServiceError):
    """The key was used for another request (another route or another body)."""

    status_code = 422
    problem_type = "idempotency-key-reused"


class StillInProgress(ServiceError):
    """The first request with this key is still at work after ``WAIT_S``."""

    status_code = 409
    problem_type = "idempotency-key-in-progress"


@dataclass(frozen=True, slots=True)
class Claim:
    """This request holds the key: it drafts, and stores the draft under ``key``."""

    key: str
    token: str


@dataclass(frozen=True, slots=True)
class Replay:
    """The key's draft exists: the answer is that draft."""

    draft: Draft


def fingerprint(route: str, body: BaseModel) -> str:
    """The body as the API read it (so spacing and key order do not count), with the route."""
    canonical = json.dumps(
        body.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(f"{route}\n{canonical}".encode()).hexdigest()


async def claim(
    engine: sa.Engine, *, key: str, route: str, body: BaseModel, wait_s: float = WAIT_S
) -> Claim | Replay:
    """Hold ``key`` for this request, or the draft it already made (waiting for one that is
    being made). Raises ``KeyReused`` (422) or ``StillInProgress`` (409)."""
    digest = fingerprint(route, body)
    deadline = time.monotonic() + wait_s
    pause = POLL_S[0]
    while True:
        found = await to_thread.run_sync(_try, engine, key, route, digest)
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise StillInProgress(
                "a request with this Idempotency-Key is still being processed: try again shortly"
            )
        await asyncio.sleep(pause)
        pause = min(pause * 2, POLL_S[1])


def release(engine: sa.Engine, held: Claim) -> None:
    """Free a key whose request failed before storing a draft, if this request still holds it."""
    with engine.begin() as connection:
        stored = connection.execute(
            sa.select(sa.literal(1)).where(col(Draft.idempotency_key) == held.key)
        ).first()
        if stored is None:
            connection.execute(
                sa.delete(TABLE).where(TABLE.c.key == held.key, TABLE.c.token == held.token)
            )


def _try(engine: sa.Engine, key: str, route: str, digest: str) -> Claim | Replay | None:
    """One look: the claim if the key was free or abandoned, the draft if there is one, None
    while another request holds it."""
    now = utcnow()
    token = uuid.uuid4().hex
    with Session(engine) as session:
        inserted = session.execute(
            insert_or_skip(TABLE, engine, "key")
            .values(
                key=key,
                route=route,
                fingerprint=digest,
                token=token,
                claimed_at=now,
                created_at=now,
            )
            .returning(TABLE.c.key)  # a row back: this insert made it (rowcount is -1 here)
        )
        won = inserted.first() is not None
        session.commit()
        if won:
            return Claim(key, token)
        row = session.execute(sa.select(TABLE).where(TABLE.c.key == key)).first()
        if row is None:  # freed by a failed first request since the insert: try again
            return None
        if (row.route, row.fingerprint) != (route, digest):
            raise KeyReused(
                "this Idempotency-Key was used with another request body"
                + ("" if row.route == route else f" (on POST /{row.route})")
                + ": use a new key for a new request"
            )
        draft = session.exec(select(Draft).where(col(Draft.idempotency_key) == key)).first()
        if draft is not None:
            return Replay(draft)
        if now - row.claimed_at < STALE_AFTER:
            return None
        taken = session.execute(
            sa.update(TABLE)
            .where(TABLE.c.key == key, TABLE.c.token == row.token)
            .values(token=token, claimed_at=now)
            .returning(TABLE.c.key)
        )
        won = taken.first() is not None
        session.commit()
        return Claim(key, token) if won else None
