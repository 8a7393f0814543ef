"""The OpenAPI document (`service.api.openapi`): every error a route can answer is declared,
as the problem it is, and the errors the app really answers are among the declared ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.openapi import Problem, ValidationProblem
from service.api.problems import MEDIA_TYPE
from tests.conftest import draft_request

KEYS = "plugin:pk-1,agent:ak-2,ops:ok-3"
AGENT = {"Authorization": "Bearer ak-2"}
TOO_LONG = {"text": "x" * 100_001, "order_id": "114-3941689-8772232", "marketplace": "amazon.com"}


@pytest.fixture
def keyed(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(api_keys=KEYS)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_a_route_declares_is_a_problem(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert {"Problem", "ValidationProblem"} <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        for code, response in operation["responses"].items():
            if int(code) < 400 or path in ("/healthz", "/readyz"):
                continue
            [(media, content)] = response["content"].items()
            assert media == MEDIA_TYPE, (method, path, code)
            assert content["schema"]["$ref"].rsplit("/", 1)[1] in ("Problem", "ValidationProblem")


def test_keys_are_declared_and_every_keyed_route_may_answer_401_403_and_503(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "`Authorization: Bearer <key>`",
    }
    assert schemes["ApiKeyHeader"]["name"] == "X-API-Key"
    keyed = [(m, p, op) for m, p, op in operations(document) if op.get("security")]
    assert len(keyed) >= 18
    for method, path, operation in keyed:
        declared = set(operation["responses"])
        optional = {} in operation["security"]
        assert (path == "/review") == optional, (method, path)
        assert optional or {"401", "403"} <= declared, (method, path)
        assert "503" in declared, (method, path)
        if "requestBody" in operation:
            assert {"413", "422"} <= declared, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "route", "kwargs", "status"),
    [
        ("POST", "/draft", "/draft", {"json": draft_request()}, 401),
        ("GET", "/kb", "/kb", {"headers": AGENT}, 403),
        ("GET", "/drafts/nope", "/drafts/{draft_id}", {"headers": AGENT}, 404),
        ("POST", "/drafts/nope/reject", "/drafts/{draft_id}/reject", {"headers": AGENT}, 422),
        ("POST", "/drafts/nope/reject", "/drafts/{draft_id}/reject",
         {"headers": AGENT, "json": {"agent_id": "a1", "reason": "x"}}, 404),
        ("POST", "/check", "/check", {"headers": AGENT, "json": TOO_LONG}, 413),
        ("GET", "/drafts", "/drafts", {"headers": AGENT, "params": {"limit": 0}}, 422),
        ("GET", "/stats", "/stats", {"headers": {"Authorization": "Bearer ok-3"},
         "params": {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}}, 400),
    ],
)  # fmt: skip
def test_the_errors_the_app_answers_are_declared_and_match_their_schema(
    keyed: TestClient,
    method: str,
    path: str,
    route: str,
    kwargs: dict[str, Any],
    status: int,
) -> None:
    document = keyed.get("/openapi.json").json()
    response = keyed.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA_TYPE
    declared = document["paths"][route][method.lower()]["responses"]
    assert str(status) in declared, (route, status, sorted(declared))
    ref = declared[str(status)]["content"][MEDIA_TYPE]["schema"]["$ref"]
    model = ValidationProblem if ref.endswith("/ValidationProblem") else Problem
    model.model_validate(response.json())
