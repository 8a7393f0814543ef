"""The time rules with frozen time: respond_by, target_by, answer_by, the contact window and
priority.

Time is injected (`now=`), and the routes take it from the `current_time` dependency, which
the API tests override: no patching of datetime.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from service.clock.rules import (
    CONTACT_WINDOW,
    Clock,
    acknowledgement_suggested,
    answer_by,
    clock_priority,
    contact_window_ends_at,
    order_completed_at,
    reply_clock,
)
from tests.conftest import draft_request, freeze
from tests.service.clock.support import BERLIN, clock_for, order, utc, utc_calendar

ALWAYS = utc_calendar("24/7")
NEVER = utc_calendar("none")


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


def test_priority_edges_and_never_lower_than_the_intents() -> None:
    now = utc(2026, 11, 24, 12, 0)

    def hours(n: int) -> datetime:
        return now + timedelta(hours=n)

    assert clock_priority("low", respond_by=hours(4), now=now) == "urgent"
    assert clock_priority("low", respond_by=hours(12), now=now) == "high"
    assert clock_priority("low", respond_by=hours(12) + timedelta(minutes=1), now=now) == "low"
    assert clock_priority("urgent", respond_by=hours(20), now=now) == "urgent"
    assert clock_priority("high", respond_by=hours(20), now=now, target_by=hours(1)) == "high"


def test_answer_by_is_rounded_up_to_the_half_hour() -> None:
    assert answer_by(now=utc(2026, 11, 23, 10, 0), calendar=ALWAYS) == utc(2026, 11, 23, 16, 0)
    assert answer_by(now=utc(2026, 11, 23, 10, 1), calendar=ALWAYS) == utc(2026, 11, 23, 16, 30)
    # Nobody ever works: the promise is Amazon's day, rounded up the same way.
    assert answer_by(now=utc(2026, 11, 23, 10, 1), calendar=NEVER) == utc(2026, 11, 24, 10, 30)


def test_an_acknowledgement_is_suggested_when_nobody_works_before_the_target() -> None:
    tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    clock, calendar = clock_for(tuesday)
    assert not acknowledgement_suggested(
        clock=clock, now=tuesday, calendar=calendar, escalated=False
    )
    # A case that needs research gets a holding reply even inside business hours.
    assert acknowledgement_suggested(clock=clock, now=tuesday, calendar=calendar, escalated=True)
    assert acknowledgement_suggested(clock=clock, now=tuesday, calendar=NEVER, escalated=False)
    friday = datetime(2026, 11, 27, 19, 30, tzinfo=BERLIN)
    clock, calendar = clock_for(friday)
    assert acknowledgement_suggested(clock=clock, now=friday, calendar=calendar, escalated=False)


def test_without_a_target_the_24_hours_decide_the_suggestion() -> None:
    now = utc(2026, 11, 27, 19)  # Friday evening
    clock = Clock(
        message_kind="reply",
        respond_by=now + timedelta(hours=24),
        contact_window_ends_at=None,
        within_contact_window=True,
    )
    # Monday 09:00 is after Saturday 19:00; Saturday 09:00 is before it.
    weekdays, saturdays = utc_calendar("Mon-Fri 09:00-17:00"), utc_calendar("Sat 09:00-17:00")
    assert acknowledgement_suggested(clock=clock, now=now, calendar=weekdays, escalated=False)
    assert not acknowledgement_suggested(clock=clock, now=now, calendar=saturdays, escalated=False)


def test_order_completion_is_delivery_else_latest_delivery_else_shipping() -> None:
    dates = {
        "shipped_at": "2026-11-01T10:00:00Z",
        "latest_delivery_date": "2026-11-05T10:00:00Z",
        "delivered_at": "2026-11-03T10:00:00Z",
    }
    assert order_completed_at(order(**dates)) == utc(2026, 11, 3, 10)
    del dates["delivered_at"]
    assert order_completed_at(order(**dates)) == utc(2026, 11, 5, 10)
    del dates["latest_delivery_date"]
    assert order_completed_at(order(**dates)) == utc(2026, 11, 1, 10)
    assert order_completed_at(order()) is None
    assert contact_window_ends_at(order(**dates)) == utc(2026, 11, 1, 10) + CONTACT_WINDOW
    assert contact_window_ends_at(order()) is None


def test_the_contact_window_is_open_to_its_last_moment_and_while_nothing_completed() -> None:
    delivered = utc(2026, 10, 1, 10)
    placed = order(delivered_at=delivered.isoformat())
    end = delivered + CONTACT_WINDOW

    def within(now: datetime) -> bool:
        return reply_clock(order=placed, received_at=now, now=now).within_contact_window

    assert within(end) and not within(end + timedelta(minutes=1))
    undelivered = reply_clock(order=order(), received_at=end, now=end + timedelta(days=400))
    assert undelivered.within_contact_window and undelivered.contact_window_ends_at is None


def test_the_clock_as_stored_is_iso_text() -> None:
    received = datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN)
    clock, _ = clock_for(received, intent="return_request")
    stored = clock.as_dict()
    assert stored == {
        "message_kind": "reply",
        "respond_by": "2026-11-25T09:00:00+00:00",
        "respond_by_extended": "2026-11-26T09:00:00+00:00",
        "target_by": "2026-11-24T15:00:00+00:00",
        "received_in_business_hours": True,
        "contact_window_ends_at": None,
        "within_contact_window": True,
    }


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
