"""The intents of docs/api.md, with the help-desk tags and base priority each one carries."""

from __future__ import annotations

from typing import Final

# Priorities are the clock's (service/clock/rules.py raises them as deadlines near).
from service.clock.rules import Priority as Priority

INTENTS: Final[tuple[str, ...]] = (
    "where_is_my_order",
    "shipping_delay",
    "delivered_not_received",
    "damaged_item",
    "defective_item",
    "wrong_item",
    "missing_parts",
    "return_request",
    "refund_status",
    "cancellation_request",
    "address_change",
    "product_question",
    "usage_help",
    "invoice_request",
    "positive_feedback",
    "negative_feedback",
    "a_to_z_claim",
    "other",
)

TAGS: Final[dict[str, tuple[str, ...]]] = {
    "where_is_my_order": ("Shipping",),
    "shipping_delay": ("Shipping", "Delay"),
    "delivered_not_received": ("Shipping", "Not received"),
    "damaged_item": ("Product issue", "Damaged"),
    "defective_item": ("Product issue", "Defective"),
    "wrong_item": ("Product issue", "Wrong item"),
    "missing_parts": ("Product issue", "Missing parts"),
    "return_request": ("Returns",),
    "refund_status": ("Refunds",),
    "cancellation_request": ("Cancellation",),
    "address_change": ("Shipping", "Address"),
    "product_question": ("Pre-sale", "Product"),
    "usage_help": ("Product", "How-to"),
    "invoice_request": ("Billing",),
    "positive_feedback": ("Feedback",),
    "negative_feedback": ("Feedback", "Complaint"),
    "a_to_z_claim": ("A-to-z", "Escalation"),
    "other": ("General",),
}

# Base priority before the clock is taken into account: claims and problems with the item
# outrank questions, thanks need no hurry.
BASE_PRIORITY: Final[dict[str, Priority]] = {
    "a_to_z_claim": "urgent",
    "delivered_not_received": "high",
    "damaged_item": "high",
    "defective_item": "high",
    "wrong_item": "high",
    "missing_parts": "high",
    "negative_feedback": "high",
    "cancellation_request": "high",
    "address_change": "high",
    "positive_feedback": "low",
}


def base_priority(intent: str) -> Priority:
    return BASE_PRIORITY.get(intent, "normal")
