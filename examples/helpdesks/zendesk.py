"""Zendesk: a trigger's webhook → replydesk → an internal note on the ticket.

The webhook's JSON body is the trigger's (Admin Center › Objects and rules › Triggers, action
"Notify by › Active webhook"), built from Zendesk placeholders:

    {"ticket": {"id": "{{ticket.id}}", "subject": "{{ticket.title}}",
                "latest_comment": {"id": "{{ticket.latest_public_comment.id}}",
                                   "body": "{{ticket.latest_public_comment}}"},
                "requester": {"name": "{{ticket.requester.name}}"}}}

The note: `PUT /api/v2/tickets/{id}.json` with `{"ticket": {"comment": {"body", "public":
false}}}` (Zendesk Support API, Tickets › Update ticket), authenticated as
`{email}/token:{api_token}` with HTTP Basic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from examples.helpdesks.common import Ticket, draft_for, note_text
from examples.replydesk_client import ReplydeskClient


@dataclass(frozen=True)
class Zendesk:
    base_url: str  # https://{subdomain}.zendesk.com
    email: str
    api_token: str
    marketplace: str = "amazon.com"


def parse(payload: dict[str, Any]) -> Ticket:
    ticket = payload["ticket"]
    comment = ticket["latest_comment"]
    return Ticket(
        desk="zendesk",
        ticket_id=str(ticket["id"]),
        message_id=str(comment["id"]),
        text=comment["body"],
        subject=ticket.get("subject") or "",
        buyer_name=(ticket.get("requester") or {}).get("name"),
    )


def handle(payload: dict[str, Any], replydesk: ReplydeskClient, desk: Zendesk) -> str:
    """The draft's id, once its note is on the ticket."""
    ticket = parse(payload)
    draft = draft_for(ticket, replydesk, marketplace=desk.marketplace)
    answer = httpx.put(
        f"{desk.base_url}/api/v2/tickets/{ticket.ticket_id}.json",
        json={"ticket": {"comment": {"body": note_text(draft), "public": False}}},
        auth=(f"{desk.email}/token", desk.api_token),
        timeout=30,
    )
    answer.raise_for_status()
    return draft["draft_id"]
