"""Claims of Idempotency-Keys (service/compose/idempotency.py) on SQLite and PostgreSQL: one
holder among concurrent claims, a wait for the holder, a key freed by a failure, a claim left by
a dead process taken over, and a refusal past the wait."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service.compose import idempotency
from service.compose.idempotency import Claim, KeyReused, Replay, StillInProgress
from service.store.db import create_db_engine, upgrade
from service.store.models import Draft, DraftRequest, utcnow
from tests.conftest import draft_request

BODY = DraftRequest.model_validate(draft_request())


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def claim(engine: sa.Engine, *, body: DraftRequest = BODY, wait_s: float = 0.0) -> Claim | Replay:
    return asyncio.run(idempotency.claim(engine, key="k", route="draft", body=body, wait_s=wait_s))


def store_draft_for(engine: sa.Engine, key: str) -> str:
    """What storing the holder's draft does to the claim: a drafts row carrying the key."""
    draft_id = f"d{key}".ljust(12, "0")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(Draft.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": draft_id,
                    "idempotency_key": key,
                    "status": "pending",
                    "text": "Hello",
                    "language": "en",
                    "intent": "other",
                    "intent_confidence": 1.0,
                    "tags": [],
                    "priority": "normal",
                    "no_response_needed": False,
                    "order_id": "114-3941689-8772232",
                    "marketplace": "amazon.com",
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                    "received_at": utcnow(),
                    "respond_by": utcnow(),
                    "request": {},
                    "message_kind": "reply",
                    "raw_text": "Hello",
                    "findings": [],
                    "guardrails_passed": True,
                    "policy_version": "x",
                    "sources": [],
                    "policy": {},
                    "escalation": {},
                    "generator_kind": "template",
                    "latency_ms": 0,
                    "prompt_tokens": 0,
                    "completion_tokens": 0,
                    "repairs": [],
                    "undone_fixes": [],
                }
            ],
        )
    return draft_id


def test_one_of_many_concurrent_claims_holds_the_key(engine: sa.Engine) -> None:
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: idempotency._try(engine, "k", "draft", "f"), range(8)))
    holders = [o for o in outcomes if isinstance(o, Claim)]
    assert len(holders) == 1
    assert outcomes.count(None) == 7  # the others wait for it


def test_a_waiting_retry_gets_the_draft_once_it_is_stored(engine: sa.Engine) -> None:
    held = claim(engine)
    assert isinstance(held, Claim)

    async def scenario() -> Claim | Replay:
        waiting = asyncio.create_task(
            idempotency.claim(engine, key="k", route="draft", body=BODY, wait_s=10)
        )
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await asyncio.to_thread(store_draft_for, engine, "k")
        return await waiting

    replay = asyncio.run(scenario())
    assert isinstance(replay, Replay) and replay.draft.idempotency_key == "k"


def test_a_retry_past_the_wait_is_told_to_come_back(engine: sa.Engine) -> None:
    assert isinstance(claim(engine), Claim)
    with pytest.raises(StillInProgress) as raised:
        claim(engine, wait_s=0.1)
    assert raised.value.status_code == 409


def test_a_failure_frees_the_key_and_a_stored_draft_keeps_it(engine: sa.Engine) -> None:
    held = claim(engine)
    assert isinstance(held, Claim)
    idempotency.release(engine, held)
    again = claim(engine)
    assert isinstance(again, Claim) and again.token != held.token
    store_draft_for(engine, "k")
    idempotency.release(engine, again)  # too late: the draft completed the claim
    assert isinstance(claim(engine), Replay)


def test_only_the_holder_frees_a_key(engine: sa.Engine) -> None:
    held = claim(engine)
    assert isinstance(held, Claim)
    idempotency.release(engine, Claim("k", "not-the-holder"))
    with pytest.raises(StillInProgress):
        claim(engine)


def test_a_claim_left_by_a_dead_process_is_taken_over(engine: sa.Engine) -> None:
    held = claim(engine)
    assert isinstance(held, Claim)
    with engine.begin() as connection:
        connection.execute(
            sa.update(idempotency.TABLE).values(
                claimed_at=utcnow() - idempotency.STALE_AFTER - timedelta(seconds=1)
            )
        )
    taken = claim(engine)
    assert isinstance(taken, Claim) and taken.token != held.token
    idempotency.release(engine, held)  # the dead holder's late release frees nothing
    with pytest.raises(StillInProgress):
        claim(engine)


def test_another_body_under_the_key_is_refused(engine: sa.Engine) -> None:
    assert isinstance(claim(engine), Claim)
    other = DraftRequest.model_validate(draft_request("Can I cancel?"))
    with pytest.raises(KeyReused):
        claim(engine, body=other)
