"""API keys and roles (REPLYDESK_API_KEYS)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.config import parse_api_keys
from tests.conftest import draft_request

KEYS = "plugin:pk-123,agent:ak-456,ops:ok-789"


@pytest.fixture
def secured(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(api_keys=KEYS)


def test_missing_and_unknown_keys_are_401(secured: TestClient) -> None:
    assert secured.post("/draft", json=draft_request()).status_code == 401
    response = secured.post(
        "/draft", json=draft_request(), headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "unknown API key"


@pytest.mark.parametrize("key", ["pk-123", "ak-456", "ok-789"])
def test_plugin_endpoints_accept_plugin_and_higher_roles(secured: TestClient, key: str) -> None:
    response = secured.post("/draft", json=draft_request(), headers={"X-API-Key": key})
    assert response.status_code == 201
    draft_id = response.json()["draft_id"]
    headers = {"Authorization": f"Bearer {key}"}
    assert secured.get(f"/drafts/{draft_id}", headers=headers).status_code == 200


def test_health_needs_no_key(secured: TestClient) -> None:
    assert secured.get("/healthz").status_code == 200
    assert secured.get("/readyz").status_code == 200


def test_open_when_no_keys(client: TestClient) -> None:
    assert client.post("/draft", json=draft_request()).status_code == 201


@pytest.mark.parametrize("raw", ["admin:x", "plugin", "plugin:", ":abc"])
def test_malformed_key_settings_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_api_keys(raw)


def test_key_settings_parse() -> None:
    assert parse_api_keys(" plugin:a , agent:b,") == {"a": "plugin", "b": "agent"}
