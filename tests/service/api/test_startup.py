"""The port opens before the resources are built: /healthz answers while the service starts,
/readyz says when it is ready, requests wait for it, and a failed start is a 503 that says why."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api import startup as startup_module
from service.api.app import create_app
from service.config import Settings
from service.resources import Resources, build_resources
from tests.conftest import draft_request, started


def test_it_answers_while_starting_and_requests_wait_for_it(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    go = threading.Event()

    def slow_build(settings: Settings, **kwargs: Any) -> Resources:
        assert go.wait(30)
        return build_resources(settings, **kwargs)

    monkeypatch.setattr(startup_module, "build_resources", slow_build)
    with TestClient(create_app(make_settings())) as client:
        assert client.get("/healthz").json() == {"status": "ok", "start": "starting"}
        early = client.get("/readyz")
        assert early.status_code == 503
        assert early.json()["checks"] == {"start": "starting"}
        answers: list[int] = []
        waiting = threading.Thread(
            target=lambda: answers.append(client.post("/draft", json=draft_request()).status_code)
        )
        waiting.start()
        go.set()
        waiting.join(60)
        assert answers == [201]
        assert client.get("/readyz").status_code == 200
        assert client.get("/healthz").json()["start"] == "ready"


def test_a_failed_start_is_a_503_that_says_why(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(settings: Settings, **kwargs: Any) -> Resources:
        raise RuntimeError("intent model file does not match its manifest")

    monkeypatch.setattr(startup_module, "build_resources", broken)
    with TestClient(create_app(make_settings())) as client:
        started(client)
        health = client.get("/healthz")
        assert (health.status_code, health.json()["status"]) == (503, "failed")
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "intent model file does not match" in ready.json()["checks"]["start"]
        draft = client.post("/draft", json=draft_request())
        assert draft.status_code == 503
        assert "failed to start" in draft.json()["detail"]
