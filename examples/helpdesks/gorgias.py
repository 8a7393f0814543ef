"""Gorgias: an HTTP integration's request → replydesk → an internal note on the ticket.

The HTTP integration (Settings › Integrations › HTTP, trigger "ticket message created") posts
the body you give it, from Gorgias variables:

    {"ticket_id": "{{ticket.id}}", "subject": "{{ticket.subject}}",
     "message_id": "{{message.id}}", "message": "{{message.body_text}}",
     "customer_name": "{{ticket.customer.name}}"}

The note: `POST /api/tickets/{id}/messages` with `"channel": "internal-note"`, `"via": "api"`,
`"from_agent": true`, the `sender` (an agent's e-mail) and `body_text` (Gorgias REST API,
Ticket messages › Create), HTTP Basic with the account e-mail and an API key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from examples.helpdesks.common import Ticket, draft_for, note_text
from examples.replydesk_client import ReplydeskClient


@dataclass(frozen=True)
class Gorgias:
    base_url: str  # https://{domain}.gorgias.com
    email: str
    api_key: str
    marketplace: str = "amazon.com"


def parse(payload: dict[str, Any]) -> Ticket:
    return Ticket(
        desk="gorgias",
        ticket_id=str(payload["ticket_id"]),
        message_id=str(payload["message_id"]),
        text=payload["message"],
        subject=payload.get("subject") or "",
        buyer_name=payload.get("customer_name"),
    )


def handle(payload: dict[str, Any], replydesk: ReplydeskClient, desk: Gorgias) -> str:
    ticket = parse(payload)
    draft = draft_for(ticket, replydesk, marketplace=desk.marketplace)
    answer = httpx.post(
        f"{desk.base_url}/api/tickets/{ticket.ticket_id}/messages",
        json={
            "channel": "internal-note",
            "via": "api",
            "from_agent": True,
            "sender": {"email": desk.email},
            "body_text": note_text(draft),
        },
        auth=(desk.email, desk.api_key),
        timeout=30,
    )
    answer.raise_for_status()
    return draft["draft_id"]
