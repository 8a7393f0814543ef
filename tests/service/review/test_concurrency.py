"""Concurrent reviews of one draft over real HTTP: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from service.api.app import create_app
from service.config import Settings
from service.store.db import create_db_engine, session_scope, upgrade
from service.store.models import Draft, utcnow
from tests.conftest import ORDER_ID, draft_request
from tests.service.review.support import serving

pytestmark = pytest.mark.e2e
CLIENTS = 8


def _race(base_url: str, requests: list[tuple[str, dict[str, Any]]]) -> list[int]:
    """Fire the requests at once from separate threads and connections; their status codes."""
    barrier = threading.Barrier(len(requests))

    def one(path: str, body: dict[str, Any]) -> int:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/healthz")  # connect first, so the race is the requests alone
            barrier.wait()
            return client.post(path, json=body).status_code

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(lambda r: one(*r), requests))


def test_eight_concurrent_approvals_one_wins(
    db_url: str, make_settings: Callable[..., Settings]
) -> None:
    with serving(create_app(make_settings(database_url=db_url))) as url:
        for _ in range(3):  # several rounds: one lucky interleaving proves little
            draft = httpx.post(url + "/draft", json=draft_request(), timeout=30).json()
            path = f"/drafts/{draft['draft_id']}/approve"
            codes = _race(url, [(path, {"agent_id": f"agent-{i}"}) for i in range(CLIENTS)])
            assert Counter(codes) == {200: 1, 409: CLIENTS - 1}, codes
            detail = httpx.get(f"{url}/drafts/{draft['draft_id']}", timeout=30).json()
            assert detail["status"] == "approved"
            assert [e["action"] for e in detail["history"]] == ["drafted", "approved"]


def test_concurrent_approvals_and_rejections_one_wins(
    db_url: str, make_settings: Callable[..., Settings]
) -> None:
    with serving(create_app(make_settings(database_url=db_url))) as url:
        draft = httpx.post(url + "/draft", json=draft_request(), timeout=30).json()
        base = f"/drafts/{draft['draft_id']}"
        requests = [
            (f"{base}/approve", {"agent_id": f"a{i}"})
            if i % 2
            else (f"{base}/reject", {"agent_id": f"r{i}", "reason": "duplicate"})
            for i in range(CLIENTS)
        ]
        codes = _race(url, requests)
        assert Counter(codes) == {200: 1, 409: CLIENTS - 1}, codes
        detail = httpx.get(url + base, timeout=30).json()
        assert detail["status"] in {"approved", "rejected"}
        assert len(detail["history"]) == 2
        assert detail["history"][-1]["action"] == detail["status"]


def test_eight_concurrent_proactive_messages_for_one_order_one_wins(
    db_url: str, make_settings: Callable[..., Settings]
) -> None:
    delivered = (utcnow() - timedelta(days=3)).isoformat()
    body = {
        "order": {"order_id": ORDER_ID, "marketplace": "amazon.de", "delivered_at": delivered},
        "kind": "usage_guide",
    }
    with serving(create_app(make_settings(database_url=db_url))) as url:
        codes = _race(url, [("/proactive", body)] * CLIENTS)
    assert Counter(codes) == {201: 1, 409: CLIENTS - 1}, codes


def test_the_database_itself_refuses_a_second_proactive_slot(db_url: str) -> None:
    """Without the partial unique index a race between check and insert would slip through."""
    engine = create_db_engine(db_url)
    upgrade(engine)

    def proactive(status: str) -> Draft:
        row = Draft.model_validate(
            {
                "status": status,
                "order_id": ORDER_ID,
                "marketplace": "amazon.de",
                "language": "de",
                "intent": "other",
                "intent_confidence": 1.0,
                "priority": "normal",
                "received_at": utcnow(),
                "respond_by": utcnow(),
                "request": {},
                "raw_text": "x",
                "text": "x",
                "guardrails_passed": True,
                "policy_version": "test",
                "policy": {},
                "escalation": {},
                "generator_kind": "template",
                "message_kind": "proactive",
            }
        )
        return row

    with session_scope(engine) as session:
        session.add(proactive("rejected"))  # a rejected draft frees the slot
        session.add(proactive("pending"))
    with pytest.raises(sa.exc.IntegrityError), session_scope(engine) as session:
        session.add(proactive("blocked"))
    engine.dispose()
