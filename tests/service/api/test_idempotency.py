"""`Idempotency-Key` on POST /draft, /acknowledge and /proactive, and `external_ref`, through
the real app on SQLite and PostgreSQL (service/api/idempotency.py, service/compose/idempotency.py).
The concurrent case against two worker processes is tests/service/test_idempotency_workers.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import draft_request, freeze
from tests.service.compose.test_proactive import DELIVERED, order


def drafts_in(client: TestClient) -> int:
    engine = client.app.state.resources.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one())


def post(client: TestClient, path: str, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("path", ["/draft", "/acknowledge"])
def test_a_retry_with_the_key_returns_the_first_draft_as_200(
    db_url: str, make_client: Callable[..., TestClient], path: str
) -> None:
    client = make_client(database_url=db_url)
    first = post(client, path, draft_request(), f"retry-{path}")
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = post(client, path, draft_request(), f"retry-{path}")
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert drafts_in(client) == 1
    # Without a key, or with another, a second draft is made.
    assert post(client, path, draft_request(), None).status_code == 201
    assert post(client, path, draft_request(), f"other-{path}").status_code == 201
    assert drafts_in(client) == 3


def test_the_same_key_with_another_body_or_route_is_refused(
    db_url: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(database_url=db_url)
    assert post(client, "/draft", draft_request(), "k-1").status_code == 201
    # The same body read differently (key order, spacing) is the same request.
    same = client.post(
        "/draft",
        content=" ".join(reversed_json(draft_request()).split()),
        headers={"Idempotency-Key": "k-1", "Content-Type": "application/json"},
    )
    assert same.status_code == 200, same.text
    other = post(client, "/draft", draft_request("Can I still cancel?"), "k-1")
    assert other.status_code == 422
    problem = other.json()
    assert problem["type"].endswith("idempotency-key-reused")
    assert "another request body" in problem["detail"]
    elsewhere = post(client, "/acknowledge", draft_request(), "k-1")
    assert elsewhere.status_code == 422
    assert "(on POST /draft)" in elsewhere.json()["detail"]
    assert drafts_in(client) == 1


def reversed_json(body: dict[str, Any]) -> str:
    import json

    def flip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: flip(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [flip(v) for v in value]
        return value

    return json.dumps(flip(body), indent=2)


@pytest.mark.parametrize(
    "key",
    [b"", b"x" * 256, b"tab\there", "ключ".encode()],
    ids=["empty", "long", "control", "non-ascii"],
)
def test_a_malformed_key_is_a_422_naming_the_header(client: TestClient, key: bytes) -> None:
    response = client.post("/draft", json=draft_request(), headers={b"Idempotency-Key": key})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert drafts_in(client) == 0


def test_a_refused_first_request_frees_its_key(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    freeze(client, DELIVERED + timedelta(days=3))
    opted_out = {"order": order(), "kind": "usage_guide", "buyer_opted_out": True}
    refused = post(client, "/proactive", opted_out, "p-1")
    assert refused.status_code == 422, refused.text
    # The retry is tried again (and refused again), neither waiting nor replaying anything.
    assert post(client, "/proactive", opted_out, "p-1").status_code == 422
    body = {"order": order(), "kind": "usage_guide", "external_ref": "freshdesk:7"}
    assert post(client, "/proactive", body, "p-2").status_code == 201
    replay = post(client, "/proactive", body, "p-2")
    assert (replay.status_code, replay.json()["external_ref"]) == (200, "freshdesk:7")
    assert drafts_in(client) == 1


def test_external_ref_is_stored_returned_and_filters_the_list(
    db_url: str, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(database_url=db_url)
    made = post(client, "/draft", draft_request() | {"external_ref": "zendesk:48213"}, None)
    assert made.status_code == 201, made.text
    assert made.json()["external_ref"] == "zendesk:48213"
    assert post(client, "/draft", draft_request(), None).json()["external_ref"] is None
    draft_id = made.json()["draft_id"]
    assert client.get(f"/drafts/{draft_id}").json()["external_ref"] == "zendesk:48213"
    listed = client.get("/drafts", params={"external_ref": "zendesk:48213"}).json()
    assert (listed["count"], listed["data"][0]["draft_id"]) == (1, draft_id)
    assert client.get("/drafts").json()["count"] == 2
    blank = post(client, "/draft", draft_request() | {"external_ref": "  "}, None)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["loc"] == ["body", "external_ref"]
