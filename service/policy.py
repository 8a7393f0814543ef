"""Time rules of POLICY.md: the 24-hour reply clock and the 30-day contact window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from service.intents import Priority
from service.models import OrderIn

REPLY_WITHIN = timedelta(hours=24)
CONTACT_WINDOW = timedelta(days=30)
_PRIORITY_ORDER: tuple[Priority, ...] = ("low", "normal", "high", "urgent")


@dataclass(frozen=True, slots=True)
class Clock:
    message_kind: Literal["reply", "proactive"]
    respond_by: datetime
    contact_window_ends_at: datetime | None
    within_contact_window: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "message_kind": self.message_kind,
            "respond_by": self.respond_by.isoformat(),
            "contact_window_ends_at": (
                self.contact_window_ends_at.isoformat() if self.contact_window_ends_at else None
            ),
            "within_contact_window": self.within_contact_window,
        }


def order_completed_at(order: OrderIn) -> datetime | None:
    """Order completion per POLICY.md: delivery, else latest delivery date, else shipping."""
    return order.delivered_at or order.latest_delivery_date or order.shipped_at


def reply_clock(*, order: OrderIn, received_at: datetime, now: datetime) -> Clock:
    completed = order_completed_at(order)
    window_end = completed + CONTACT_WINDOW if completed else None
    return Clock(
        message_kind="reply",
        respond_by=received_at + REPLY_WITHIN,
        contact_window_ends_at=window_end,
        # Without any completion date the order is still in progress: inside the window.
        within_contact_window=window_end is None or now <= window_end,
    )


def clock_priority(base: Priority, *, respond_by: datetime, now: datetime) -> Priority:
    """Raise the intent's priority as the 24-hour deadline nears; never lower it."""
    left = respond_by - now
    if left <= timedelta(hours=4):
        wanted: Priority = "urgent"
    elif left <= timedelta(hours=12):
        wanted = "high"
    else:
        wanted = base
    return max(base, wanted, key=_PRIORITY_ORDER.index)
