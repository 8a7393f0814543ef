"""The help-desk examples (examples/helpdesks/) end to end: each help desk's webhook payload →
the example → replydesk (a real server) → an internal note on the fake help desk
(tests/fakes/helpdesks.py). A webhook delivered twice makes one draft."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from examples.helpdesks import chatwoot, freshdesk, gorgias, helpscout, zendesk
from examples.helpdesks.common import NotAnAmazonMessage
from examples.replydesk_client import ReplydeskClient
from service.api.app import create_app
from service.config import Settings
from tests.fakes import helpdesks as fake
from tests.service.review.support import serving

ORDER = "114-3941689-8772232"
TEXT = f"Hello, where is my parcel? Order {ORDER}. It has not arrived yet."
ESCALATING = f"Order {ORDER}: I have filed an A-to-z claim, the refund never came."


def payloads(text: str) -> dict[str, dict[str, Any]]:
    """One buyer message as each help desk's webhook carries it (see each example)."""
    return {
        "zendesk": {
            "ticket": {
                "id": "4821",
                "subject": "Message from Amazon customer Jane",
                "latest_comment": {"id": "9001", "body": text},
                "requester": {"name": "Jane"},
            }
        },
        "freshdesk": {
            "freshdesk_webhook": {
                "ticket_id": "77",
                "ticket_subject": f"Order {ORDER}",
                "ticket_latest_public_comment": "",
                "ticket_description": text,
                "ticket_contact_name": "Jane",
                "triggered_at": "2026-12-07T09:00:00Z",
            }
        },
        "helpscout": {
            "id": 3100,
            "subject": "Amazon buyer message",
            "primaryCustomer": {"first": "Jane", "last": "Doe"},
            "_embedded": {
                "threads": [
                    {"id": 12, "type": "note", "body": "older note"},
                    {"id": 11, "type": "customer", "body": text},
                ]
            },
        },
        "gorgias": {
            "ticket_id": "555",
            "subject": "Amazon order question",
            "message_id": "8",
            "message": text,
            "customer_name": "Jane",
        },
        "chatwoot": {
            "event": "message_created",
            "id": 41,
            "content": text,
            "message_type": "incoming",
            "conversation": {"id": 7},
            "account": {"id": 1},
            "sender": {"name": "Jane"},
        },
    }


@pytest.fixture
def world(make_settings: Callable[..., Settings]) -> Iterator[tuple[str, str, fake.Desks]]:
    desks = fake.Desks()
    with (
        serving(create_app(make_settings(api_keys="plugin:pk,agent:ak"))) as replydesk_url,
        serving(fake.make_app(desks)) as desk_url,
    ):
        yield replydesk_url, desk_url, desks


def run(name: str, payload: dict[str, Any], replydesk: ReplydeskClient, desk_url: str) -> Any:
    handlers: dict[str, Callable[[], Any]] = {
        "zendesk": lambda: zendesk.handle(
            payload, replydesk, zendesk.Zendesk(desk_url, *fake.ZENDESK)
        ),
        "freshdesk": lambda: freshdesk.handle(
            payload, replydesk, freshdesk.Freshdesk(desk_url, fake.FRESHDESK_KEY)
        ),
        "helpscout": lambda: helpscout.handle(
            payload, replydesk, helpscout.HelpScout(fake.HELPSCOUT_TOKEN, base_url=desk_url)
        ),
        "gorgias": lambda: gorgias.handle(
            payload, replydesk, gorgias.Gorgias(desk_url, *fake.GORGIAS)
        ),
        "chatwoot": lambda: chatwoot.handle(
            payload, replydesk, chatwoot.Chatwoot(desk_url, fake.CHATWOOT_TOKEN)
        ),
    }
    return handlers[name]()


@pytest.mark.parametrize("name", ["zendesk", "freshdesk", "helpscout", "gorgias", "chatwoot"])
def test_a_webhook_becomes_a_private_note_with_the_draft(
    name: str, world: tuple[str, str, fake.Desks]
) -> None:
    replydesk_url, desk_url, desks = world
    replydesk = ReplydeskClient(replydesk_url, "pk")
    try:
        payload = payloads(TEXT)[name]
        draft_id = run(name, payload, replydesk, desk_url)
        again = run(name, payload, replydesk, desk_url)  # the webhook delivered twice
        assert again == draft_id
        draft = replydesk.read(draft_id)
    finally:
        replydesk.close()
    assert draft["order_id"] == ORDER
    assert (draft["external_ref"] or "").startswith(f"{name}:")
    listed = httpx.get(
        f"{replydesk_url}/drafts",
        params={"external_ref": draft["external_ref"]},
        headers={"Authorization": "Bearer ak"},
    ).json()
    assert listed["count"] == 1  # one draft for the ticket, however often the hook came
    [note, _] = desks.notes
    assert note.desk == name
    first_line = draft["text"].splitlines()[0]
    assert "reply by" in note.text and first_line.split()[0] in note.text


def test_an_escalation_is_said_first_and_other_chatwoot_events_are_ignored(
    world: tuple[str, str, fake.Desks],
) -> None:
    replydesk_url, desk_url, desks = world
    replydesk = ReplydeskClient(replydesk_url, "pk")
    try:
        run("zendesk", payloads(ESCALATING)["zendesk"], replydesk, desk_url)
        own_note = payloads(TEXT)["chatwoot"] | {"message_type": "outgoing", "private": True}
        assert run("chatwoot", own_note, replydesk, desk_url) is None
        with pytest.raises(NotAnAmazonMessage):
            run("gorgias", payloads("Do you ship to Canada?")["gorgias"], replydesk, desk_url)
    finally:
        replydesk.close()
    [note] = desks.notes
    assert note.text.splitlines()[1].startswith("ESCALATE: a to z claim")


def test_a_drifted_request_is_refused_by_the_fake_as_by_the_real_desk(
    world: tuple[str, str, fake.Desks],
) -> None:
    _, desk_url, desks = world
    public = httpx.put(
        f"{desk_url}/api/v2/tickets/1.json",
        json={"ticket": {"comment": {"body": "x", "public": True}}},
        auth=(f"{fake.ZENDESK[0]}/token", fake.ZENDESK[1]),
    )
    assert public.status_code == 422
    wrong_key = httpx.post(
        f"{desk_url}/api/v2/tickets/1/notes", json={"body": "x", "private": True}, auth=("k", "X")
    )
    assert wrong_key.status_code == 401
    assert desks.notes == []
