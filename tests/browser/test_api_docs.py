"""/docs and /redoc in a real browser with every request off the loopback refused: Swagger UI
lists the operations and offers the key schemes, ReDoc renders the reference
(service/api/docs.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from service.api.app import create_app
from service.config import Settings
from tests.service.review.support import serving

pytestmark = pytest.mark.e2e


@pytest.fixture
def offline(page: Page, make_settings: Callable[..., Settings]) -> Iterator[tuple[str, list[str]]]:
    """The served app's URL, and the URLs the page tried to fetch from elsewhere (refused)."""
    refused: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "blob:", "data:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    with serving(create_app(make_settings())) as url:
        yield url, refused


def test_swagger_ui_lists_the_operations_offline(
    page: Page, offline: tuple[str, list[str]]
) -> None:
    url, refused = offline
    page.goto(f"{url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("replydesk")
    expect(page.locator(".opblock-summary-path", has_text="/draft").first).to_be_visible()
    assert page.locator(".opblock").count() >= 20
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert refused == []


def test_redoc_renders_the_reference_offline(page: Page, offline: tuple[str, list[str]]) -> None:
    url, refused = offline
    page.goto(f"{url}/redoc")
    expect(page.get_by_role("heading", name="Create Draft").first).to_be_attached()
    expect(page.locator("h1").first).to_contain_text("replydesk")
    assert refused == []
