"""`replydesk demo`: twenty buyer messages in six languages, drafted into the review queue."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from service.cli import demo_messages as demo
from service.cli import main
from service.config import get_settings
from tests.conftest import REPO


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_demo_data_covers_six_languages() -> None:
    entries = demo.load()
    assert 18 <= len(entries) <= 24
    now = datetime.fromisoformat("2026-11-27T12:00:00+00:00")
    requests = [demo.to_request(entry, now=now) for entry in entries]  # all valid requests
    domains = Counter(r.order.marketplace for r in requests)
    assert {
        "amazon.com",
        "amazon.de",
        "amazon.fr",
        "amazon.es",
        "amazon.it",
        "amazon.co.jp",
    } <= set(domains)
    assert len({r.order.order_id for r in requests}) == len(requests)


def test_demo_command_fills_the_queue(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., TestClient]
) -> None:
    monkeypatch.setenv("REPLYDESK_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("REPLYDESK_KB_DIR", str(REPO / "knowledge_base"))
    monkeypatch.setenv("REPLYDESK_PROMPTS_DIR", str(REPO / "prompts"))
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "drafted 20 demo messages" in result.output

    client = make_client()  # the same SQLite file
    listed = client.get("/drafts", params={"limit": 100}).json()
    assert listed["count"] == 20
    drafts = listed["data"]
    assert {d["status"] for d in drafts} <= {"pending", "blocked"}
    assert {d["language"] for d in drafts} == {"en", "de", "fr", "es", "it", "ja"}
    page = client.get("/review").text
    assert page.count('class="queue-item') == 20
    assert "overdue" in page and "left" in page  # the clock shows both kinds
