"""Request bodies and settings shared by the tests and the benchmarks.

Kept apart from tests/conftest.py so `python -m bench` can build requests without importing
pytest's fixtures (and the app they pull in).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.config import Settings

REPO = Path(__file__).resolve().parents[1]
ORDER_ID = "114-3941689-8772232"
# One buyer message per common case and language (benchmarks draft them in turn).
SAMPLE_MESSAGES = (
    "Where is my package? It has not arrived yet.",
    "The blender arrived broken, the jar is cracked.",
    "Wo ist mein Paket? Es ist noch nicht angekommen.",
    "Je voudrais retourner cet article, il est trop grand.",
    "荷物がまだ届きません。",
    "Does this kettle switch itself off when the water boils?",
)


def repo_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for a test or bench app: the shipped KB and prompts, no `.env`, no environment."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "kb_dir": REPO / "knowledge_base",
        "prompts_dir": REPO / "prompts",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def draft_request(
    text: str = "Where is my package? It has not arrived yet.", **order: Any
) -> dict[str, Any]:
    return {
        "message": {"text": text, "received_at": "2026-11-20T09:15:00Z"},
        "order": {
            "order_id": ORDER_ID,
            "marketplace": "amazon.com",
            "buyer_name": "Jane",
            "purchase_date": "2026-11-14T10:00:00Z",
            "status": "Shipped",
            "shipped_at": "2026-11-15T10:00:00Z",
            "latest_delivery_date": "2026-11-21T23:59:59Z",
            "items": [
                {"asin": "B08N5WRWNW", "sku": "BLND-01", "title": "Blender X2", "quantity": 1}
            ],
            "tracking": {"carrier": "UPS", "number": "1Z999AA10123456784"},
        }
        | order,
    }


def with_fields(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """``body`` with fields set: ``order__buyer_name="Kai"`` sets a key of a section,
    ``thread=[…]`` a whole section."""
    for name, value in fields.items():
        section, _, key = name.partition("__")
        if key:
            body[section][key] = value
        else:
            body[section] = value
    return body


def draft_request_with(path: str, value: Any) -> dict[str, Any]:
    """The default draft request with one field set: `path` is dotted (`order.items`)."""
    body = draft_request()
    *parents, leaf = path.split(".")
    node: Any = body
    for key in parents:
        node = node[key]
    node[leaf] = value
    return body
