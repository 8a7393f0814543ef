"""The review page's server side: filter choices, the countdown, the Jinja2 context.

The queue is rendered on the server (fast, no build step, readable without JavaScript); the
page's script only fetches one draft's JSON and posts approvals, with the agent's key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.review.queue import Filters, queue
from service.store.models import utcnow
from service.understand.intents import INTENTS

LANGUAGES = ("en", "de", "fr", "es", "it", "ja")
STATUS_CHOICES = {
    "open": ("pending", "blocked"),
    "pending": ("pending",),
    "blocked": ("blocked",),
    "approved": ("approved",),
    "rejected": ("rejected",),
}


def time_left(respond_by: datetime, now: datetime) -> str:
    """'5 h 03 min left' or 'overdue 1 h 10 min'; the page's script keeps it ticking."""
    seconds = int((respond_by - now).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    span = f"{hours} h {minutes:02d} min"
    return f"{span} left" if seconds >= 0 else f"overdue {span}"


def filters_from(status: str, intent: str, language: str) -> Filters:
    return Filters(
        statuses=STATUS_CHOICES.get(status, STATUS_CHOICES["open"]),
        intent=intent if intent in INTENTS else None,
        language=language if language in LANGUAGES else None,
    )


def queue_context(session: Session, *, status: str, intent: str, language: str) -> dict[str, Any]:
    rows, total = queue(session, filters=filters_from(status, intent, language))
    now = utcnow()
    return {
        "rows": rows,
        "total": total,
        "now": now,
        "time_left": time_left,
        "selected": {"status": status, "intent": intent, "language": language},
    }


def page_context(*, authorized: bool) -> dict[str, Any]:
    return {
        "authorized": authorized,
        "statuses": list(STATUS_CHOICES),
        "intents": INTENTS,
        "languages": LANGUAGES,
    }
