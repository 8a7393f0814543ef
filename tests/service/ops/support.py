"""Seeded drafts with known figures for the audit, statistics and metrics tests, and the
knowledge base the audit tests lint.

Rows are written straight to the database, as if drafted and reviewed days ago: that is the only
way to pin received, reviewed and respond-by times, and to store a reply approved under rules
that have changed since.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from service.store.db import create_db_engine, session_scope, upgrade
from service.store.models import Draft
from tests.conftest import REPO

ORDER = "114-3941689-8772232"
SHIPPING = {"id": "shipping/where-is-my-order", "title": "Where", "kind": "template", "score": 5.0}
DAMAGED = {"id": "product-issues/damaged", "title": "Damaged", "kind": "template", "score": 4.0}
FAQ = {"id": "shipping/faq", "title": "FAQ", "kind": "article", "score": 2.0}


def at(day: int, hour: float = 8) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def finding(rule: str, action: str = "fixed") -> dict[str, Any]:
    return {"rule": rule, "action": action, "match": "x", "start": 0, "end": 1, "message": "m"}


def draft(**fields: Any) -> Draft:
    received = fields.pop("received_at", at(10))
    kind = fields.pop("message_kind", "reply")
    values: dict[str, Any] = {
        "status": "pending",
        "order_id": ORDER,
        "marketplace": "amazon.com",
        "language": "en",
        "intent": "where_is_my_order",
        "intent_confidence": 0.9,
        "priority": "normal",
        "received_at": received,
        "respond_by": received + timedelta(hours=24),
        "request": {
            "message": {"text": "Where is my parcel?"},
            "order": {"order_id": ORDER, "marketplace": "amazon.com", "buyer_name": "Jane"},
        },
        "message_kind": kind,
        "raw_text": "text",
        "text": "text",
        "findings": [],
        "guardrails_passed": True,
        "policy_version": "2026.11",
        "sources": [],
        "policy": {"message_kind": kind, "respond_by": received.isoformat()},
        "escalation": {"recommended": False, "reasons": []},
        "generator_kind": "template",
    }
    values.update(fields)
    return Draft.model_validate(values)


def approved(agent: str, reviewed: datetime, ratio: float = 0.0, **fields: Any) -> Draft:
    return draft(
        status="approved",
        reviewed_by=agent,
        reviewed_at=reviewed,
        edited=ratio > 0,
        edit_ratio=ratio,
        **fields,
    )


def store(url: str, drafts: list[Draft]) -> sa.Engine:
    engine = create_db_engine(url)
    upgrade(engine)
    with session_scope(engine) as session:
        session.add_all(drafts)
    return engine


def stats_seed() -> dict[str, Draft]:
    """Five buyer messages (M1–M5), one proactive draft, one draft outside the window.

    M1 anna answers in 2 h, unedited; M2 anna in 6 h, edited 0.2, undid the link fix;
    M3 ben rejects the first draft and approves the redraft after 36 h (late), edited 0.5;
    M4 blocked and overdue; M5 needs no reply. Known answers are in test_stats.py.
    """
    return {
        "d1": approved(
            "anna", at(10, 10), received_at=at(10), order_id="111-0000000-0000001",
            generator_kind="llm", generator_model="gpt-4o-mini", prompt_tokens=1000,
            completion_tokens=200, latency_ms=800, sources=[SHIPPING, FAQ],
            findings=[finding("external_link")],
        ),
        "d2": approved(
            "anna", at(11, 14), 0.2, received_at=at(11), order_id="111-0000000-0000002",
            intent="damaged_item", language="de", marketplace="amazon.de",
            generator_kind="llm", generator_model="gpt-4o-mini", prompt_tokens=2000,
            completion_tokens=400, latency_ms=1200, sources=[DAMAGED],
            findings=[finding("external_link")], undone_fixes=["external_link"],
        ),
        "d3": draft(
            status="rejected", reviewed_by="ben", reviewed_at=at(12, 9), reject_reason="wrong",
            received_at=at(12), order_id="111-0000000-0000003", generator_kind="llm",
            generator_model="gpt-4o-mini", prompt_tokens=500, completion_tokens=100,
            latency_ms=600, findings=[finding("review_solicitation")],
        ),
        "d4": approved(
            "ben", at(13, 20), 0.5, received_at=at(12), order_id="111-0000000-0000003",
            fallback_reason="timeout", latency_ms=20000, sources=[SHIPPING],
        ),
        "d5": draft(
            status="blocked", guardrails_passed=False, received_at=at(13),
            order_id="111-0000000-0000004", findings=[finding("language_mismatch", "blocked")],
        ),
        "d6": draft(
            received_at=at(14), order_id="111-0000000-0000005", intent="positive_feedback",
            no_response_needed=True,
        ),
        "p1": approved(
            "anna", at(15, 9), received_at=at(15), order_id="111-0000000-0000006",
            intent="other", message_kind="proactive",
        ),
        "late": approved(
            "anna", at(25, 9), 0.9, received_at=at(25), order_id="111-0000000-0000007"
        ),
    }  # fmt: skip


# --- The audit's seed: three sent replies (one clean) and a knowledge base with a bad template


CLEAN = (
    "Hello Jane,\n\nThank you for your message about order 114-3941689-8772232. Your parcel is "
    "on its way with UPS and should arrive by Friday.\n\nBest regards,\nCustomer Service"
)


# Approved in 2025 under an older rule book that let a review request through.
REVIEW_REQUEST = (
    "Hello Jane,\n\nThank you for your message about order 114-3941689-8772232. The replacement "
    "is on its way. Please leave us a 5-star review once it arrives.\n\nBest regards,\nCustomer "
    "Service"
)


LINK = (
    "Hello Max,\n\nSorry about order 114-3941689-8772232. You can start the return at "
    "https://shop.example.com/returns today.\n\nBest regards,\nCustomer Service"
)


BAD_TEMPLATE = """---
id: returns/start-online
kind: template
title: Start a return on our shop
language: en
intents: [return_request]
---
Hello {{ buyer_name }},

About order {{ order_id }}: start your return at https://shop.example.com/returns.

Kind regards,
Customer Service
"""


def audit_kb(tmp_path: Path) -> Path:
    """The shipped where-is-my-order template and one that sends buyers off Amazon."""
    kb = tmp_path / "kb"
    (kb / "en").mkdir(parents=True)
    shutil.copy(REPO / "knowledge_base/en/shipping/where-is-my-order.md", kb / "en/where.md")
    (kb / "en/start-online.md").write_text(BAD_TEMPLATE, encoding="utf-8")
    return kb


def audit_seed(url: str) -> dict[str, str]:
    """Store the audit's drafts; their ids by name (clean, review, link, pending)."""
    rows = {
        "clean": approved("anna", at(20, 9), text=CLEAN, sources=[SHIPPING]),
        "review": approved(
            "anna", at(21, 9), text=REVIEW_REQUEST, sources=[SHIPPING], policy_version="2025.01"
        ),
        "link": approved("ben", at(22, 9), 0.3, text=LINK, sources=[DAMAGED]),
        # Never sent: not audited, however bad.
        "pending": draft(text=LINK),
    }
    store(url, list(rows.values())).dispose()
    return {name: row.id for name, row in rows.items()}
