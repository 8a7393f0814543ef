"""The seller's business calendar: timezone, weekly opening hours and public holidays.

Amazon's 24-hour clock runs on weekends and holidays; the seller's own targets and the date an
acknowledgement promises do not, so they come from here. Defaults, per marketplace:
- timezone: `REPLYDESK_TIMEZONE`, else the marketplace's own (amazon.de → Europe/Berlin), since
  a seller's default holidays are the marketplace country's too and the two should agree;
- hours: `REPLYDESK_BUSINESS_HOURS`, `Mon-Fri 09:00-17:00`;
- holidays: `REPLYDESK_HOLIDAYS`, else the marketplace country's public holidays from the
  `holidays` package; a country code (`DE`), a subdivision (`DE-BY`) or `none` overrides it.
All arithmetic is on aware datetimes: wall-clock hours are judged in the local zone (so daylight
saving moves them), durations are absolute.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# `holidays` and the guardrails (for the marketplaces) are imported where they are used: the
# settings validate through this module, and `replydesk serve` reads them in the process that
# only supervises the workers.

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
_TIME = r"\d{1,2}(?::\d{2})?"
_RANGE = rf"{_TIME}\s*-\s*{_TIME}"
# One entry: "Mon-Fri 09:00-17:00", "Sat 10:00-14:00", "Mon,Wed 9-12 13-17"; entries are
# separated by "," or ";".
_ENTRY = re.compile(
    rf"\s*(?P<days>{_DAY}(?:\s*-\s*{_DAY})?(?:\s*[,/&+]\s*{_DAY}(?:\s*-\s*{_DAY})?)*)"
    rf"\s+(?P<ranges>{_RANGE}(?:\s*(?:&|\+|and|\s)\s*{_RANGE})*)\s*(?:[,;]|$)",
    re.IGNORECASE,
)
_SEARCH_DAYS = 400  # a calendar with a whole year of holidays still finds its next opening


class CalendarError(ValueError):
    """A business-hours, timezone or holidays setting that cannot be used."""


Hours = tuple[tuple[tuple[time, time], ...], ...]  # per weekday (Mon=0): sorted (start, end)


def parse_business_hours(raw: str) -> Hours:
    """`Mon-Fri 09:00-17:00, Sat 10:00-14:00` → per-weekday ranges; `none` → never open."""
    text = raw.strip().lower()
    week: list[list[tuple[time, time]]] = [[] for _ in DAYS]
    if text in ("none", "closed", ""):
        return tuple(() for _ in DAYS)
    if text in ("24/7", "always"):
        return tuple(((time(0), time.max),) for _ in DAYS)
    at = 0
    while at < len(text):
        match = _ENTRY.match(text, at)
        if match is None or match.end() == at:
            raise CalendarError(
                f"REPLYDESK_BUSINESS_HOURS: cannot read {raw[at:].strip()!r}; write entries like "
                "'Mon-Fri 09:00-17:00, Sat 10:00-14:00' (or 'none', '24/7')"
            )
        days = _days(match["days"])
        for start, end in re.findall(rf"({_TIME})\s*-\s*({_TIME})", match["ranges"]):
            opens, closes = _clock(start, raw), _clock(end, raw)
            if closes <= opens:
                raise CalendarError(
                    f"REPLYDESK_BUSINESS_HOURS: {start}-{end} ends before it starts "
                    "(split a night shift into two days' ranges)"
                )
            for day in days:
                week[day].append((opens, closes))
        at = match.end()
    for day, ranges in enumerate(week):
        ranges.sort()
        for (_, end), (start, _) in itertools.pairwise(ranges):
            if start < end:
                raise CalendarError(f"REPLYDESK_BUSINESS_HOURS: overlapping ranges on {DAYS[day]}")
    return tuple(tuple(ranges) for ranges in week)


def _days(spec: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*[,/&+]\s*", spec.strip()):
        ends = [DAYS.index(p.strip()[:3]) for p in part.split("-")]
        first, last = ends[0], ends[-1]
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        days.extend(span)
    return sorted(set(days))


def _clock(value: str, raw: str) -> time:
    hour, _, minute = value.partition(":")
    h, m = int(hour), int(minute or 0)
    if h == 24 and m == 0:
        return time.max  # "until midnight"
    if not (0 <= h < 24 and 0 <= m < 60):
        raise CalendarError(f"REPLYDESK_BUSINESS_HOURS: {value!r} is not a time of day in {raw!r}")
    return time(h, m)


def parse_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CalendarError(
            f"REPLYDESK_TIMEZONE: unknown timezone {name!r} (use an IANA name like Europe/Berlin)"
        ) from exc


def parse_holidays(spec: str) -> tuple[str, str | None] | None:
    """`DE` → ("DE", None), `DE-BY` → ("DE", "BY"), `none` → None; checked against the library."""
    text = spec.strip()
    if text.lower() in ("none", "off", ""):
        return None
    country, _, subdiv = text.upper().partition("-")
    try:
        country_holidays(country, subdiv=subdiv or None, years=2026)
    except NotImplementedError as exc:
        raise CalendarError(
            f"REPLYDESK_HOLIDAYS: {spec!r} is not a country (or country-subdivision) the holidays "
            "package knows; use e.g. 'DE', 'DE-BY', 'JP' or 'none'"
        ) from exc
    return country, subdiv or None


def country_holidays(country: str, *, subdiv: str | None, years: int) -> Any:
    """``holidays.country_holidays``, with the country's module imported alone.

    The library's own function imports the package ``holidays.countries``, whose ``__init__``
    imports all 250 country modules: 12 MB in every worker, for the one or two countries a
    seller sells in. Its registry names the module a country code lives in, and that file is
    loaded by itself (a country that builds on another, as Åland on Finland, imports the
    package as usual). Should the library change that layout, the library's function is used.
    """
    import holidays as holidays_lib

    found = _country_class(country.upper())
    if found is None:
        return holidays_lib.country_holidays(country, subdiv=subdiv, years=years)
    return found(years=years, subdiv=subdiv)


_LOADING = threading.Lock()


@lru_cache(maxsize=64)
def _country_class(code: str) -> Any:
    """The class of one country code, or None when the registry or the file is not as known
    (``country_holidays`` then asks the library, which also raises for unknown codes).

    One thread loads at a time: the module is in ``sys.modules`` while its code runs, and a
    second thread taking the half-made class from there computed holidays without some days
    (seen: Christmas missing for DE), which ``_holiday_dates`` then kept."""
    with _LOADING:
        return _load_country_class(code)


def _load_country_class(code: str) -> Any:
    import importlib.util
    import sys

    from holidays import registry

    for module, names in getattr(registry, "COUNTRIES", {}).items():
        if code not in names[1:]:
            continue
        name = f"holidays.countries.{module}"
        if name not in sys.modules:
            spec = importlib.util.find_spec("holidays")
            roots = spec.submodule_search_locations if spec is not None else None
            if not roots:
                return None
            path = f"{roots[0]}/countries/{module}.py"
            loaded = importlib.util.spec_from_file_location(name, path)
            if loaded is None or loaded.loader is None:
                return None
            country = importlib.util.module_from_spec(loaded)
            sys.modules[name] = country
            try:
                loaded.loader.exec_module(country)
            except (ImportError, OSError):
                del sys.modules[name]
                return None
        return getattr(sys.modules[name], names[0], None)
    return None


@lru_cache(maxsize=256)
def _holiday_dates(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    # One frozen set per country and year: HolidayBase fills itself lazily on lookup, which is
    # not something to share between threads.
    try:
        found = country_holidays(country, subdiv=subdiv, years=year)
    except NotImplementedError:  # a marketplace country the library lacks: no holidays
        return frozenset()
    return frozenset(found.keys())


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    zone: ZoneInfo
    hours: Hours
    holidays: tuple[str, str | None] | None  # (country, subdivision)

    def is_holiday(self, day: date) -> bool:
        if self.holidays is None:
            return False
        return day in _holiday_dates(self.holidays[0], self.holidays[1], day.year)

    def _periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening periods (aware, UTC) that end after `start`, in order."""
        local_day = start.astimezone(self.zone).date()
        for offset in range(_SEARCH_DAYS):
            day = local_day + timedelta(days=offset)
            if self.is_holiday(day):
                continue
            for opens, closes in self.hours[day.weekday()]:
                begin = _at(day, opens, self.zone)
                end = (
                    _at(day + timedelta(days=1), time(0), self.zone)
                    if closes == time.max
                    else (_at(day, closes, self.zone))
                )
                if end > start:
                    yield max(begin, start), end

    def is_open(self, at: datetime) -> bool:
        first = next(self._periods(at), None)
        return first is not None and first[0] <= at

    def next_open(self, at: datetime) -> datetime | None:
        """`at` itself when open, else the next opening; None when the calendar never opens."""
        first = next(self._periods(at), None)
        return first[0] if first else None

    def add_business_time(self, at: datetime, duration: timedelta) -> datetime | None:
        """The moment `duration` of opening hours after `at` has passed (None: never open)."""
        left = duration
        for begin, end in self._periods(at):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        return None


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # fold=0: a wall time repeated when clocks go back is its first occurrence; one skipped
    # when they go forward (02:30 in spring) lands an hour later, as a human would read it.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=64)
def calendar_for(
    *, marketplace: str, timezone: str | None, business_hours: str, holidays: str | None
) -> BusinessCalendar:
    """The calendar for one marketplace under the settings (cached: settings are fixed)."""
    from guardrails import marketplaces

    market = marketplaces.resolve(marketplace)
    zone = parse_timezone(timezone) if timezone else ZoneInfo(market.timezone)
    which = parse_holidays(holidays) if holidays is not None else (market.country, None)
    return BusinessCalendar(zone=zone, hours=parse_business_hours(business_hours), holidays=which)
