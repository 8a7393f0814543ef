"""Helpers of the clock tests: aware times, a bare order, and a reply clock under the default
opening hours of a marketplace's own zone and holidays."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from service.clock.calendar import BusinessCalendar, calendar_for
from service.clock.rules import Clock, reply_clock
from service.store.models import OrderIn

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
HOURS = "Mon-Fri 09:00-17:00"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def utc_calendar(hours: str) -> BusinessCalendar:
    """A calendar on UTC without holidays, so only the opening hours decide."""
    return calendar_for(
        marketplace="amazon.com", timezone="UTC", business_hours=hours, holidays="none"
    )


def order(marketplace: str = "amazon.de", **dates: str) -> OrderIn:
    return OrderIn.model_validate(
        {"order_id": "114-3941689-8772232", "marketplace": marketplace} | dates
    )


def clock_for(
    received: datetime, marketplace: str = "amazon.de", intent: str = "other"
) -> tuple[Clock, BusinessCalendar]:
    calendar = calendar_for(
        marketplace=marketplace, timezone=None, business_hours=HOURS, holidays=None
    )
    return reply_clock(
        order=order(marketplace),
        received_at=received,
        now=received,
        intent=intent,
        calendar=calendar,
    ), calendar
