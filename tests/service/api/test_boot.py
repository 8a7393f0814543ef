"""`replydesk serve` opens its port before the app is imported: /healthz and /readyz answer
"starting" meanwhile, other requests wait for the app, its lifespan runs and stops with the
server's, and an app that cannot be built is a 503 that says why."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.boot import ASGIApp, Boot, Message, Receive, Scope, Send
from service.config import Settings
from tests.conftest import draft_request
from tests.processes import fresh_python


def test_health_answers_while_the_app_loads_and_requests_wait_for_it(
    make_settings: Callable[..., Settings],
) -> None:
    gate = threading.Event()
    lifespan: list[str] = []

    def slow_app() -> ASGIApp:
        assert gate.wait(30)
        app = create_app(make_settings())

        async def recorded(scope: Scope, receive: Receive, send: Send) -> None:
            async def tap(message: Message) -> None:
                lifespan.append(message["type"])
                await send(message)

            await app(scope, receive, tap if scope["type"] == "lifespan" else send)

        return recorded

    with TestClient(Boot(slow_app)) as client:
        health = client.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok", "start": "starting"})
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()["checks"]) == (503, {"start": "starting"})
        assert ready.headers["retry-after"] == "5"
        answers: list[int] = []
        waiting = threading.Thread(
            target=lambda: answers.append(client.post("/draft", json=draft_request()).status_code)
        )
        waiting.start()
        waiting.join(0.2)
        assert answers == [] and lifespan == []  # still waiting for the app
        gate.set()
        waiting.join(60)
        assert answers == [201]
        assert lifespan == ["lifespan.startup.complete"]
        assert client.get("/readyz").status_code == 200
        assert client.get("/healthz").json() == {"status": "ok", "start": "ready"}
    assert lifespan == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_an_app_that_cannot_be_built_is_a_503_that_says_why() -> None:
    def broken() -> FastAPI:
        raise RuntimeError("REPLYDESK_KB_DIR does not exist")

    with TestClient(Boot(broken)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "REPLYDESK_KB_DIR does not exist" in ready.json()["checks"]["start"]
        health = client.get("/healthz")
        assert (health.status_code, health.json()["status"]) == (503, "failed")
        other = client.get("/drafts")
        assert other.status_code == 503
        assert "failed to start: REPLYDESK_KB_DIR does not exist" in other.json()["detail"]


def test_an_app_whose_start_up_fails_is_a_503_too() -> None:
    @asynccontextmanager
    async def fail(app: FastAPI) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield

    app = FastAPI(lifespan=fail)

    with TestClient(Boot(lambda: app)) as client:
        assert client.get("/healthz").status_code == 503
        assert (
            client.get("/readyz").json()["checks"]["start"] == "failed: RuntimeError: no database"
        )


def test_the_boot_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, uvicorn; before = set(sys.modules); import service.api.boot; "
        "print(sorted(m.split('.')[0] for m in set(sys.modules) - before))"
    )
    assert set(eval(fresh_python(code))) == {"service"}
