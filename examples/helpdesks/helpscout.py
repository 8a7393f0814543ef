"""Help Scout: the `convo.created` / `convo.customer.reply.created` webhook → replydesk → a note.

Help Scout posts the conversation (Mailbox API 2.0 webhooks, header `X-HelpScout-Event`), its
threads embedded, newest first: `{"id", "subject", "primaryCustomer": {"first", "last"},
"_embedded": {"threads": [{"id", "type": "customer", "body"}, …]}}`.

The note: `POST /v2/conversations/{id}/notes` with `{"text"}` (Mailbox API 2.0, Threads › Create
note), `Authorization: Bearer {access token}`; answered 201 with the new thread's id in the
`Resource-ID` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from examples.helpdesks.common import Ticket, draft_for, note_text
from examples.replydesk_client import ReplydeskClient


@dataclass(frozen=True)
class HelpScout:
    access_token: str
    base_url: str = "https://api.helpscout.net"
    marketplace: str = "amazon.com"


def parse(payload: dict[str, Any]) -> Ticket:
    threads = payload["_embedded"]["threads"]
    latest = next(t for t in threads if t.get("type") == "customer")
    customer = payload.get("primaryCustomer") or {}
    name = " ".join(p for p in (customer.get("first"), customer.get("last")) if p) or None
    return Ticket(
        desk="helpscout",
        ticket_id=str(payload["id"]),
        message_id=str(latest["id"]),
        text=latest["body"],
        subject=payload.get("subject") or "",
        buyer_name=name,
    )


def handle(payload: dict[str, Any], replydesk: ReplydeskClient, desk: HelpScout) -> str:
    ticket = parse(payload)
    draft = draft_for(ticket, replydesk, marketplace=desk.marketplace)
    answer = httpx.post(
        f"{desk.base_url}/v2/conversations/{ticket.ticket_id}/notes",
        json={"text": note_text(draft)},
        headers={"Authorization": f"Bearer {desk.access_token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return draft["draft_id"]
