"""The review queue with 1,000 pending drafts: page render time and `GET /drafts` latency."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.common import Result, percentile
from service.api.app import create_app
from service.store.db import create_db_engine, session_scope, upgrade
from service.store.models import Draft, utcnow
from service.understand.intents import INTENTS
from tests.factories import repo_settings

PENDING = 1000
LANGUAGES = ("en", "de", "fr", "es", "it", "ja")
_TEXT = (
    "Hello {name},\n\nThank you for your message about order {order}. Your parcel left our "
    "warehouse with UPS (tracking 1Z999AA10123456784) and should arrive within two days.\n\n"
    "Kind regards,\nCustomer Service"
)


def _draft(i: int, rng: random.Random) -> Draft:
    now = utcnow()
    received = now - timedelta(minutes=rng.randint(0, 30 * 60))
    order_id = f"114-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
    name = rng.choice(("Jane", "Max", "Lea", "Hiro", "Lucia", "Paolo"))
    text = _TEXT.format(name=name, order=order_id)
    finding = {
        "rule": "emoji",
        "action": "fixed",
        "match": "🙂",
        "start": 6,
        "end": 7,
        "message": "Removed the emoji.",
    }
    order = {
        "order_id": order_id,
        "marketplace": "amazon.com",
        "buyer_name": name,
        "items": [{"asin": "B08N5WRWNW", "title": "Blender X2", "quantity": 1}],
        "tracking": {"carrier": "UPS", "number": "1Z999AA10123456784"},
    }
    message = {
        "text": f"Where is my package? Order {order_id} has not arrived yet ({i}).",
        "received_at": received.isoformat(),
        "attachments": [],
    }
    return Draft.model_validate(
        {
            "status": "pending",
            "order_id": order_id,
            "marketplace": "amazon.com",
            "language": LANGUAGES[i % len(LANGUAGES)],
            "intent": INTENTS[i % len(INTENTS)],
            "intent_confidence": 0.9,
            "priority": "normal",
            "tags": ["Shipping"],
            "received_at": received,
            "respond_by": received + timedelta(hours=24),
            "message": message,
            "order": order,
            "request": {"message": message, "order": order},
            "raw_text": text.replace("Hello", "Hello 🙂", 1),
            "text": text,
            "findings": [finding] if i % 3 == 0 else [],
            "guardrails_passed": True,
            "policy_version": "2026.11",
            "sources": [
                {
                    "id": "shipping/where-is-my-order",
                    "title": "Where is my order",
                    "kind": "template",
                    "score": 7.0,
                }
            ],
            "policy": {
                "message_kind": "reply",
                "respond_by": received.isoformat(),
                "contact_window_ends_at": None,
                "within_contact_window": True,
            },
            "escalation": {"recommended": False, "reasons": []},
            "generator_kind": "template",
        }
    )


def _seed(url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    rng = random.Random(5)
    with session_scope(engine) as session:
        session.add_all(_draft(i, rng) for i in range(PENDING))
    engine.dispose()


def _timings(client: TestClient, path: str, runs: int, **params: Any) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return timings


def bench_review_queue() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'replydesk.db'}"
        _seed(url)
        with TestClient(create_app(repo_settings(url))) as client:
            page = client.get("/review")
            assert page.text.count('class="queue-item') == PENDING, "the page shows every draft"
            _timings(client, "/review", 3)  # warm-up
            render = _timings(client, "/review", 20)
            _timings(client, "/drafts", 20, status="pending")
            listing = _timings(client, "/drafts", 300, status="pending")
    render_p50, list_p50 = statistics.median(render), statistics.median(listing)
    name = f"review queue, {PENDING} pending drafts"
    return [
        Result(name, "GET /review render p50", render_p50, "ms", "<= 300 ms", render_p50 <= 300),
        Result(name, "GET /review render max", max(render), "ms", "reported", True),
        Result(name, "GET /drafts (50/page) p50", list_p50, "ms", "<= 20 ms", list_p50 <= 20),
        Result(name, "GET /drafts (50/page) p99", percentile(listing, 99), "ms", "reported", True),
    ]


BENCHMARKS: dict[str, Callable[[], list[Result]]] = {"review_queue": bench_review_queue}
