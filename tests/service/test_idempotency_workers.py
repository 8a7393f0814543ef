"""Eight concurrent `POST /draft` with one `Idempotency-Key` against `replydesk serve
--workers 2`, the model taking a second to answer: one draft, eight equal answers (the first
201, the others 200 once it is stored), on the SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.conftest import empty_postgres
from tests.factories import draft_request
from tests.fakes.openai_server import running
from tests.serving import served

pytestmark = pytest.mark.e2e

CONCURRENT = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'replydesk.db'}"
        return
    with empty_postgres("replydesk_idem") as url:
        yield url


@pytest.mark.timeout(180)
def test_eight_retries_against_two_workers_make_one_draft(fresh_url: str, tmp_path: Path) -> None:
    body = json.dumps(draft_request()).encode()
    headers = {"Idempotency-Key": "ticket-4821-attempt", "Content-Type": "application/json"}
    with (
        running(delay=1.0) as (llm_url, _),
        served(
            {
                "REPLYDESK_DATABASE_URL": fresh_url,
                "REPLYDESK_LLM_BASE_URL": llm_url,
                "REPLYDESK_LLM_MODEL": "good",
                "REPLYDESK_LLM_API_KEY": "sk-test",
            },
            tmp_path / "serve.log",
            workers=2,
            ready_within=120,
        ) as url,
    ):

        def post(_: int) -> httpx.Response:
            # A connection each: the two workers share the port, the kernel spreads them.
            with httpx.Client(base_url=url, timeout=60) as client:
                return client.post("/draft", content=body, headers=headers)

        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(post, range(CONCURRENT)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (CONCURRENT - 1) + [201], [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["generator"]["kind"] == "llm"
    engine = sa.create_engine(fresh_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM drafts")).scalar_one() == 1
    engine.dispose()
