"""The app `create_app` builds: every router mounted, the middleware in the order that gives
even a 413 its request id and its count, and resources that live as long as the app."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.resources import Resources
from tests.conftest import draft_request, started
from tests.problems import problem

ROUTES = {
    "/draft", "/drafts", "/drafts/{draft_id}", "/drafts/{draft_id}/approve",
    "/drafts/{draft_id}/reject", "/drafts/{draft_id}/case", "/check", "/triage",
    "/acknowledge", "/proactive", "/healthz", "/readyz", "/kb", "/kb/search", "/kb/reload",
    "/audit", "/audits", "/audits/{audit_id}", "/stats", "/metrics", "/review", "/review/queue",
}  # fmt: skip


def test_every_router_and_the_static_files_are_served(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert paths >= ROUTES
    script = client.get("/static/review.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


def test_a_body_over_the_limit_is_413_with_a_request_id_and_counted(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_body_bytes=10_000)
    response = client.post("/draft", json=draft_request("x" * 20_000))
    body = problem(response, 413)
    assert "10000 bytes" in body["detail"]
    # The request observer is outside the body limit: the rejection is seen, counted, and
    # its problem names the request (what a plugin quotes to the operator).
    assert len(response.headers["x-request-id"]) == 32
    assert body["request_id"] == response.headers["x-request-id"]
    metrics = client.get("/metrics").text
    assert 'replydesk_http_requests_total{method="POST",route="<unmatched>",status="413"} 1.0' in (
        metrics
    )


def test_resources_are_built_from_the_settings_and_closed_once_at_shutdown(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed: list[Resources] = []
    close = Resources.aclose

    async def counting_close(resources: Resources) -> None:
        closed.append(resources)
        await close(resources)

    monkeypatch.setattr(Resources, "aclose", counting_close)
    settings = make_settings()
    app = create_app(settings)
    with TestClient(app) as client:
        started(client)
        resources = app.state.resources
        assert resources.settings is settings
        assert client.get("/readyz").status_code == 200
        assert closed == []
    assert closed == [resources]


def test_every_answer_forbids_sniffing_and_own_pages_carry_a_content_security_policy(
    client: TestClient,
) -> None:
    page = client.get("/review")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src" not in policy  # scripts fall back to 'self': no inline script runs
    for response in (page, client.get("/healthz"), client.get("/static/review.js")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in client.get("/healthz").headers
    # The API documentation loads its scripts from the service and starts them inline.
    for path in ("/docs", "/redoc"):
        docs_policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in docs_policy
        assert "default-src 'self'" in docs_policy and "http" not in docs_policy


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_documentation_needs_nothing_from_the_internet(
    client: TestClient, path: str
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    assert "openapi.json" in page.text
    for url in loaded:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url  # the real bundle, not an empty file
