"""`replydesk demo`: buyer messages in six languages, drafted through the real `/draft` flow,
so a newcomer's review page shows real work right after `make run`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from service import DATA_DIR
from service.compose.reply import draft_reply
from service.resources import Resources
from service.store.models import DraftRequest, utcnow

DEMO_FILE = DATA_DIR / "demo_messages.yaml"
_DAY_FIELDS = {
    "purchase": "purchase_date",
    "shipped": "shipped_at",
    "delivered": "delivered_at",
    "latest_delivery": "latest_delivery_date",
}


def load(path: Path = DEMO_FILE) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return entries


def to_request(entry: dict[str, Any], *, now: datetime) -> DraftRequest:
    """One demo entry as the request a help-desk plugin would send, dated relative to now."""
    received = now - timedelta(minutes=int(entry["minutes_ago"]))
    order: dict[str, Any] = {
        "order_id": entry["order_id"],
        "marketplace": entry["marketplace"],
        "buyer_name": entry.get("buyer_name"),
        "status": entry.get("status"),
        "items": [entry["item"] | {"quantity": 1}],
        "tracking": entry.get("tracking"),
    }
    for key, days in entry.get("days", {}).items():
        order[_DAY_FIELDS[key]] = (received + timedelta(days=days)).isoformat()
    message = {"text": entry["message"], "received_at": received.isoformat()}
    return DraftRequest.model_validate({"message": message, "order": order, "agent_id": "demo"})


async def run(resources: Resources, *, path: Path = DEMO_FILE) -> dict[str, int]:
    """Draft every demo message; returns how many drafts ended in each status."""
    now = utcnow()
    counts: dict[str, int] = {}
    for entry in load(path):
        draft = await draft_reply(to_request(entry, now=now), resources=resources)
        counts[draft.status] = counts.get(draft.status, 0) + 1
    return counts
