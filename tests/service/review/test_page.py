"""The review page's server side: the rendered queue, its filters, keys and escaping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from service.review.page import time_left
from tests.service.review.support import create_blocked_draft, create_draft

Client = Callable[..., TestClient]


def test_page_renders_the_queue_nearest_deadline_first(make_client: Client) -> None:
    client = make_client()
    later = create_draft(client, message__received_at="2026-11-20T12:00:00Z")
    sooner = create_draft(
        client,
        "The blender arrived broken <script>alert(1)</script>",
        message__received_at="2026-11-20T08:00:00Z",
    )
    page = client.get("/review")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.index(sooner["draft_id"]) < html.index(later["draft_id"])
    assert "overdue" in html  # 2026-11-20 is long past
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<label for="d-text">' in html and 'role="status"' in html
    assert client.get("/static/review.js").status_code == 200
    assert client.get("/static/review.css").status_code == 200


def test_queue_fragment_filters(make_client: Client) -> None:
    client = make_client()
    english = create_draft(client)
    spanish = create_draft(
        client, "¿Dónde está mi paquete? Todavía no ha llegado.", order__marketplace="amazon.es"
    )
    blocked = create_blocked_draft(client)

    def ids(**params: str) -> set[str]:
        html = client.get("/review/queue", params=params).text
        return {
            d for d in (english["draft_id"], spanish["draft_id"], blocked["draft_id"]) if d in html
        }

    assert ids() == {english["draft_id"], spanish["draft_id"], blocked["draft_id"]}
    assert ids(status="blocked") == {blocked["draft_id"]}
    assert ids(status="pending", language="es") == {spanish["draft_id"]}
    assert ids(intent="where_is_my_order", status="pending") == {
        english["draft_id"],
        spanish["draft_id"],
    }
    assert ids(status="approved") == set()
    # Unknown values fall back to no filter rather than an empty queue.
    assert ids(language="xx", intent="nonsense") == ids()
    assert "3 drafts" in client.get("/review/queue").text


def test_time_left_reads_like_a_countdown() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert time_left(now + timedelta(hours=5, minutes=3), now) == "5 h 03 min left"
    assert time_left(now - timedelta(hours=1, minutes=10), now) == "overdue 1 h 10 min"
    assert time_left(now, now) == "0 h 00 min left"
