"""Freshdesk: an automation rule's webhook → replydesk → a private note on the ticket.

The webhook's JSON body is the rule's ("Trigger webhook", content type JSON, advanced), from
Freshdesk placeholders:

    {"freshdesk_webhook": {"ticket_id": "{{ticket.id}}", "ticket_subject": "{{ticket.subject}}",
     "ticket_latest_public_comment": "{{ticket.latest_public_comment}}",
     "ticket_description": "{{ticket.description_text}}",
     "ticket_contact_name": "{{ticket.contact.name}}", "triggered_at": "{{triggered_event}}"}}

The note: `POST /api/v2/tickets/{id}/notes` with `{"body", "private": true}` (Freshdesk API v2,
Conversations › Create a note), HTTP Basic with the API key as user and `X` as password.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import httpx

from examples.helpdesks.common import Ticket, draft_for, note_text
from examples.replydesk_client import ReplydeskClient


@dataclass(frozen=True)
class Freshdesk:
    base_url: str  # https://{domain}.freshdesk.com
    api_key: str
    marketplace: str = "amazon.com"


def parse(payload: dict[str, Any]) -> Ticket:
    hook = payload["freshdesk_webhook"]
    text = hook.get("ticket_latest_public_comment") or hook["ticket_description"]
    return Ticket(
        desk="freshdesk",
        ticket_id=str(hook["ticket_id"]),
        message_id=str(hook.get("triggered_at") or len(text)),
        text=text,
        subject=hook.get("ticket_subject") or "",
        buyer_name=hook.get("ticket_contact_name"),
    )


def handle(payload: dict[str, Any], replydesk: ReplydeskClient, desk: Freshdesk) -> str:
    ticket = parse(payload)
    draft = draft_for(ticket, replydesk, marketplace=desk.marketplace)
    body = "<br>".join(html.escape(line) for line in note_text(draft).splitlines())
    answer = httpx.post(
        f"{desk.base_url}/api/v2/tickets/{ticket.ticket_id}/notes",
        json={"body": body, "private": True},
        auth=(desk.api_key, "X"),
        timeout=30,
    )
    answer.raise_for_status()
    return draft["draft_id"]
