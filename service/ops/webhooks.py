"""Webhooks: every event (service/store/events.py) POSTed to `REPLYDESK_WEBHOOK_URL`, in order,
signed, retried until the receiver takes it.

The events table is the outbox: an event exists once its change committed, and
`webhook_state.delivered_through` says how far the receiver has taken them. Delivery advances
it only after a 2xx, so an event is delivered at least once, across restarts and crashes of
either side; a receiver keeps exactly-once by the event id (`X-Replydesk-Event-Id`, also the
body's `id`). One worker of many delivers at a time: the one holding the lease in
`webhook_state` (renewed as it goes; a dead worker's lapses after LEASE and another takes over).
A failed delivery is tried again after 1, 2, 4… seconds, at most `REPLYDESK_WEBHOOK_RETRY_MAX_S`,
and holds back the events after it (they keep their order).

Each request carries `X-Replydesk-Signature: t=<unix time>,v1=<hex>`, the HMAC-SHA256 of
`<t>.<body>` under `REPLYDESK_WEBHOOK_SECRET` (as Stripe signs): the receiver recomputes it,
compares in constant time and refuses old timestamps (:func:`verify` does both).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import sqlalchemy as sa
from anyio import to_thread

from service.config import Settings
from service.store import events
from service.store.db import insert_or_skip
from service.store.models import Event, EventPublic, WebhookState, utcnow

log = logging.getLogger(__name__)

STATE: sa.Table = WebhookState.__table__  # type: ignore[attr-defined]
LEASE = timedelta(seconds=30)
IDLE_S = 0.5  # how often a deliverer with nothing to send looks again
BATCH = 50
SIGNATURE_HEADER = "X-Replydesk-Signature"
TOLERANCE_S = 300  # a signature older than this is refused by verify()


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    secret: str
    timeout_s: float = 10.0
    retry_max_s: float = 300.0


def sign(secret: str, body: bytes, *, at: int | None = None) -> str:
    moment = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float | None = None) -> bool:
    """What a receiver does with ``X-Replydesk-Signature``: the HMAC matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        moment = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - moment) > TOLERANCE_S:
        return False
    expected = sign(secret, body, at=moment).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Deliverer:
    def __init__(self, engine: sa.Engine, target: Target) -> None:
        self.engine = engine
        self.target = target
        self.owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.failures = 0

    async def run(self) -> None:
        # aiohttp, the model client's library: a server imports one HTTP client, not two.
        # trust_env: HTTP(S)_PROXY and NO_PROXY apply, as they do to the model's calls.
        timeout = aiohttp.ClientTimeout(total=self.target.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as client:
            while True:
                try:
                    sent = await self._round(client)
                except sa.exc.SQLAlchemyError as exc:  # the database is away: try again later
                    log.warning("webhook delivery paused: %s", type(exc).__name__)
                    sent = False
                except Exception as exc:  # a bug must not end delivery for the process's life
                    log.error("webhook delivery failed: %s", exc, exc_info=exc)
                    sent = False
                if not sent:
                    await asyncio.sleep(IDLE_S)

    async def _round(self, client: aiohttp.ClientSession) -> bool:
        """Deliver what is due while this worker holds the lease; False when idle."""
        through = await to_thread.run_sync(self._lease)
        if through is None:
            return False
        batch = await to_thread.run_sync(self._page, through)
        for event in batch:
            error = await self._post(client, event)
            if error is not None:
                self.failures += 1
                delay = min(self.target.retry_max_s, 2.0 ** (self.failures - 1))
                log.warning(
                    "webhook event %s not taken (%s): again in %.1f s", event.id, error, delay
                )
                await to_thread.run_sync(self._note, error)
                await asyncio.sleep(delay)
                return True
            self.failures = 0
            assert event.id is not None
            if not await to_thread.run_sync(self._advance, event.id):
                return True  # the lease went to another worker meanwhile
        return bool(batch)

    async def _post(self, client: aiohttp.ClientSession, event: Event) -> str | None:
        body = EventPublic.model_validate(event).model_dump_json().encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "replydesk-webhooks",
            "X-Replydesk-Event-Id": str(event.id),
            "X-Replydesk-Event-Type": str(event.type),
            SIGNATURE_HEADER: sign(self.target.secret, body),
        }
        try:
            async with client.post(self.target.url, data=body, headers=headers) as answer:
                await answer.read()  # the connection goes back to the pool only once read
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__
        return None if 200 <= status < 300 else f"HTTP {status}"

    # -- the state row: one statement each, in a transaction of its own ------------------------
    def _lease(self) -> int | None:
        """Take or renew the lease; how far delivery stands, or None while another holds it."""
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                insert_or_skip(STATE, connection, "id").values(
                    id=1, delivered_through=0, failures=0
                )
            )
            held = connection.execute(
                sa.update(STATE)
                .where(
                    STATE.c.id == 1,
                    sa.or_(
                        STATE.c.lease_owner.is_(None),
                        STATE.c.lease_owner == self.owner,
                        STATE.c.lease_until < now,
                    ),
                )
                .values(lease_owner=self.owner, lease_until=now + LEASE)
                .returning(STATE.c.delivered_through)
            ).first()
        return None if held is None else int(held[0])

    def _page(self, through: int) -> list[Event]:
        with self.engine.connect() as connection:
            return events.page(connection, after=through, limit=BATCH)

    def _advance(self, event_id: int) -> bool:
        with self.engine.begin() as connection:
            moved = connection.execute(
                sa.update(STATE)
                .where(STATE.c.id == 1, STATE.c.lease_owner == self.owner)
                .values(
                    delivered_through=event_id,
                    lease_until=utcnow() + LEASE,
                    failures=0,
                    last_error=None,
                )
                .returning(STATE.c.id)
            ).first()
        return moved is not None

    def _note(self, error: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.update(STATE)
                .where(STATE.c.id == 1, STATE.c.lease_owner == self.owner)
                .values(failures=STATE.c.failures + 1, last_error=error[:500])
            )


def target(settings: Settings) -> Target | None:
    if not settings.webhook_url or settings.webhook_secret is None:
        return None
    return Target(
        url=settings.webhook_url,
        secret=settings.webhook_secret.get_secret_value(),
        timeout_s=settings.webhook_timeout_s,
        retry_max_s=settings.webhook_retry_max_s,
    )


@asynccontextmanager
async def delivering(engine: sa.Engine, target: Target | None) -> AsyncIterator[None]:
    """Deliver in the background while the service runs (nothing without a target)."""
    if target is None:
        yield
        return
    task = asyncio.get_running_loop().create_task(Deliverer(engine, target).run(), name="webhooks")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
