"""contact_window: flagged on a late reply, blocked on a late proactive message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from guardrails import check, context
from guardrails.window import ends_at
from tests.guardrails.support import OID

TEXT = "Hello Jane,\n\nyour order has been delivered. Enjoy the blender.\n\nBest regards,\nAnna"
DELIVERED = datetime(2026, 10, 1, 12, tzinfo=UTC)


def window(kind: str, *, days_after: int) -> list[tuple[str, str]]:
    ctx = context(
        order_id=OID,
        marketplace="amazon.com",
        message_kind=kind,
        completed_at=DELIVERED,
        now=DELIVERED + timedelta(days=days_after),
    )
    report = check(TEXT, ctx)
    return [(f.rule, f.action) for f in report.findings if f.rule == "contact_window"]


def test_the_window_is_thirty_days_from_completion() -> None:
    assert ends_at(DELIVERED) == DELIVERED + timedelta(days=30)
    assert ends_at(None) is None


@pytest.mark.parametrize("kind", ["reply", "proactive"])
def test_inside_the_window_nothing_is_said(kind: str) -> None:
    assert window(kind, days_after=30) == []


def test_a_late_reply_is_flagged_and_still_passes() -> None:
    assert window("reply", days_after=31) == [("contact_window", "flagged")]


def test_a_late_proactive_message_is_blocked() -> None:
    assert window("proactive", days_after=31) == [("contact_window", "blocked")]


def test_without_dates_or_a_moment_the_rule_is_silent() -> None:
    ctx = context(order_id=OID, marketplace="amazon.com", message_kind="proactive", now=DELIVERED)
    assert all(f.rule != "contact_window" for f in check(TEXT, ctx).findings)


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        context(order_id=OID, marketplace="amazon.com", now=datetime(2026, 10, 1))
