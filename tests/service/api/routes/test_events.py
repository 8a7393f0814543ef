"""`GET /events`: the drafts' lifecycle in order (service/store/events.py), on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import draft_request

KEYS = "plugin:pk-1,agent:ak-2"
PLUGIN = {"Authorization": "Bearer pk-1"}
AGENT = {"Authorization": "Bearer ak-2"}
ESCALATING = "I will file an A-to-z claim and a chargeback if my refund does not come today!"


def test_a_plugin_follows_every_change_in_order(
    db_url: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(database_url=db_url, api_keys=KEYS)
    plain = client.post("/draft", json=draft_request(), headers=PLUGIN).json()["draft_id"]
    loud = client.post(
        "/draft", json=draft_request(ESCALATING) | {"external_ref": "t-9"}, headers=PLUGIN
    ).json()["draft_id"]
    first = client.get("/events", headers=PLUGIN).json()
    kinds = [(e["type"], e["draft_id"]) for e in first["data"]]
    assert kinds == [
        ("draft.created", plain),
        ("draft.created", loud),
        ("draft.escalated", loud),
    ]
    assert first["data"][2]["data"]["external_ref"] == "t-9"
    assert first["data"][2]["data"]["escalation_reasons"]
    ids = [e["id"] for e in first["data"]]
    assert ids == sorted(ids) and first["next_after"] == ids[-1]

    edited = client.post(
        f"/drafts/{plain}/approve",
        json={
            "agent_id": "anna",
            "text": "Hello Jane, your parcel is on its way. Order 114-3941689-8772232.",
        },
        headers=AGENT,
    )
    assert edited.status_code == 200, edited.text
    client.post(f"/drafts/{loud}/reject", json={"agent_id": "ben", "reason": "x"}, headers=AGENT)
    more = client.get("/events", params={"after": first["next_after"]}, headers=PLUGIN).json()
    assert [(e["type"], e["draft_id"]) for e in more["data"]] == [
        ("draft.edited", plain),
        ("draft.approved", plain),
        ("draft.rejected", loud),
    ]
    approved = more["data"][1]["data"]
    assert (approved["status"], approved["agent_id"]) == ("approved", "anna")
    assert approved["edit_ratio"] > 0
    assert more["data"][2]["data"]["reject_reason"] == "x"
    empty = client.get("/events", params={"after": more["next_after"]}, headers=PLUGIN).json()
    assert empty == {"data": [], "next_after": more["next_after"]}
    paged = client.get("/events", params={"limit": 2}, headers=PLUGIN).json()
    assert [e["id"] for e in paged["data"]] == ids[:2]


@pytest.mark.parametrize("query", [{"after": -1}, {"limit": 0}, {"limit": 501}, {"after": "x"}])
def test_bad_paging_is_a_422(client: TestClient, query: dict[str, int | str]) -> None:
    assert client.get("/events", params=query).status_code == 422


def test_events_need_a_key_when_keys_are_set(make_client: Callable[..., TestClient]) -> None:
    client = make_client(api_keys=KEYS)
    assert client.get("/events").status_code == 401
    assert client.get("/events", headers=PLUGIN).status_code == 200
