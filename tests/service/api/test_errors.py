"""How errors are answered (`service.api.errors`): a `ServiceError`'s status and detail, and
validation errors that say where and what, never echoing the input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from service.api import problems
from service.api.errors import RETRY_AFTER_S, install_handlers
from service.errors import NotFound, ServiceError, Unavailable
from service.store.db import create_db_engine
from tests.problems import problem

SECRET = "Jane Doe, 12 Rue de la Paix, jane@example.org"


class Body(BaseModel):
    name: str = Field(max_length=8)
    quantity: int


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = FastAPI()
    install_handlers(app)
    errors: dict[str, ServiceError] = {
        "plain": ServiceError("since must be before until"),
        "missing": NotFound("no draft 'abc'"),
        "down": Unavailable("no template, no model"),
        "conflict": ServiceError({"rule": "one_per_order", "draft_id": "d1"}, status_code=409),
    }

    @app.get("/raise/{name}")
    async def fail(name: str) -> None:
        raise errors[name]

    @app.get("/database")
    def database() -> None:
        # A real driver error: nothing listens on port 1.
        engine = create_db_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")
        try:
            with engine.connect():
                pass
        finally:
            engine.dispose()

    @app.post("/body")
    async def body(body: Body) -> dict[str, str]:
        return {"name": body.name}

    with TestClient(app) as served:
        yield served


@pytest.mark.parametrize(
    ("name", "status", "detail"),
    [
        ("plain", 400, "since must be before until"),
        ("missing", 404, "no draft 'abc'"),
        ("down", 503, "no template, no model"),
        ("conflict", 409, {"rule": "one_per_order", "draft_id": "d1"}),
    ],
)
def test_a_service_error_is_its_status_and_detail(
    client: TestClient, name: str, status: int, detail: Any
) -> None:
    response = client.get(f"/raise/{name}")
    problem(response, status, detail)


def test_a_validation_error_says_where_and_what_but_not_the_input(client: TestClient) -> None:
    response = client.post("/body", json={"name": SECRET, "quantity": "many " + SECRET})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert [(e["loc"], e["type"]) for e in detail] == [
        (["body", "name"], "string_too_long"),
        (["body", "quantity"], "int_parsing"),
    ]
    assert all(set(e) == {"loc", "msg", "type"} for e in detail)
    assert "Jane" not in response.text and "example.org" not in response.text


def test_input_that_cannot_be_encoded_still_gets_a_422(client: TestClient) -> None:
    # A lone surrogate survives json.loads but not UTF-8: echoing it would fail the answer.
    payload = json.dumps({"name": "x" * 9 + "\ud800", "quantity": 1}, ensure_ascii=True)
    response = client.post("/body", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "name"]]


def test_a_body_that_is_not_json_is_a_422_without_the_body(client: TestClient) -> None:
    response = client.post(
        "/body",
        content=b'{"name": "' + SECRET.encode() + b'"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert "Jane" not in response.text


def test_a_database_that_cannot_be_reached_is_503_with_retry_after(client: TestClient) -> None:
    response = client.get("/database")
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_S)
    assert "database is unavailable" in response.json()["detail"]


# --- Problem details (RFC 9457) --------------------------------------------------------------


def test_an_object_detail_is_kept_and_its_members_are_the_problems_own(
    client: TestClient,
) -> None:
    body = problem(client.get("/raise/conflict"), 409, {"rule": "one_per_order", "draft_id": "d1"})
    assert (body["rule"], body["draft_id"], body["title"]) == ("one_per_order", "d1", "Conflict")


def test_a_validation_problem_lists_the_field_errors_as_errors_too(client: TestClient) -> None:
    body = problem(client.post("/body", json={"name": "x"}), 422)
    assert body["type"] == problems.VALIDATION
    assert (
        body["errors"]
        == body["detail"]
        == [{"loc": ["body", "quantity"], "msg": "Field required", "type": "missing"}]
    )


def test_routing_errors_are_problems_and_405_says_what_is_allowed(client: TestClient) -> None:
    problem(client.get("/no/such/route"), 404, "Not Found")
    not_allowed = client.delete("/body")
    problem(not_allowed, 405, "Method Not Allowed")
    assert not_allowed.headers["allow"] == "POST"


def test_an_unexpected_error_is_a_500_problem_that_tells_nothing_of_it() -> None:
    app = FastAPI()
    install_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(SECRET)

    with TestClient(app, raise_server_exceptions=False) as served:
        response = served.get("/boom")
    body = problem(response, 500)
    assert "request_id" in body["detail"] and "Jane" not in response.text


def test_the_database_problem_has_its_own_type(client: TestClient) -> None:
    body = problem(client.get("/database"), 503)
    assert (body["type"], body["title"]) == (
        problems.DATABASE_UNAVAILABLE,
        "The database is unavailable",
    )


def test_an_error_with_a_problem_type_answers_with_it() -> None:
    from service.compose.proactive import Refused
    from service.review.actions import StillBlocked

    app = FastAPI()
    install_handlers(app)
    raised = {"refused": Refused({"rule": "contact_window"}), "blocked": StillBlocked("no")}

    @app.get("/raise/{name}")
    async def fail(name: str) -> None:
        raise raised[name]

    with TestClient(app) as served:
        refused = problem(served.get("/raise/refused"), 422)
        blocked = problem(served.get("/raise/blocked"), 422, "no")
    assert (refused["type"], refused["rule"]) == (problems.REFUSED, "contact_window")
    assert blocked["type"] == problems.STILL_BLOCKED
