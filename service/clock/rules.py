"""Time rules (docs/policy.md): Amazon's 24-hour clock, the seller's targets, the 30-day window.

- `respond_by`: receipt + 24 h, weekends and holidays included: what Amazon measures, always.
- `respond_by_extended`: receipt + 48 h for return requests and A-to-z claims (Amazon's 48-hour
  rules), shown beside `respond_by`, never instead of it: the 24-hour metric still counts them.
- `target_by`: the seller guide's own targets, read as clock hours from receipt: under 6 hours
  for a message that arrives inside business hours, under 12 hours for one that arrives outside
  them (nights, weekends, public holidays), and never later than `respond_by`. The calendar
  decides "inside" in the seller's local time, so daylight saving and holidays move it.
- `answer_by`: the date and time an acknowledgement promises the full answer: 6 business hours
  after now (the in-hours target, counted in opening hours), rounded up to the half hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from guardrails import window
from service.clock.calendar import BusinessCalendar, calendar_for
from service.store.models import OrderIn

Priority = Literal["low", "normal", "high", "urgent"]

REPLY_WITHIN = timedelta(hours=24)
EXTENDED_WITHIN = timedelta(hours=48)
EXTENDED_INTENTS = frozenset({"return_request", "a_to_z_claim"})
TARGET_IN_HOURS = timedelta(hours=6)
TARGET_OUT_OF_HOURS = timedelta(hours=12)
ANSWER_WITHIN = timedelta(hours=6)  # business hours, for the acknowledgement's promise
CONTACT_WINDOW = window.CONTACT_WINDOW
_PRIORITY_ORDER: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
DEFAULT_HOURS = "Mon-Fri 09:00-17:00"


@dataclass(frozen=True, slots=True)
class Clock:
    message_kind: Literal["reply", "proactive"]
    respond_by: datetime
    contact_window_ends_at: datetime | None
    within_contact_window: bool
    target_by: datetime | None = None
    respond_by_extended: datetime | None = None
    received_in_business_hours: bool | None = None

    def as_dict(self) -> dict[str, object]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "message_kind": self.message_kind,
            "respond_by": self.respond_by.isoformat(),
            "respond_by_extended": iso(self.respond_by_extended),
            "target_by": iso(self.target_by),
            "received_in_business_hours": self.received_in_business_hours,
            "contact_window_ends_at": iso(self.contact_window_ends_at),
            "within_contact_window": self.within_contact_window,
        }


def default_calendar(marketplace: str) -> BusinessCalendar:
    """The calendar with every setting at its default (used when no settings are at hand)."""
    return calendar_for(
        marketplace=marketplace, timezone=None, business_hours=DEFAULT_HOURS, holidays=None
    )


class OrderDates(Protocol):
    """An order's dates (`OrderIn`, or the dates `/check` is given)."""

    @property
    def shipped_at(self) -> datetime | None: ...

    @property
    def delivered_at(self) -> datetime | None: ...

    @property
    def latest_delivery_date(self) -> datetime | None: ...


def order_completed_at(order: OrderDates) -> datetime | None:
    """Order completion per docs/policy.md: delivery, else latest delivery date, else shipping."""
    return order.delivered_at or order.latest_delivery_date or order.shipped_at


def contact_window_ends_at(order: OrderIn) -> datetime | None:
    return window.ends_at(order_completed_at(order))


def target_by(
    *, received_at: datetime, respond_by: datetime, calendar: BusinessCalendar
) -> datetime:
    within = TARGET_IN_HOURS if calendar.is_open(received_at) else TARGET_OUT_OF_HOURS
    return min(respond_by, received_at.astimezone(UTC) + within)


def reply_clock(
    *,
    order: OrderIn,
    received_at: datetime,
    now: datetime,
    intent: str | None = None,
    calendar: BusinessCalendar | None = None,
) -> Clock:
    calendar = calendar or default_calendar(order.marketplace)
    # Python adds hours to an aware datetime in its own zone's wall time (24 h after 22:00 on
    # the night clocks go forward would be 23 real hours): count in UTC.
    received_at = received_at.astimezone(UTC)
    window_end = contact_window_ends_at(order)
    respond_by = received_at + REPLY_WITHIN
    return Clock(
        message_kind="reply",
        respond_by=respond_by,
        respond_by_extended=received_at + EXTENDED_WITHIN if intent in EXTENDED_INTENTS else None,
        target_by=target_by(received_at=received_at, respond_by=respond_by, calendar=calendar),
        received_in_business_hours=calendar.is_open(received_at),
        contact_window_ends_at=window_end,
        # Without any completion date the order is still in progress: inside the window.
        within_contact_window=window_end is None or now <= window_end,
    )


def answer_by(*, now: datetime, calendar: BusinessCalendar) -> datetime:
    """When an acknowledgement may promise the full answer (see the module docstring)."""
    # A calendar that never opens (hours "none") still gets a promise: a day, like Amazon's.
    due = calendar.add_business_time(now, ANSWER_WITHIN) or now.astimezone(UTC) + REPLY_WITHIN
    half_hours = -(-due.timestamp() // 1800)  # ceiling: never promise earlier than computed
    return datetime.fromtimestamp(half_hours * 1800, tz=due.tzinfo)


def acknowledgement_suggested(
    *, clock: Clock, now: datetime, calendar: BusinessCalendar, escalated: bool
) -> bool:
    """True when the full answer is unlikely by the target: nobody works before it, or the
    case needs research (an escalation); a holding reply then keeps Amazon's clock."""
    if escalated:
        return True
    target = clock.target_by or clock.respond_by
    opens = calendar.next_open(now)
    return opens is None or opens >= target


def clock_priority(
    base: Priority,
    *,
    respond_by: datetime,
    now: datetime,
    target_by: datetime | None = None,
    escalated: bool = False,
) -> Priority:
    """Raise the intent's priority as the deadlines near or on escalation; never lower it."""
    left = respond_by - now
    if left <= timedelta(hours=4):
        wanted: Priority = "urgent"
    elif left <= timedelta(hours=12) or escalated or (target_by is not None and now >= target_by):
        wanted = "high"
    else:
        wanted = base
    return max(base, wanted, key=_PRIORITY_ORDER.index)
