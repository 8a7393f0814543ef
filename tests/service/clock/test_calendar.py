"""The business calendar: opening hours, zones, daylight saving and public holidays."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from guardrails.marketplaces import MARKETPLACES
from service.clock.calendar import (
    CalendarError,
    calendar_for,
    country_holidays,
    parse_business_hours,
    parse_holidays,
    parse_timezone,
)
from service.clock.rules import answer_by
from service.config import Settings
from tests.processes import fresh_python
from tests.service.clock.support import BERLIN, HOURS, TOKYO, clock_for, utc, utc_calendar

MONDAY = utc(2026, 11, 23, 10)  # an ordinary Monday in UTC


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


def test_a_day_range_may_wrap_around_the_weekend() -> None:
    week = parse_business_hours("Fri-Mon 10:00-12:00")
    open_days = [day for day, ranges in enumerate(week) if ranges]
    assert open_days == [0, 4, 5, 6]  # Monday, and Friday to Sunday
    assert week[6] == ((time(10), time(12)),)


def test_24_00_means_until_midnight() -> None:
    assert parse_business_hours("Mon 18:00-24:00")[0] == ((time(18), time.max),)
    evening = utc_calendar("Mon 18:00-24:00")
    assert evening.is_open(utc(2026, 11, 23, 23, 59))
    assert not evening.is_open(utc(2026, 11, 24, 0, 0))
    assert evening.next_open(utc(2026, 11, 23, 17)) == utc(2026, 11, 23, 18)
    # One hour left on Monday night, the second one the next Monday evening.
    later = evening.add_business_time(utc(2026, 11, 23, 23), timedelta(hours=2))
    assert later == utc(2026, 11, 30, 19)


def test_business_time_skips_breaks_nights_and_weekends() -> None:
    split = utc_calendar("Mon-Fri 09:00-12:00 13:00-17:00")
    assert split.add_business_time(MONDAY, timedelta(hours=4)) == utc(2026, 11, 23, 15)
    assert split.add_business_time(utc(2026, 11, 23, 15), timedelta(hours=8)) == utc(
        2026, 11, 24, 16
    )
    friday = utc(2026, 11, 27, 16)
    assert split.add_business_time(friday, timedelta(hours=2)) == utc(2026, 11, 30, 10)
    # Open now: the next opening is now; at lunch, the afternoon's.
    assert split.next_open(utc(2026, 11, 23, 10, 30)) == utc(2026, 11, 23, 10, 30)
    assert split.next_open(utc(2026, 11, 23, 12, 30)) == utc(2026, 11, 23, 13)
    assert not split.is_open(utc(2026, 11, 23, 12, 30))


def test_a_calendar_that_never_opens_says_so() -> None:
    closed = utc_calendar("none")
    assert not closed.is_open(MONDAY)
    assert closed.next_open(MONDAY) is None
    assert closed.add_business_time(MONDAY, timedelta(hours=1)) is None


def test_the_marketplace_decides_zone_and_holidays_unless_the_settings_do() -> None:
    default = calendar_for(
        marketplace="amazon.de", timezone=None, business_hours=HOURS, holidays=None
    )
    assert (default.zone, default.holidays) == (BERLIN, ("DE", None))
    chosen = calendar_for(
        marketplace="amazon.de", timezone="Asia/Tokyo", business_hours=HOURS, holidays="de-by"
    )
    assert (chosen.zone, chosen.holidays) == (TOKYO, ("DE", "BY"))
    assert utc_calendar(HOURS).holidays is None


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("DE", ("DE", None)), ("de-by", ("DE", "BY")), ("JP", ("JP", None)), ("none", None)],
)
def test_holiday_settings_parse(spec: str, parsed: tuple[str, str | None] | None) -> None:
    assert parse_holidays(spec) == parsed


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


def _library_dates(country: str, subdiv: str | None, year: int) -> set[date]:
    import holidays

    return set(holidays.country_holidays(country, subdiv=subdiv, years=year))


@pytest.mark.parametrize(
    ("country", "subdiv"),
    [
        *sorted({(m.country, None) for m in MARKETPLACES}),
        ("DE", "BY"),
        ("US", "CA"),
        ("AX", None),
        ("AS", None),
    ],
)
def test_one_country_loads_alone_with_the_librarys_dates(country: str, subdiv: str | None) -> None:
    # Åland (AX) and American Samoa (AS) build on other countries' modules.
    assert set(country_holidays(country, subdiv=subdiv, years=2026)) == _library_dates(
        country, subdiv, 2026
    )


def test_an_unknown_country_or_subdivision_is_the_librarys_error() -> None:
    with pytest.raises(NotImplementedError):
        country_holidays("XX", subdiv=None, years=2026)
    with pytest.raises(NotImplementedError):
        country_holidays("DE", subdiv="XX", years=2026)


def test_a_marketplace_calendar_imports_its_country_not_all_250() -> None:
    code = (
        "import sys\n"
        "from service.clock.calendar import calendar_for\n"
        "from datetime import date\n"
        "calendar = calendar_for(marketplace='amazon.de', timezone=None, "
        "business_hours='Mon-Fri 09:00-17:00', holidays=None)\n"
        "assert calendar.is_holiday(date(2026, 12, 25))\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries.')))\n"
    )
    assert fresh_python(code).strip() == "['holidays.countries.germany']"


def test_the_first_lookups_from_many_threads_at_once_all_see_every_holiday() -> None:
    # The country's module is loaded on first use; threads asking at the same moment (a burst
    # of drafts at start) must not compute holidays from a half-loaded module.
    import threading

    from service.clock import calendar as module

    for _ in range(5):
        module._country_class.cache_clear()
        module._holiday_dates.cache_clear()
        for name in ("holidays.countries.germany", "holidays.countries.japan"):
            sys.modules.pop(name, None)
        start = threading.Barrier(8)
        found: list[tuple[str, frozenset[date]]] = []  # (country, its holidays)

        def look(country: str, start: threading.Barrier, found: list[Any]) -> None:
            start.wait()
            found.append((country, module._holiday_dates(country, None, 2026)))

        threads = [threading.Thread(target=look, args=(c, start, found)) for c in ["DE", "JP"] * 4]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = {"DE": date(2026, 12, 25), "JP": date(2026, 5, 4)}  # Christmas, Greenery Day
        assert len(found) == 8
        assert all(expected[country] in dates for country, dates in found)
