"""The review queue's read side (`service.review.queue`): filters, the `GET /drafts` page and
the rows of the review page, nearest deadline first, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.review.queue import Filters, list_drafts, queue
from service.store.models import EXCERPT_CHARS
from tests.service.ops.support import ORDER, at, draft, finding, store
from tests.service.review.support import create_blocked_draft, create_draft

Client = Callable[..., TestClient]
LONG = "The blender arrived broken,\n\n   the jar is cracked " + "and it leaks " * 20


def _approve(client: TestClient, draft_id: str, **body: Any) -> Any:
    return client.post(f"/drafts/{draft_id}/approve", json={"agent_id": "anna"} | body)


def test_list_filters_pages_and_sorts_by_respond_by(db_url: str, make_client: Client) -> None:
    client = make_client(database_url=db_url)
    late = create_draft(client, message__received_at="2026-11-20T12:00:00Z")
    early = create_draft(client, message__received_at="2026-11-20T08:00:00Z")
    spanish = create_draft(
        client,
        "¿Dónde está mi paquete? Todavía no ha llegado.",
        message__received_at="2026-11-20T10:00:00Z",
        order__marketplace="amazon.es",
        agent_id="luis",
    )
    broken = create_draft(
        client,
        "The blender arrived broken, the jar is cracked.",
        message__received_at="2026-11-19T10:00:00Z",
    )
    blocked = create_blocked_draft(client, message__received_at="2026-11-21T08:00:00Z")

    everything = client.get("/drafts").json()
    assert everything["count"] == 5
    respond_by = [d["policy"]["respond_by"] for d in everything["data"]]
    assert respond_by == sorted(respond_by)
    assert [d["draft_id"] for d in everything["data"][:4]] == [
        broken["draft_id"],
        early["draft_id"],
        spanish["draft_id"],
        late["draft_id"],
    ]
    first = everything["data"][0]
    assert first["message_excerpt"].startswith("The blender arrived broken")
    assert first["buyer_name"] == "Jane"
    assert first["review"] is None

    pending = client.get("/drafts", params={"status": "pending"}).json()
    assert pending["count"] == 4
    assert blocked["draft_id"] not in {d["draft_id"] for d in pending["data"]}
    both = client.get("/drafts", params=[("status", "pending"), ("status", "blocked")]).json()
    assert both["count"] == 5

    page = client.get("/drafts", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [d["draft_id"] for d in page["data"]] == [early["draft_id"], spanish["draft_id"]]

    by_language = client.get("/drafts", params={"language": "es"}).json()
    assert [d["draft_id"] for d in by_language["data"]] == [spanish["draft_id"]]
    by_intent = client.get("/drafts", params={"intent": broken["intent"]}).json()
    assert broken["draft_id"] in {d["draft_id"] for d in by_intent["data"]}
    assert all(d["intent"] == broken["intent"] for d in by_intent["data"])
    by_agent = client.get("/drafts", params={"agent_id": "luis"}).json()
    assert [d["draft_id"] for d in by_agent["data"]] == [spanish["draft_id"]]

    # The reviewer counts as the agent of a draft too.
    assert _approve(client, late["draft_id"], agent_id="mia").status_code == 200
    reviewed = client.get("/drafts", params={"agent_id": "mia"}).json()
    assert [d["draft_id"] for d in reviewed["data"]] == [late["draft_id"]]
    assert reviewed["data"][0]["review"]["reviewed_by"] == "mia"

    assert client.get("/drafts", params={"status": "sent"}).status_code == 422
    assert client.get("/drafts", params={"limit": 0}).status_code == 422


@pytest.fixture
def seeded(db_url: str) -> Iterator[tuple[sa.Engine, dict[str, str]]]:
    """Four drafts due on the 19th to the 22nd: open, blocked, approved and a proactive one."""
    rows = {
        "broken": draft(
            received_at=at(19),
            request={"message": {"text": LONG}, "order": {"order_id": ORDER, "buyer_name": "Jo"}},
            findings=[
                finding("external_link"), finding("emoji"), finding("contact_window", "flagged")
            ],
            escalation={"recommended": True, "reasons": ["safety"]},
        ),
        "blocked": draft(
            status="blocked", received_at=at(18), agent_id="luis",
            findings=[finding("language_mismatch", "blocked")], language="pt",
        ),
        "approved": draft(
            status="approved", received_at=at(20), reviewed_by="mia", reviewed_at=at(21),
            intent="damaged_item",
        ),
        # A proactive draft answers no message: its request has none.
        "proactive": draft(
            received_at=at(21), message_kind="proactive",
            request={"order": {"order_id": ORDER, "buyer_name": "Ann"}},
        ),
    }  # fmt: skip
    engine = store(db_url, list(rows.values()))
    yield engine, {name: row.id for name, row in rows.items()}
    engine.dispose()


def test_queue_rows_count_findings_and_read_two_values_of_the_request(
    seeded: tuple[sa.Engine, dict[str, str]],
) -> None:
    engine, ids = seeded
    with Session(engine) as session:
        rows, total = queue(session, filters=Filters(statuses=("pending", "blocked")))
    assert total == 3
    assert [row.id for row in rows] == [ids["blocked"], ids["broken"], ids["proactive"]]
    blocked, broken, proactive = rows
    assert (broken.fixed, broken.flagged, broken.blocked, broken.escalate) == (2, 1, 0, True)
    assert (blocked.fixed, blocked.flagged, blocked.blocked, blocked.escalate) == (0, 0, 1, False)
    assert broken.buyer_name == "Jo"
    assert broken.excerpt.startswith("The blender arrived broken, the jar is cracked and")
    assert len(broken.excerpt) == EXCERPT_CHARS and broken.excerpt.endswith("…")
    assert (proactive.buyer_name, proactive.excerpt) == ("Ann", "")
    assert broken.respond_by == at(20)  # aware UTC on either database
    assert (blocked.status, blocked.language, blocked.order_id) == ("blocked", "pt", ORDER)


def test_the_queue_is_cut_at_its_limit_but_counts_every_match(
    seeded: tuple[sa.Engine, dict[str, str]],
) -> None:
    engine, ids = seeded
    with Session(engine) as session:
        rows, total = queue(session, filters=Filters(), limit=2)
    assert total == 4
    assert [row.id for row in rows] == [ids["blocked"], ids["broken"]]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["blocked", "broken", "approved", "proactive"]),
        (Filters(statuses=("approved", "blocked")), ["blocked", "approved"]),
        (Filters(intent="damaged_item"), ["approved"]),
        (Filters(language="pt"), ["blocked"]),
        # The agent who asked for a draft, or the one who reviewed it.
        (Filters(agent_id="luis"), ["blocked"]),
        (Filters(agent_id="mia"), ["approved"]),
        (Filters(agent_id="nobody"), []),
    ],
)
def test_filters_and_the_page_of_drafts(
    seeded: tuple[sa.Engine, dict[str, str]], filters: Filters, expected: list[str]
) -> None:
    engine, ids = seeded
    with Session(engine) as session:
        rows, total = list_drafts(session, filters=filters, limit=10, offset=0)
        page, same_total = list_drafts(session, filters=filters, limit=1, offset=1)
    assert [row.id for row in rows] == [ids[name] for name in expected]
    assert total == same_total == len(expected)
    assert [row.id for row in page] == [ids[name] for name in expected[1:2]]
