"""``contact_window``: messages more than 30 days after order completion.

Order completion is delivery, else the latest delivery date, else shipping. A *reply* on the
buyer's thread after the window is allowed but flagged (keep it to answering the buyer); a
*proactive* message after it may not be sent at all, so it is blocked, and approving it later
than the window is blocked the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from guardrails.report import Finding
from guardrails.spans import Context

RULE: Final = "contact_window"
CONTACT_WINDOW: Final = timedelta(days=30)


def ends_at(completed_at: datetime | None) -> datetime | None:
    """When the window closes; None while the order has no completion date (still open)."""
    return completed_at + CONTACT_WINDOW if completed_at else None


def judge(ctx: Context) -> list[Finding]:
    end = ends_at(ctx.completed_at)
    if end is None or ctx.now is None or ctx.now <= end:
        return []
    day = end.date().isoformat()
    if ctx.message_kind == "proactive":
        message = (
            f"The {CONTACT_WINDOW.days}-day window for proactive messages closed on {day} "
            f"({end.isoformat()}): this message can no longer be sent. Reject it."
        )
        return [Finding(RULE, "blocked", "", 0, 0, message)]
    message = (
        f"More than {CONTACT_WINDOW.days} days have passed since the order was completed "
        f"(window ended {day}): a reply on the buyer's thread is allowed, but keep it to "
        "answering the buyer."
    )
    return [Finding(RULE, "flagged", "", 0, 0, message)]
