"""The clock and the business calendar with frozen time: respond_by, target_by, answer_by.

Time is injected (`now=`), and the routes take it from the `current_time` dependency, which
the API tests override: no patching of datetime.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.clock.calendar import (
    BusinessCalendar,
    CalendarError,
    calendar_for,
    parse_business_hours,
    parse_holidays,
    parse_timezone,
)
from service.clock.rules import Clock, answer_by, clock_priority, reply_clock
from service.config import Settings
from service.store.models import OrderIn
from tests.conftest import draft_request, freeze

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
HOURS = "Mon-Fri 09:00-17:00"


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def order(marketplace: str = "amazon.de") -> OrderIn:
    return OrderIn.model_validate({"order_id": "114-3941689-8772232", "marketplace": marketplace})


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


def test_friday_evening_waits_for_monday_but_amazons_clock_does_not() -> None:
    received = datetime(2026, 11, 27, 19, 30, tzinfo=BERLIN)  # Friday, after hours
    clock, calendar = clock_for(received)
    assert clock.respond_by == received + timedelta(hours=24)  # Saturday 19:30: weekends count
    assert clock.received_in_business_hours is False
    assert clock.target_by == received + timedelta(hours=12)
    # An acknowledgement promises Monday: 6 opening hours from 09:00 is 15:00 Berlin.
    assert answer_by(now=received, calendar=calendar) == datetime(
        2026, 11, 30, 15, 0, tzinfo=BERLIN
    )


def test_christmas_day_on_amazon_de_is_a_holiday_not_a_friday() -> None:
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN)  # a Friday, 10:00
    clock, calendar = clock_for(christmas)
    assert not calendar.is_open(christmas)
    assert clock.respond_by == christmas + timedelta(hours=24)
    assert clock.target_by == christmas + timedelta(hours=12)
    # 26 December is a holiday too, then the weekend: the promise is Monday 28th, 15:00.
    assert answer_by(now=christmas, calendar=calendar) == datetime(
        2026, 12, 28, 15, 0, tzinfo=BERLIN
    )
    # The same hour two days earlier is an ordinary working day: 6 hours.
    wednesday = datetime(2026, 12, 23, 10, 0, tzinfo=BERLIN)
    assert clock_for(wednesday)[0].target_by == wednesday + timedelta(hours=6)
    # amazon.com has no 26 December holiday, but Christmas Day is one in the US too.
    us = calendar_for(marketplace="amazon.com", timezone=None, business_hours=HOURS, holidays=None)
    assert not us.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles")))


def test_golden_week_on_amazon_co_jp() -> None:
    received = datetime(2026, 5, 4, 11, 0, tzinfo=TOKYO)  # Monday, Greenery Day
    clock, calendar = clock_for(received, "amazon.co.jp")
    assert clock.respond_by == received + timedelta(hours=24)
    assert clock.target_by == received + timedelta(hours=12)
    # 5 May (Children's Day) and 6 May (substitute holiday) are closed too: Thursday 7 May.
    assert calendar.next_open(received) == datetime(2026, 5, 7, 9, 0, tzinfo=TOKYO)
    assert answer_by(now=received, calendar=calendar) == datetime(2026, 5, 7, 15, 0, tzinfo=TOKYO)
    # The Friday after Golden Week is a normal business day.
    friday = datetime(2026, 5, 8, 11, 0, tzinfo=TOKYO)
    assert clock_for(friday, "amazon.co.jp")[0].target_by == friday + timedelta(hours=6)


def test_daylight_saving_moves_business_hours_not_amazons_24_hours() -> None:
    # 07:30 UTC is 08:30 in Berlin in winter (closed), 09:30 after the change (open).
    winter = utc(2026, 3, 23, 7, 30)
    summer = utc(2026, 3, 30, 7, 30)
    assert clock_for(winter)[0].target_by == winter + timedelta(hours=12)
    assert clock_for(summer)[0].target_by == summer + timedelta(hours=6)
    # Across the night the clocks go forward, 24 hours are 24 real hours (25 on the wall).
    saturday = datetime(2026, 3, 28, 22, 0, tzinfo=BERLIN)
    clock, _ = clock_for(saturday)
    assert clock.respond_by - saturday == timedelta(hours=24)
    assert clock.respond_by.astimezone(BERLIN).hour == 23
    # Clocks go back on 25 October: 08:30 UTC is 10:30 before, 09:30 after — open both times.
    assert clock_for(utc(2026, 10, 23, 8, 30))[0].received_in_business_hours
    assert clock_for(utc(2026, 10, 26, 7, 30))[0].received_in_business_hours is False


def test_target_never_passes_respond_by_and_48_hour_rules_are_shown_apart() -> None:
    received = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    clock, _ = clock_for(received, intent="return_request")
    assert clock.respond_by == received + timedelta(hours=24)
    assert clock.respond_by_extended == received + timedelta(hours=48)
    assert clock_for(received, intent="where_is_my_order")[0].respond_by_extended is None
    assert clock_for(received, intent="a_to_z_claim")[0].respond_by_extended is not None
    assert clock.target_by is not None and clock.target_by <= clock.respond_by


def test_priority_from_time_left_target_and_escalation() -> None:
    now = utc(2026, 11, 24, 12, 0)
    far = now + timedelta(hours=20)
    assert clock_priority("low", respond_by=far, now=now) == "low"
    assert clock_priority("low", respond_by=far, now=now, target_by=now) == "high"
    assert clock_priority("normal", respond_by=far, now=now, escalated=True) == "high"
    assert clock_priority("normal", respond_by=now + timedelta(hours=3), now=now) == "urgent"


@pytest.mark.parametrize(
    ("raw", "monday", "saturday"),
    [
        ("Mon-Fri 09:00-17:00", 1, 0),
        ("Mon-Fri 09:00-17:00, Sat 10:00-14:00", 1, 1),
        ("mon-fri 8-12 13-18; sat 9-13", 2, 1),
        ("Mon,Wed,Fri 09:00-17:00", 1, 0),
        ("24/7", 1, 1),
        ("none", 0, 0),
    ],
)
def test_business_hours_parse(raw: str, monday: int, saturday: int) -> None:
    week = parse_business_hours(raw)
    assert (len(week[0]), len(week[5])) == (monday, saturday)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("business_hours", "Mon-Fry 09:00-17:00", "REPLYDESK_BUSINESS_HOURS"),
        ("business_hours", "Mon-Fri 17:00-09:00", "ends before it starts"),
        ("business_hours", "Mon-Fri 09:00-25:00", "not a time of day"),
        ("business_hours", "Mon 09:00-12:00, Mon 11:00-13:00", "overlapping"),
        ("timezone", "Mars/Olympus", "REPLYDESK_TIMEZONE"),
        ("holidays", "XX", "REPLYDESK_HOLIDAYS"),
    ],
)
def test_bad_calendar_settings_fail_at_start_up(field: str, value: str, says: str) -> None:
    # model_validate: the same validators as the environment goes through, without a .env file.
    with pytest.raises(ValidationError, match=says):
        Settings.model_validate({field: value})
    with pytest.raises(CalendarError):
        {"business_hours": parse_business_hours, "timezone": parse_timezone}.get(
            field, parse_holidays
        )(value)


def test_settings_override_timezone_and_holidays() -> None:
    settings = Settings.model_validate({"timezone": "UTC", "holidays": "DE-BY"})
    calendar = settings.business_calendar("amazon.co.uk")
    assert calendar.zone == ZoneInfo("UTC")
    assert calendar.is_holiday(datetime(2026, 1, 6).date())  # Epiphany: Bavaria, not Berlin
    none = Settings.model_validate({"holidays": "none"}).business_calendar("amazon.de")
    assert not none.is_holiday(datetime(2026, 12, 25).date())


def test_triage_uses_the_frozen_clock_and_the_marketplace_calendar(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    frozen = datetime(2026, 12, 25, 9, 30, tzinfo=UTC)
    freeze(client, frozen)
    body = draft_request(
        "Wo ist mein Paket? Es ist noch nicht angekommen.", marketplace="amazon.de"
    )
    body["message"].pop("received_at")
    triage = client.post("/triage", json=body).json()
    assert datetime.fromisoformat(triage["respond_by"]) == frozen + timedelta(hours=24)
    assert datetime.fromisoformat(triage["target_by"]) == frozen + timedelta(hours=12)
    assert triage["priority"] == "normal"
    # A business hour on an ordinary day gets the 6-hour target.
    freeze(client, frozen - timedelta(days=2))
    triage = client.post("/triage", json=body).json()
    assert datetime.fromisoformat(triage["target_by"]) == frozen - timedelta(days=2, hours=-6)
    # With REPLYDESK_TIMEZONE=Asia/Tokyo, 09:30 UTC on 23 December is 18:30 there: closed.
    tokyo = make_client(timezone="Asia/Tokyo")
    freeze(tokyo, frozen - timedelta(days=2))
    triage = tokyo.post("/triage", json=body).json()
    assert datetime.fromisoformat(triage["target_by"]) == frozen - timedelta(days=2, hours=-12)


def test_a_reply_after_the_contact_window_is_flagged_not_blocked(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    freeze(client, utc(2027, 1, 10, 10))
    body = draft_request("Hello, how do I clean the blender?")
    body["message"]["received_at"] = "2027-01-10T09:00:00Z"  # delivered by 21 Nov: 50 days
    draft = client.post("/draft", json=body).json()
    assert draft["status"] == "pending"
    assert draft["policy"]["within_contact_window"] is False
    late = [f for f in draft["guardrails"]["findings"] if f["rule"] == "contact_window"]
    assert [f["action"] for f in late] == ["flagged"]
