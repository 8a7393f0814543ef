"""What every answer to a buyer message starts from: the analysis, the calendar and the clock.

`/draft`, `/acknowledge` and `/triage` read a message the same way; this is that one reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.clock.calendar import BusinessCalendar
from service.clock.rules import Clock, clock_priority, reply_clock
from service.config import Settings
from service.store.models import DraftRequest
from service.understand.analysis import Analysis, analyse
from service.understand.intents import Priority


@dataclass(frozen=True, slots=True)
class Assessment:
    analysis: Analysis
    received_at: datetime
    calendar: BusinessCalendar
    clock: Clock
    priority: Priority


def assess(
    request: DraftRequest, *, settings: Settings, now: datetime, chosen: str | None = None
) -> Assessment:
    """``chosen``: the intent the model named for a message the classifier was unsure of."""
    message, order = request.message, request.order
    received_at = message.received_at or now
    analysis = analyse(
        text=message.text,
        locale=message.language,
        marketplace=order.marketplace,
        buyer_name=order.buyer_name,
        chosen=chosen,
    )
    calendar = settings.business_calendar(order.marketplace)
    clock = reply_clock(
        order=order, received_at=received_at, now=now, intent=analysis.intent, calendar=calendar
    )
    priority = clock_priority(
        analysis.priority,
        respond_by=clock.respond_by,
        now=now,
        target_by=clock.target_by,
        escalated=analysis.escalation.recommended,
    )
    return Assessment(analysis, received_at, calendar, clock, priority)
