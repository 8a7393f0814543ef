"""What every help-desk example shares: reading the Amazon order from a ticket, the request to
replydesk, and the internal note that shows the draft to the agent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from examples.replydesk_client import Draft, ReplydeskClient

# Amazon's Message Center relays quote the order ID in the subject or the body.
ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")


class NotAnAmazonMessage(ValueError):
    """The ticket names no Amazon order: nothing to draft."""


@dataclass(frozen=True)
class Ticket:
    """A buyer's message as a help desk's webhook gives it."""

    desk: str  # "zendesk", "freshdesk", …
    ticket_id: str
    message_id: str  # unique per message of the ticket: the retry key
    text: str
    subject: str = ""
    buyer_name: str | None = None


def draft_for(ticket: Ticket, replydesk: ReplydeskClient, *, marketplace: str) -> Draft:
    """Ask replydesk for a draft; a webhook delivered twice gets the same draft back."""
    found = ORDER_ID.search(f"{ticket.subject}\n{ticket.text}")
    if found is None:
        raise NotAnAmazonMessage(f"{ticket.desk} ticket {ticket.ticket_id} names no order")
    order: dict[str, Any] = {"order_id": found.group(), "marketplace": marketplace}
    if ticket.buyer_name:
        order["buyer_name"] = ticket.buyer_name
    request = {
        "message": {"text": ticket.text, "subject": ticket.subject[:500] or None},
        "order": order,
        "external_ref": f"{ticket.desk}:{ticket.ticket_id}",
    }
    key = f"{ticket.desk}-{ticket.ticket_id}-{ticket.message_id}"
    return replydesk.draft(request, idempotency_key=key)


def note_text(draft: Draft) -> str:
    """The internal note: the draft to copy, what the guardrails did, and the deadline."""
    lines = [f"replydesk draft ({draft['status']}), reply by {draft['policy']['respond_by']}:"]
    if draft["escalation"]["recommended"]:
        reasons = ", ".join(r.replace("_", " ") for r in draft["escalation"]["reasons"])
        lines.append(f"ESCALATE: {reasons}")
    lines += ["", draft["text"], ""]
    for finding in draft["guardrails"]["findings"]:
        lines.append(f"- {finding['action']} {finding['rule']}: {finding['message']}")
    lines.append(f"Review: /review#{draft['draft_id']}")
    return "\n".join(lines)
