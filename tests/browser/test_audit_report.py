"""The HTML audit report in a real browser: the per-agent table an ops lead reads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from service.api.app import create_app
from service.config import Settings
from tests.service.ops.support import (
    CLEAN,
    DAMAGED,
    LINK,
    REVIEW_REQUEST,
    SHIPPING,
    approved,
    at,
    store,
)
from tests.service.review.support import serving

pytestmark = pytest.mark.e2e
OPS = {"Authorization": "Bearer o-key"}


def test_audit_report_shows_the_per_agent_table(
    page: Page, make_settings: Callable[..., Settings], sqlite_url: str, tmp_path: Path
) -> None:
    store(
        sqlite_url,
        [
            approved("anna", at(20, 9), text=CLEAN, sources=[SHIPPING]),
            approved("anna", at(21, 9), text=REVIEW_REQUEST, sources=[SHIPPING]),
            approved("ben", at(22, 9), 0.3, text=LINK, sources=[DAMAGED]),
        ],
    ).dispose()
    with serving(create_app(make_settings(api_keys="ops:o-key"))) as url:
        response = httpx.post(f"{url}/audit", json={"sample_size": 50}, headers=OPS, timeout=30)
        assert response.status_code == 200, response.text
        audit_id = response.json()["audit_id"]
        # The stored report, as an ops lead opens it (the key travels as a bearer header).
        page.context.set_extra_http_headers(OPS)
        page.goto(f"{url}/audits/{audit_id}?format=html")
        expect(page).to_have_title(f"replydesk · audit {audit_id}")
        agents = page.locator("table#agents")
        expect(agents).to_be_visible()
        expect(agents.locator("thead th").first).to_have_text("Agent")
        rows = agents.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator("td")).to_have_text(
            ["anna", "2", "1", "50 %", "review_solicitation"]
        )
        expect(rows.nth(1).locator("td")).to_have_text(["ben", "1", "1", "100 %", "external_link"])
        expect(page.locator("#summary")).to_contain_text("3 sent replies")
        expect(page.get_by_role("heading", name="What to update")).to_be_visible()
        expect(page.get_by_text("Retrain agent anna on review_solicitation")).to_be_visible()
