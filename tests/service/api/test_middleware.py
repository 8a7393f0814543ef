"""The ASGI middleware (`service.api.middleware`) on an app of its own: the request id in and
out, HTTP metrics by route template, and the body limit for declared and chunked bodies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from service import logs
from service.api.middleware import BodyLimit, RequestObserver
from service.ops.metrics import Metrics
from tests.problems import problem

LIMIT = 64
HEX32 = re.compile(r"[0-9a-f]{32}")


class Note(BaseModel):
    text: str


def observed_app(metrics: Metrics, seen: list[bytes]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.started = True  # lifespan events pass through both middlewares
        yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(BodyLimit, max_bytes=LIMIT)
    app.add_middleware(RequestObserver, metrics=metrics)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, str | None]:
        return {"request_id": logs.request_id.get()}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        body = await request.body()
        seen.append(body)
        return {"bytes": len(body)}

    @app.post("/note")
    async def note(body: Note) -> dict[str, int]:
        return {"chars": len(body.text)}

    @app.get("/boom/{n}")
    async def boom(n: int) -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def seen() -> list[bytes]:
    return []


@pytest.fixture
def client(metrics: Metrics, seen: list[bytes]) -> Iterator[TestClient]:
    app = observed_app(metrics, seen)
    with TestClient(app, raise_server_exceptions=False) as served:
        assert app.state.started
        yield served


def requests(metrics: Metrics, method: str, route: str, status: int) -> float:
    labels = {"method": method, "route": route, "status": str(status)}
    return metrics.registry.get_sample_value("replydesk_http_requests_total", labels) or 0.0


def chunks(data: bytes, size: int = 16) -> Iterator[bytes]:
    """A body sent without Content-Length (Transfer-Encoding: chunked)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


# --- The request id ---------------------------------------------------------------------


@pytest.mark.parametrize("incoming", ["req-abc-123", "a:b.c_d-1", "x" * 128])
def test_a_sane_incoming_request_id_is_kept_for_the_request_and_the_answer(
    client: TestClient, incoming: str
) -> None:
    response = client.get("/items/1", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming
    assert response.json() == {"request_id": incoming}  # what every log line of it carries


@pytest.mark.parametrize("incoming", [None, "", "a b", "a;b", "x" * 129, "a b;" + "x" * 200])
def test_a_missing_or_unusable_request_id_is_replaced_by_a_fresh_one(
    client: TestClient, incoming: str | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    first = client.get("/items/1", headers=headers)
    rid = first.headers["x-request-id"]
    assert HEX32.fullmatch(rid)
    assert first.json() == {"request_id": rid}
    assert client.get("/items/1", headers=headers).headers["x-request-id"] != rid


# --- Metrics ------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_template(
    client: TestClient, metrics: Metrics
) -> None:
    for item_id in (1, 2, 3):
        client.get(f"/items/{item_id}")
    client.get("/items/not-a-number")
    client.get("/nowhere")
    # Route templates, never ids: the label set stays small.
    assert requests(metrics, "GET", "/items/{item_id}", 200) == 3
    assert requests(metrics, "GET", "/items/{item_id}", 422) == 1
    assert requests(metrics, "GET", "<unmatched>", 404) == 1
    timed = metrics.registry.get_sample_value(
        "replydesk_http_request_duration_seconds_count",
        {"method": "GET", "route": "/items/{item_id}"},
    )
    assert timed == 4


def test_a_crashing_request_is_counted_as_500(client: TestClient, metrics: Metrics) -> None:
    response = client.get("/boom/1")
    assert response.status_code == 500
    assert requests(metrics, "GET", "/boom/{n}", 500) == 1


# --- The body limit -----------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_before_the_app_reads_it(
    client: TestClient, metrics: Metrics, seen: list[bytes]
) -> None:
    assert client.post("/raw", content=b"x" * LIMIT).json() == {"bytes": LIMIT}
    response = client.post("/raw", content=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    problem(response, 413, f"request body larger than {LIMIT} bytes")
    assert HEX32.fullmatch(response.headers["x-request-id"])
    assert seen == [b"x" * LIMIT]  # the app never saw the large one
    assert requests(metrics, "POST", "<unmatched>", 413) == 1


def test_a_chunked_body_is_counted_as_it_arrives(client: TestClient, seen: list[bytes]) -> None:
    assert client.post("/raw", content=chunks(b"y" * LIMIT)).json() == {"bytes": LIMIT}
    response = client.post("/raw", content=chunks(b"y" * (LIMIT * 3)))
    assert response.status_code == 413
    problem(response, 413, f"request body larger than {LIMIT} bytes")
    assert seen == [b"y" * LIMIT]


def test_a_chunked_json_body_within_the_limit_is_parsed(client: TestClient) -> None:
    response = client.post(
        "/note", content=chunks(b'{"text": "hello"}'), headers={"content-type": "application/json"}
    )
    assert response.json() == {"chars": 5}


def test_a_chunked_json_body_over_the_limit_is_413(client: TestClient) -> None:
    body = b'{"text": "' + b"z" * (LIMIT * 3) + b'"}'
    response = client.post(
        "/note", content=chunks(body), headers={"content-type": "application/json"}
    )
    problem(response, 413, f"request body larger than {LIMIT} bytes")
