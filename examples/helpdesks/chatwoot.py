"""Chatwoot: the `message_created` webhook → replydesk → a private note in the conversation.

Chatwoot posts `{"event": "message_created", "id", "content", "message_type": "incoming",
"conversation": {"id", …}, "account": {"id", …}, "sender": {"name", …}}` (Chatwoot webhooks);
only incoming messages are drafted for.

The note: `POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages` with
`{"content", "message_type": "outgoing", "private": true}` (Application API, Messages › Create
new message), header `api_access_token`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from examples.helpdesks.common import Ticket, draft_for, note_text
from examples.replydesk_client import ReplydeskClient


@dataclass(frozen=True)
class Chatwoot:
    base_url: str  # https://app.chatwoot.com or your own
    access_token: str
    marketplace: str = "amazon.com"


def parse(payload: dict[str, Any]) -> Ticket | None:
    """The buyer's message; None for other events (our own notes come back as webhooks too)."""
    if payload.get("event") != "message_created" or payload.get("message_type") != "incoming":
        return None
    return Ticket(
        desk="chatwoot",
        ticket_id=f"{payload['account']['id']}/{payload['conversation']['id']}",
        message_id=str(payload["id"]),
        text=payload["content"],
        buyer_name=(payload.get("sender") or {}).get("name"),
    )


def handle(payload: dict[str, Any], replydesk: ReplydeskClient, desk: Chatwoot) -> str | None:
    ticket = parse(payload)
    if ticket is None:
        return None
    draft = draft_for(ticket, replydesk, marketplace=desk.marketplace)
    account, conversation = payload["account"]["id"], payload["conversation"]["id"]
    answer = httpx.post(
        f"{desk.base_url}/api/v1/accounts/{account}/conversations/{conversation}/messages",
        json={"content": note_text(draft), "message_type": "outgoing", "private": True},
        headers={"api_access_token": desk.access_token},
        timeout=30,
    )
    answer.raise_for_status()
    return draft["draft_id"]
